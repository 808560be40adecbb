import { describe, expect, it } from 'vitest';
import { SEND_CLAIM_STALE_MS } from '../../functions/use-cases/send-mail.js';
import { SEND_QUEUE } from '../../infra/stateless-stack.js';
import { LOCAL_QUEUE_DEFAULTS, minimumRetrySpanMs } from '../../local/queue.js';

/**
 * The send lease against the queues' retry budgets: a job blocked by a claim its dead sender left must
 * still have tries left when the lease ends, locally and on AWS, or its email is dead-lettered unsent.
 */
describe('Timing: the send lease fits the retry budgets', () => {
  it('never overtakes a live sender: the lease is at least twice the sender function timeout', () => {
    expect(SEND_CLAIM_STALE_MS).toBeGreaterThanOrEqual(2 * SEND_QUEUE.functionTimeoutSeconds * 1000);
  });

  it('locally: the queue retries for longer than the lease plus one more retry interval', () => {
    // 1 + 2 + 4 + … s capped at 60 s over 9 retries, each up to 20% early: 194.4 s
    expect(minimumRetrySpanMs()).toBeCloseTo(194_400, -2);
    expect(minimumRetrySpanMs()).toBeGreaterThan(SEND_CLAIM_STALE_MS + LOCAL_QUEUE_DEFAULTS.retryCapMs);
  });

  it('on AWS: the send queue redelivers for longer than the lease plus one visibility timeout', () => {
    const visibilityMs = 6 * SEND_QUEUE.functionTimeoutSeconds * 1000;
    expect((SEND_QUEUE.maxReceiveCount - 1) * visibilityMs).toBeGreaterThan(SEND_CLAIM_STALE_MS + visibilityMs);
  });
});
