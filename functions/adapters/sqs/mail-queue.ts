import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MailJob, MailQueue } from '../../core/ports.js';

/** SQS takes at most 10 messages per SendMessageBatch. */
const BATCH = 10;

/**
 * The mail queue on Amazon SQS: jobs are JSON message bodies, sent in batches of ten. A batch entry SQS
 * refuses fails the whole call (the caller's own retry, a stream batch or a drainer run, sends it again;
 * the sender is idempotent, so a job sent twice does its work once).
 */
export class SqsMailQueue implements MailQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  enqueue(jobs: readonly MailJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    return this.send(jobs, options.delaySeconds);
  }

  /** Any JSON jobs, in batches of ten, optionally delayed. */
  async send(jobs: readonly unknown[], delaySeconds?: number): Promise<void> {
    const batches: unknown[][] = [];
    for (let i = 0; i < jobs.length; i += BATCH) batches.push(jobs.slice(i, i + BATCH));
    await Promise.all(
      batches.map(async (batch) => {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job), ...(delaySeconds && { DelaySeconds: delaySeconds }) })),
          }),
        );
        if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} of ${batch.length} jobs: ${out.Failed.map((f) => f.Code).join(', ')}`);
      }),
    );
  }
}
