import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * One SQS batch through Powertools' batch processor: every record is handled, the ones that throw are
 * reported as batch item failures (SQS delivers them again after the visibility timeout, then
 * dead-letters them). A batch whose every record failed is reported the same way, never thrown, so the
 * records keep their own receive counts.
 */
export function sqsBatch(event: SQSEvent, handle: (record: SQSRecord) => Promise<void>, options: { parallel: boolean }): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handle, new BatchProcessor(EventType.SQS), { processInParallel: options.parallel, throwOnFullBatchFailure: false });
}

/**
 * Run work in turn per key and concurrently across keys: `inTurn(key, work)` starts when the previous work
 * of the same key has settled. One per batch.
 */
export function turns(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const last = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const next = (last.get(key) ?? Promise.resolve()).then(work, work);
    last.set(key, next);
    return next;
  };
}
