import { SQSClient } from '@aws-sdk/client-sqs';
import type { MailQueue, WebhookQueue } from '../../core/ports.js';
import { SqsMailQueue } from './mail-queue.js';
import { SqsWebhookQueue } from './webhook-queue.js';

/**
 * The SQS queues of a Lambda function, from its environment (`SEND_QUEUE_URL`, `WEBHOOK_QUEUE_URL`,
 * `WEBHOOK_DLQ_URL`). Imported only by the entry files of functions that queue work, so no other bundle
 * carries the SQS client.
 */
let client: SQSClient | undefined;
const sqs = () => (client ??= new SQSClient({}));

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export const mailQueueFromEnvironment = (): MailQueue => new SqsMailQueue({ client: sqs(), queueUrl: required('SEND_QUEUE_URL') });

export const webhookQueueFromEnvironment = (): WebhookQueue =>
  new SqsWebhookQueue({ client: sqs(), queueUrl: required('WEBHOOK_QUEUE_URL'), deadLetterQueueUrl: required('WEBHOOK_DLQ_URL') });
