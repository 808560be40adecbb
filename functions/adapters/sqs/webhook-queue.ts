import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { HandoffJob, WebhookQueue } from '../../core/ports.js';
import { SqsMailQueue } from './mail-queue.js';

/**
 * The webhook queue on Amazon SQS: jobs as JSON bodies (batches of ten, with an optional delay of up to
 * 15 minutes for short retries), and dead-letter notices sent straight to the queue's dead-letter queue,
 * whose depth alarm tells the operator.
 */
export class SqsWebhookQueue implements WebhookQueue {
  private readonly jobs: SqsMailQueue;
  /** `deadLetterQueueUrl`: only the webhook sender's (the producers queue jobs, they never dead-letter). */
  constructor(private readonly options: { client: SQSClient; queueUrl: string; deadLetterQueueUrl?: string }) {
    this.jobs = new SqsMailQueue({ client: options.client, queueUrl: options.queueUrl });
  }

  enqueue(jobs: readonly HandoffJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    return this.jobs.send(jobs, Math.min(900, Math.max(0, Math.round(options.delaySeconds ?? 0))));
  }

  async deadLetter(notice: { deliveryId: string; siteId: string; endpointId: string; type: string; reason: string }): Promise<void> {
    if (!this.options.deadLetterQueueUrl) throw new Error('this function has no webhook dead-letter queue: only the webhook sender dead-letters');
    await this.options.client.send(
      new SendMessageCommand({ QueueUrl: this.options.deadLetterQueueUrl, MessageBody: JSON.stringify({ kind: 'webhook-dead-letter', ...notice }) }),
    );
  }
}
