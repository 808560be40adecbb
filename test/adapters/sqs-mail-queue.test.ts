import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsMailQueue } from '../../functions/adapters/sqs/mail-queue.js';
import type { MailJob } from '../../functions/core/ports.js';

const sqs = mockClient(SQSClient);
const queue = new SqsMailQueue({ client: sqs as unknown as SQSClient, queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/funnel-send' });
const job = (n: number): MailJob => ({ type: 'step', siteId: 'demo', emailKey: 'a'.repeat(64), sequenceId: `seq-${n}` });

describe('Adapter: SqsMailQueue', () => {
  beforeEach(() => sqs.reset());

  it('sends jobs as JSON bodies in batches of at most ten', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const jobs = Array.from({ length: 23 }, (_, i) => job(i));
    // Act
    await queue.enqueue(jobs);
    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.QueueUrl === 'https://sqs.us-east-1.amazonaws.com/1/funnel-send')).toBe(true);
    expect(calls.flatMap((c) => c.Entries!.map((e) => JSON.parse(e.MessageBody!)))).toEqual(jobs);
  });

  it('fails when SQS refuses any entry, so the caller retries (nothing is dropped silently)', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    // Act + Assess
    await expect(queue.enqueue([job(1)])).rejects.toThrow(/refused 1 of 1 jobs.*InternalError/);
  });

  it('sends nothing for no jobs', async () => {
    await queue.enqueue([]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
