import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { keys } from '../adapters/dynamo/keys.js';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { rescoreLead } from '../use-cases/rescore-lead.js';

/**
 * Table stream consumer: when a lead does something (a submission lands), re-score it. Each lead is
 * scored once per batch however many of its records the batch holds (scoring reads the whole partition).
 * On a failure the batch reports the first failed record, so the event source mapping retries from
 * there and, after its last attempt, sends the rest to the dead-letter queue.
 */
export const makeLeadActivityHandler =
  (deps: () => AppDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const done = new Set<string>();
    for (const record of event.Records) {
      const pk = record.dynamodb?.Keys?.PK?.S;
      const sk = record.dynamodb?.Keys?.SK?.S;
      if (record.eventName !== 'INSERT' || !pk || !sk || !keys.isActivity(sk) || done.has(pk)) continue;
      const ref = keys.parseLeadPartition(pk);
      if (!ref) continue;
      try {
        await rescoreLead(deps(), ref);
        done.add(pk);
      } catch (error) {
        deps().log.error('rescore failed', { siteId: ref.siteId, error: (error as Error).name, detail: (error as Error).message });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
      }
    }
    return { batchItemFailures: [] };
  };

export const handler = makeLeadActivityHandler(fromEnvironment);
