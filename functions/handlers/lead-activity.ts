import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { keys } from '../adapters/dynamo/keys.js';
import { fromEnvironment, type AppDeps } from '../composition.js';
import type { MailJob } from '../core/ports.js';
import { rescoreLead } from '../use-cases/rescore-lead.js';

/**
 * Table stream consumer: reacts to what a lead did.
 * - a submission or a behaviour event (page view, email open/click) inserted: re-score the lead, once per
 *   lead per batch however many of its records the batch holds (scoring reads the whole partition);
 * - a submission or a confirmed opt-in inserted: queue its emails (confirmation, or delivery + enrolment)
 *   for the sender. The stream is the outbox: the capture wrote nothing else, so a crash loses nothing.
 * On a failure the batch reports the first failed record, so the event source mapping retries from
 * there (re-scoring and queueing are idempotent) and, after its last attempt, sends the rest to the
 * dead-letter queue.
 */
export const makeLeadActivityHandler =
  (deps: () => AppDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const rescored = new Set<string>();
    const jobs: { job: MailJob; sequenceNumber: string }[] = [];
    for (const record of event.Records) {
      const pk = record.dynamodb?.Keys?.PK?.S;
      const sk = record.dynamodb?.Keys?.SK?.S;
      const ref = pk ? keys.parseLeadPartition(pk) : undefined;
      if (record.eventName !== 'INSERT' || !pk || !sk || !ref) continue;
      const sequenceNumber = record.dynamodb!.SequenceNumber!;
      if (sk.startsWith(keys.submissionPrefix)) jobs.push({ job: { type: 'submitted', ...ref, submissionId: sk.slice(keys.submissionPrefix.length) }, sequenceNumber });
      if (sk.startsWith(keys.optInPrefix)) jobs.push({ job: { type: 'confirmed', ...ref, submissionId: sk.slice(keys.optInPrefix.length) }, sequenceNumber });
      if (!keys.isActivity(sk) || rescored.has(pk)) continue;
      try {
        await rescoreLead(deps(), ref);
        rescored.add(pk);
      } catch (error) {
        deps().log.error('rescore failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
        return failFrom(sequenceNumber, jobs, deps);
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

export const handler = makeLeadActivityHandler(fromEnvironment);
