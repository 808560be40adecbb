import { webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from '../core/zod.js';
import { webhookEdgesFromEnvironment } from '../adapters/webhooks/environment.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { deliverWebhooks } from '../use-cases/webhooks.js';
import { eraseAtDestination } from '../use-cases/destinations.js';
import { sqsBatch } from './sqs-batch.js';

/** A webhook job as queued (by the stream consumer, a retry or the scheduler). */
export const WebhookJobMessage = z.strictObject({
  siteId: z.string().check(z.minLength(1)),
  emailKey: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  endpointId: z.string().check(z.minLength(1)),
});

/** An erasure at a destination, as queued by a lead's erasure. */
export const ErasureJobMessage = z.strictObject({
  kind: z.literal('erase'),
  siteId: z.string().check(z.minLength(1)),
  destinationId: z.string().check(z.minLength(1)),
  email: z.string().check(z.minLength(3)),
  leadId: z.string().check(z.minLength(1)),
});

/**
 * The webhook sender: an SQS consumer of webhook jobs (to endpoints and destinations alike) and of
 * erasures at destinations. Jobs for the same lead and endpoint in one batch are handled once (a job
 * delivers everything pending, oldest first). An unexpected failure (the table unreachable) is reported
 * for redelivery; what the receiver did never fails a delivery job: it is recorded in the delivery's log
 * and retried on its own schedule. An erasure the vendor refused is reported for redelivery (SQS tries
 * it again, then keeps it in the dead-letter queue, alarmed).
 */
export const makeDeliverWebhooksHandler =
  (deps: () => AppDeps) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) deps().log.addContext?.(context);
    const seen = new Set<string>();
    return sqsBatch(
      event,
      async (record) => {
        try {
          const message = JSON.parse(record.body) as { kind?: unknown };
          if (message.kind === 'erase') {
            const erasure = ErasureJobMessage.parse(message);
            const result = await eraseAtDestination(deps(), erasure);
            deps().log.info('destination erasure', { siteId: erasure.siteId, destinationId: erasure.destinationId, result });
            return;
          }
          const job = WebhookJobMessage.parse(message);
          const lane = `${job.siteId}#${job.emailKey}#${job.endpointId}`;
          if (seen.has(lane)) return;
          seen.add(lane);
          const result = await deliverWebhooks(deps(), job);
          if (result.delivered.length || result.retryAt || result.note)
            deps().log.info('webhook job', {
              siteId: job.siteId,
              endpointId: job.endpointId,
              delivered: result.delivered.length,
              retryAt: result.retryAt,
              note: result.note,
            });
        } catch (error) {
          deps().log.warn('webhook job failed', { messageId: record.messageId, error: (error as Error).name, detail: (error as Error).message });
          throw error;
        }
      },
      { parallel: true },
    );
  };

export const handler = makeDeliverWebhooksHandler(
  fromEnvironment('deliverWebhooks', (base) =>
    allAreas(base, { webhookQueue: webhookQueueFromEnvironment(base.env), ...webhookEdgesFromEnvironment(base.env) }),
  ),
);
