import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../functions/adapters/memory.js';
import { emailKey } from '../../functions/core/email.js';
import { deliveryKey } from '../../functions/use-cases/send-mail.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * A sender killed between claiming an email and sending it leaves a claim nobody will finish. The job that
 * next needs that email must not run out of tries before the claim's lease ends.
 */
const clock = new FakeClock(new Date('2026-12-01T10:00:00.000Z'));
let funnel: RunningFunnel;

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: endpoint,
    tableName,
    logLevel: 'silent',
    clock,
    rawConfig: testConfigFn(),
    dueCheckIntervalMs: 0,
    mailRetryBaseMs: 20,
  });
});
afterAll(() => funnel?.stop());

describe('Crash recovery: a claim left by a dead sender', () => {
  it('is taken over once its lease ends, while the blocked job still has tries: the email leaves once, nothing is dead-lettered', {
    timeout: 60_000,
  }, async () => {
    // Prepare: a lead whose delivery a sender claimed a moment ago, then died (kill -9) before sending
    const email = `crash-${Date.now()}@acme.com`;
    const ref = { siteId: 'demo', emailKey: emailKey(email) };
    await funnel.deps.nurture.claimSend(ref, { sendKey: deliveryKey('ebook'), kind: 'delivery' }, clock.now().toISOString(), 60_000);
    // Act: the reader submits; its mail job finds the claim busy and is retried by the queue
    const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(aSubmission().withEmail(email).build()),
    });
    expect(res.status).toBe(202);
    for (const deadline = Date.now() + 10_000; funnel.mailQueue.stats().retried === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(funnel.mailQueue.stats().retried).toBeGreaterThan(0);
    // The lease (60 s) ends while the queue is still retrying
    clock.advance(61_000);
    await funnel.settle();
    for (const deadline = Date.now() + 10_000; !(await funnel.ses.emails()).some((e) => e.destination.to.includes(email)) && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    // Assess
    expect((await funnel.ses.emails()).filter((e) => e.destination.to.includes(email)).map((e) => e.subject)).toEqual([
      'Your copy of The Serverless Funnel Playbook',
    ]);
    expect(funnel.mailQueue.deadLetters()).toEqual([]);
  });
});
