import { mailQueueFromEnvironment, webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { leadActivityOf } from '../adapters/dynamo/stream-events.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import type { LeadRef, MailJob } from '../core/ports.js';
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
 *   per batch, after everything else the batch did to it;
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
    /** Each lead the batch touched, with its first record (where a failed refresh is retried from). */
    const touched = new Map<string, { ref: LeadRef; sequenceNumber: string; jobsBefore: number }>();
    for (const record of event.Records) {
      const activity = leadActivityOf(record);
      if (!activity) continue;
      const { ref, sequenceNumber, mailJob, webhook, submitted } = activity;
      if (!touched.has(`${ref.siteId}#${ref.emailKey}`)) touched.set(`${ref.siteId}#${ref.emailKey}`, { ref, sequenceNumber, jobsBefore: jobs.length });
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
      if (!activity.rescore || rescored.has(lead)) continue;
      try {
        // No lead to score: erased, maybe after this item was written. What it left behind is swept.
        if (!(await rescoreLead(deps(), ref))) await deps().prospects.sweepIfErased(ref);
        rescored.add(lead);
      } catch (error) {
        deps().log.error('rescore failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
        return failFrom(sequenceNumber, jobs, deps);
      }
    }
    for (const { ref, sequenceNumber, jobsBefore } of touched.values()) {
      try {
        await refreshLeadIndex(deps(), ref);
      } catch (error) {
        deps().log.error('refreshing the lead index failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
        // The records from this lead's first on are read again (all idempotent); the jobs of those before it go now.
        return failFrom(sequenceNumber, jobs.slice(0, jobsBefore), deps);
      }
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
