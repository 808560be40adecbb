import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseSesEvent } from '../adapters/ses/events.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { handleMailEvent } from '../use-cases/mail-events.js';
import { sqsBatch } from './sqs-batch.js';

/**
 * SES events (configuration set → SNS → SQS, raw delivery) for the emails Funnel sent: bounces and
 * complaints suppress the address, opens and clicks become engagement. Events of other kinds, or of
 * emails Funnel did not send, are acknowledged and dropped. A failure is retried by SQS, then
 * dead-lettered (the alarm on the dead-letter queue tells the operator).
 */
export const makeMailEventsHandler =
  (deps: () => Pick<AppDeps, 'nurture' | 'log' | 'metrics' | 'emailStats'>) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) deps().log.addContext?.(context);
    return sqsBatch(
      event,
      async (record) => {
        try {
          const parsed = parseSesEvent(record.body);
          if (!parsed) return;
          const outcome = await handleMailEvent(deps(), parsed);
          deps().log.info('mail event', { type: parsed.type, siteId: parsed.siteId, outcome });
        } catch (error) {
          deps().log.warn('mail event failed', { messageId: record.messageId, error: (error as Error).name, detail: (error as Error).message });
          throw error;
        }
      },
      // In order: a bounce and a later open of the same email must be recorded in the order SES sent them.
      { parallel: false },
    );
  };

export const handler = makeMailEventsHandler(fromEnvironment('mailEvents', (base) => allAreas(base)));
