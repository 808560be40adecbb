import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseSesEvent } from '../adapters/ses/events.js';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { handleMailEvent } from '../use-cases/mail-events.js';

/**
 * SES events (configuration set → SNS → SQS, raw delivery) for the emails Funnel sent: bounces and
 * complaints suppress the address, opens and clicks become engagement. Events of other kinds, or of
 * emails Funnel did not send, are acknowledged and dropped. A failure is retried by SQS, then
 * dead-lettered (the alarm on the dead-letter queue tells the operator).
 */
export const makeMailEventsHandler =
  (deps: () => Pick<AppDeps, 'nurture' | 'log'>) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    for (const record of event.Records) {
      try {
        const parsed = parseSesEvent(record.body);
        if (!parsed) continue;
        const outcome = await handleMailEvent(deps(), parsed);
        deps().log.info('mail event', { type: parsed.type, siteId: parsed.siteId, outcome });
      } catch (error) {
        deps().log.warn('mail event failed', { messageId: record.messageId, error: (error as Error).name, detail: (error as Error).message });
        failed.push(record.messageId);
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };

export const handler = makeMailEventsHandler(fromEnvironment());
