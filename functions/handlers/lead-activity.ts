import { mailQueueFromEnvironment, webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { leadActivityOf } from '../adapters/dynamo/stream-events.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import type { MailJob } from '../core/ports.js';
import { refreshLeadIndex } from '../use-cases/lead-index.js';
import { rescoreLead } from '../use-cases/rescore-lead.js';
import { indexQualification } from '../use-cases/prospects.js';
import { raiseWebhooks } from '../use-cases/webhooks.js';
import { countSubmission } from '../use-cases/form-stats.js';

/**
 * Table stream consumer: reacts to what a lead did.
 * - a submission or a behaviour event (page view, email open/click) inserted: re-score the lead, once per
 *   lead per batch however many of its records the batch holds (scoring reads the whole partition);
 * - a submission or a confirmed opt-in inserted: queue its emails (confirmation, or delivery + enrolment)
 *   for the sender. The stream is the outbox: the capture wrote nothing else, so a crash loses nothing;
 * - a stage reached or an unsubscribe recorded: raise the sales webhooks (a delivery per subscribed
 *   endpoint, then a job for the webhook sender). Again the stream is the outbox.
 * - anything of a lead inserted: its entries in the console's lead lists are brought in line, once per lead
 *   per batch, after its last record (best effort: a read model never holds up emails and webhooks);
 * On a failure the batch reports the first failed record, so the event source mapping retries from
 * there (re-scoring and queueing are idempotent) and, after its last attempt, sends the rest to the
 * dead-letter queue.
 */
export const makeLeadActivityHandler =
  (deps: () => AppDeps) =>
  async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    if (context) deps().log.addContext?.(context);
    const rescored = new Set<string>();
    const jobs: { job: MailJob; sequenceNumber: string }[] = [];
    const activities = event.Records.map(leadActivityOf);
    /** Each lead's last record in the batch: its list entries are refreshed once that record is done. */
    const last = new Map<string, number>(activities.flatMap((a, i) => (a ? [[`${a.ref.siteId}#${a.ref.emailKey}`, i] as const] : [])));
    for (const [i, activity] of activities.entries()) {
      if (!activity) continue;
      const { ref, sequenceNumber, mailJob, webhook, submitted } = activity;
      if (mailJob) jobs.push({ job: mailJob, sequenceNumber });
      // The form's numbers: at most once per submission (a retried record finds its mark); a count that
      // fails is logged and lost, never a reason to hold up the emails and webhooks behind it.
      if (submitted)
        await countSubmission(deps(), ref, submitted).catch((error: Error) =>
          deps().log.warn('counting a submission failed', { siteId: ref.siteId, error: error.name, detail: error.message }),
        );
      if (webhook) {
        try {
          // A stage reached is numbered into the pull API's index before its webhooks go out.
          if (webhook.kind === 'stage') await indexQualification(deps(), ref, webhook.change.to, webhook.change.at);
          await raiseWebhooks(deps(), ref, webhook);
          // Index entries and deliveries are not guarded by the lead item: an erasure that raced them is completed here.
          await deps().prospects.sweepIfErased(ref);
        } catch (error) {
          deps().log.error('raising webhooks failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
          return failFrom(sequenceNumber, jobs, deps);
        }
      }
      const lead = `${ref.siteId}#${ref.emailKey}`;
      if (activity.rescore && !rescored.has(lead)) {
        try {
          // No lead to score: erased, maybe after this item was written. What it left behind is swept.
          if (!(await rescoreLead(deps(), ref))) await deps().prospects.sweepIfErased(ref);
          rescored.add(lead);
        } catch (error) {
          deps().log.error('rescore failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
          return failFrom(sequenceNumber, jobs, deps);
        }
      }
      // The console's lists follow the lead once the batch is done with it (a failure above retries from
      // there, and the retry refreshes it). A refresh that fails is logged and lost, like a count: the lists
      // are a read model, healed by the lead's next change or `npm run rescore`, never a reason to hold up
      // the emails and webhooks behind it.
      if (last.get(lead) === i)
        await refreshLeadIndex(deps(), ref).catch((error: Error) =>
          deps().log.warn('refreshing the lead lists failed', { siteId: ref.siteId, error: error.name, detail: error.message }),
        );
    }
    if (jobs.length) {
      try {
        await deps().mailQueue.enqueue(jobs.map((j) => j.job));
      } catch (error) {
        deps().log.error('queueing mail jobs failed', { jobs: jobs.length, error: (error as Error).name, detail: (error as Error).message });
        return { batchItemFailures: [{ itemIdentifier: jobs[0]!.sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };

/**
 * Report a failure at `sequenceNumber`, first queueing the mail jobs of the records before it (those
 * records count as done once the batch reports a later failure, so their jobs must not be dropped).
 */
async function failFrom(sequenceNumber: string, jobs: { job: MailJob; sequenceNumber: string }[], deps: () => AppDeps): Promise<DynamoDBBatchResponse> {
  const before = jobs.filter((j) => j.sequenceNumber !== sequenceNumber);
  if (before.length) {
    try {
      await deps().mailQueue.enqueue(before.map((j) => j.job));
    } catch {
      return { batchItemFailures: [{ itemIdentifier: before[0]!.sequenceNumber }] };
    }
  }
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}

export const handler = makeLeadActivityHandler(
  fromEnvironment('leadActivity', (base) =>
    allAreas(base, { mailQueue: mailQueueFromEnvironment(base.env), webhookQueue: webhookQueueFromEnvironment(base.env) }),
  ),
);
