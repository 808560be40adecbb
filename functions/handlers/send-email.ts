import { mailQueueFromEnvironment } from '../adapters/sqs/environment.js';
import { sesMailerFromEnvironment } from '../adapters/ses/environment.js';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from '../core/zod.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import type { MailJob } from '../core/ports.js';
import { handleMailJob } from '../use-cases/send-mail.js';
import { sqsBatch, turns } from './sqs-batch.js';

const Ref = {
  siteId: z.string().check(z.minLength(1)),
  emailKey: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  heldSince: z.optional(z.iso.datetime()),
};
/** A mail job as queued (by the stream consumer or the due-step drainer). */
export const MailJobMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('submitted'), ...Ref, submissionId: z.string().check(z.minLength(1)) }),
  z.strictObject({ type: z.literal('confirmed'), ...Ref, submissionId: z.string().check(z.minLength(1)) }),
  z.strictObject({ type: z.literal('step'), ...Ref, sequenceId: z.string().check(z.minLength(1)) }),
]) satisfies z.ZodMiniType<MailJob>;

/**
 * The sender: an SQS consumer of mail jobs. Jobs of different leads run concurrently, jobs of one lead one
 * after another. A job that fails (SES throttling or an outage, a send another worker holds) is reported
 * as a batch item failure: SQS delivers it again after the visibility timeout, and after the queue's
 * `maxReceiveCount` moves it to the dead-letter queue, from where it can be redriven. A message that is
 * not a mail job is reported too, so it ends in the dead-letter queue for a person to look at.
 */
export const makeSendEmailHandler =
  (deps: () => AppDeps) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) deps().log.addContext?.(context);
    const inTurn = turns();
    return sqsBatch(
      event,
      (record) =>
        inTurn(leadOf(record.body) ?? record.messageId, async () => {
          try {
            const job = MailJobMessage.parse(JSON.parse(record.body));
            const result = await handleMailJob(deps(), job);
            if (result.sent.length || result.note)
              deps().log.info('mail job', { type: job.type, siteId: job.siteId, sent: result.sent.length, note: result.note });
          } catch (error) {
            deps().log.warn('mail job failed', {
              messageId: record.messageId,
              receiveCount: record.attributes?.ApproximateReceiveCount,
              error: (error as Error).name,
              detail: (error as Error).message,
            });
            throw error;
          }
        }),
      { parallel: true },
    );
  };

const leadOf = (body: string): string | undefined => {
  try {
    const { siteId, emailKey } = JSON.parse(body) as { siteId?: string; emailKey?: string };
    return siteId && emailKey ? `${siteId}#${emailKey}` : undefined;
  } catch {
    return undefined;
  }
};

export const handler = makeSendEmailHandler(
  fromEnvironment('sendEmail', (base) => allAreas(base, { mailer: sesMailerFromEnvironment(base.env), mailQueue: mailQueueFromEnvironment(base.env) })),
);
