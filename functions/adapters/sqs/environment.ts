import { SQSClient } from '@aws-sdk/client-sqs';
import type { ExportQueue, MailQueue, WebhookQueue } from '../../core/ports.js';
import type { Environment } from '../../environment.js';
import { SqsMailQueue } from './mail-queue.js';
import { SqsWebhookQueue } from './webhook-queue.js';

/**
 * The SQS queues of a Lambda function, from its checked environment (`SEND_QUEUE_URL`, `WEBHOOK_QUEUE_URL`,
 * `WEBHOOK_DLQ_URL`, `EXPORT_QUEUE_URL`). Imported only by the entry files of functions that queue work, so no other bundle
 * carries the SQS client.
 */
let client: SQSClient | undefined;
const sqs = () => (client ??= new SQSClient({}));

export const mailQueueFromEnvironment = (env: Environment): MailQueue => new SqsMailQueue({ client: sqs(), queueUrl: env.SEND_QUEUE_URL! });

export const webhookQueueFromEnvironment = (env: Environment): WebhookQueue =>
  new SqsWebhookQueue({ client: sqs(), queueUrl: env.WEBHOOK_QUEUE_URL!, ...(env.WEBHOOK_DLQ_URL && { deadLetterQueueUrl: env.WEBHOOK_DLQ_URL }) });

/** The export queue: one job a message (the leads function queues; the export function consumes). */
export const exportQueueFromEnvironment = (env: Environment): ExportQueue => {
  const queue = new SqsMailQueue({ client: sqs(), queueUrl: env.EXPORT_QUEUE_URL! });
  return { enqueue: (job) => queue.send([job]) };
};
