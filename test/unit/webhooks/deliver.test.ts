import { describe, expect, it } from 'vitest';
import { emailKey } from '../../../functions/core/email.js';
import { WebhookPayload } from '../../../functions/core/webhooks/payload.js';
import { RETRY_SCHEDULE_MS } from '../../../functions/core/webhooks/retry.js';
import { runDueChecks } from '../../../functions/use-cases/run-due-checks.js';
import { submitForm } from '../../../functions/use-cases/submit-form.js';
import { deliverWebhooks, REENABLE_DELAY_SECONDS, raiseWebhooks, replayDelivery } from '../../../functions/use-cases/webhooks.js';
import { aSubmission, fakeDeps, ORIGIN, testConfig, WEBHOOK_SECRET } from '../../support/builders.js';

const JANE = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
const job = { ...ref, endpointId: 'crm' };
const HOUR = 3_600_000;

/** The demo site with its webhook endpoint only: these tests are the endpoint's (test/unit/destinations.test.ts has the destinations'). */
const endpointOnly = () => testConfig((c) => void delete c.sites[0]!.destinations);

async function aLead() {
  const t = fakeDeps({ rawConfig: endpointOnly() });
  await submitForm(t.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
  return t;
}
const qualified = (at = '2026-11-22T10:00:00.000Z') => ({ kind: 'stage' as const, change: { from: 'lead' as const, to: 'mql' as const, at } });
const ready = (at = '2026-11-22T11:00:00.000Z') => ({ kind: 'stage' as const, change: { from: 'mql' as const, to: 'sql' as const, at } });

/** Run the webhook sender until nothing is queued, moving the clock to each retry as the queue or scheduler would. */
async function drain(t: Awaited<ReturnType<typeof aLead>>, rounds = 40) {
  for (let i = 0; i < rounds; i++) {
    const queued = t.webhookQueue.jobs.splice(0);
    if (queued.length === 0) {
      const due = [...t.due.checks.values()].filter((c) => c.kind === 'webhook-retry').sort((a, b) => a.at.localeCompare(b.at))[0];
      if (!due) return;
      t.clock.set(due.at);
      await runDueChecks(t.deps);
      continue;
    }
    for (const j of queued) {
      if (j.delaySeconds) t.clock.advance(j.delaySeconds * 1000);
      await deliverWebhooks(t.deps, j);
    }
  }
}

describe('Use case: raiseWebhooks', () => {
  it('records one delivery per subscribed endpoint with a versioned payload, and queues the endpoint job; a repeat doubles nothing', async () => {
    // Prepare
    const t = await aLead();
    // Act
    const first = await raiseWebhooks(t.deps, ref, qualified());
    await raiseWebhooks(t.deps, ref, qualified());
    // Assess
    expect(first).toHaveLength(1);
    expect(t.webhooks.deliveries.size).toBe(1);
    const payload = WebhookPayload.parse(JSON.parse(first[0]!.body));
    expect(payload).toMatchObject({
      type: 'lead.qualified',
      timestamp: '2026-11-22T10:00:00.000Z',
      data: { schemaVersion: '2026-11-01', site: { id: 'demo', name: 'Demo Blog' }, lead: { email: JANE, profile: { firstName: 'Jane' } } },
    });
    expect(payload.data.lead.sources.first.utm).toEqual({ source: 'newsletter', medium: 'email', campaign: 'q4' });
    expect(first[0]!.body).not.toMatch(/emailKey|"PK"|SITE#/);
    expect(t.webhookQueue.take()).toEqual([job, job]);
  });

  it('raises both lead.qualified and prospect.ready when a lead jumps straight to sql', async () => {
    const t = await aLead();
    const deliveries = await raiseWebhooks(t.deps, ref, { kind: 'stage', change: { from: 'lead', to: 'sql', at: '2026-11-22T10:00:00.000Z' } });
    expect(deliveries.map((d) => d.type).sort()).toEqual(['lead.qualified', 'prospect.ready']);
  });
});

describe('Use case: deliverWebhooks', () => {
  it('posts the frozen body with one stable webhook-id and the endpoint secret, and logs the try', async () => {
    // Prepare
    const t = await aLead();
    const [delivery] = await raiseWebhooks(t.deps, ref, qualified());
    // Act
    const result = await deliverWebhooks(t.deps, job);
    // Assess
    expect(result.delivered).toEqual([delivery!.deliveryId]);
    expect(t.webhookTransport.requests).toEqual([
      {
        url: 'http://localhost:3000/demo/webhooks/crm',
        body: delivery!.body,
        webhookId: delivery!.deliveryId,
        timestamp: t.clock.now(),
        secret: WEBHOOK_SECRET,
      },
    ]);
    const stored = await t.webhooks.find(delivery!.deliveryId);
    expect(stored).toMatchObject({ status: 'delivered', attempts: [{ result: 'delivered', status: 200, latencyMs: 5 }] });
  });

  it('retries a receiver that fails 3 times (503, timeout, network) with backoff, then delivers with the same webhook-id', async () => {
    // Prepare
    const t = await aLead();
    t.webhookTransport.answer(503, { kind: 'timeout', latencyMs: 10_000 }, { kind: 'network', code: 'ECONNREFUSED', message: 'refused', latencyMs: 1 });
    const [delivery] = await raiseWebhooks(t.deps, ref, qualified());
    const started = t.clock.now().getTime();
    // Act
    await drain(t);
    // Assess
    const stored = (await t.webhooks.find(delivery!.deliveryId))!;
    expect(stored.status).toBe('delivered');
    expect(stored.attempts.map((a) => a.result)).toEqual(['retry', 'retry', 'retry', 'delivered']);
    expect(new Set(t.webhookTransport.requests.map((r) => r.webhookId))).toEqual(new Set([delivery!.deliveryId]));
    // Tries after ~5 s, ~5 min, ~30 min (±20%).
    const gaps = stored.attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(stored.attempts[i]!.at));
    RETRY_SCHEDULE_MS.slice(0, 3).forEach((ms, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(0.8 * ms - 1000);
      expect(gaps[i]).toBeLessThanOrEqual(1.2 * ms + 1000);
    });
    expect(Date.parse(stored.attempts.at(-1)!.at) - started).toBeLessThan(HOUR);
  });

  it('keeps each lead’s events in order: prospect.ready waits until lead.qualified is through', async () => {
    // Prepare
    const t = await aLead();
    t.webhookTransport.answer(500, 500);
    await raiseWebhooks(t.deps, ref, qualified());
    await raiseWebhooks(t.deps, ref, ready());
    // Act
    await drain(t);
    // Assess
    const types = t.webhookTransport.requests.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(['lead.qualified', 'lead.qualified', 'lead.qualified', 'prospect.ready']);
  });

  it('dead-letters after the last of 11 tries over more than 3 days, goes on with the next event, and a replay delivers it', async () => {
    // Prepare
    const t = await aLead();
    t.webhookTransport.answer(...Array.from({ length: 11 }, () => 503));
    const [first] = await raiseWebhooks(t.deps, ref, qualified());
    await raiseWebhooks(t.deps, ref, ready());
    const started = t.clock.now().getTime();
    // Act
    await drain(t, 200);
    const dead = (await t.webhooks.find(first!.deliveryId))!;
    await replayDelivery(t.deps, first!.deliveryId);
    await drain(t);
    // Assess
    expect(dead.status).toBe('dead');
    expect(dead.attempts).toHaveLength(11);
    expect(Date.parse(dead.attempts.at(-1)!.at) - started).toBeGreaterThan(72 * HOUR);
    expect(t.webhookQueue.deadLetters).toEqual([
      expect.objectContaining({ deliveryId: first!.deliveryId, type: 'lead.qualified', reason: 'no success after 11 tries' }),
    ]);
    const types = t.webhookTransport.requests.slice(11).map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(['prospect.ready', 'lead.qualified']);
    expect((await t.webhooks.find(first!.deliveryId))!).toMatchObject({ status: 'delivered' });
    expect(t.webhookTransport.requests.at(-1)!.webhookId).toBe(first!.deliveryId);
  });

  it('never retries a 4xx other than 408/409/425/429: failed at once and dead-lettered', async () => {
    const t = await aLead();
    t.webhookTransport.answer(400);
    const [d] = await raiseWebhooks(t.deps, ref, qualified());
    await drain(t);
    expect(t.webhookTransport.requests).toHaveLength(1);
    expect(await t.webhooks.find(d!.deliveryId)).toMatchObject({ status: 'failed', attempts: [{ result: 'failed', status: 400 }] });
    expect(t.webhookQueue.deadLetters).toHaveLength(1);
  });

  it('honours Retry-After on a 429 (never earlier than asked)', async () => {
    const t = await aLead();
    t.webhookTransport.answer({ kind: 'response', status: 429, retryAfter: '120', latencyMs: 3 });
    const [d] = await raiseWebhooks(t.deps, ref, qualified());
    await deliverWebhooks(t.deps, job);
    const stored = (await t.webhooks.find(d!.deliveryId))!;
    expect(Date.parse(stored.nextAttemptAt!) - t.clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    expect(t.webhookQueue.jobs.at(-1)!.delaySeconds).toBeGreaterThanOrEqual(120);
  });

  it('disables the endpoint on 410 Gone: nothing more is sent to it until a replay re-enables it', async () => {
    // Prepare
    const t = await aLead();
    t.webhookTransport.answer(410);
    const [first] = await raiseWebhooks(t.deps, ref, qualified());
    // Act
    await drain(t);
    await raiseWebhooks(t.deps, ref, ready());
    const whileDisabled = await deliverWebhooks(t.deps, job);
    await replayDelivery(t.deps, first!.deliveryId);
    await drain(t);
    // Assess: the replay re-enabled the endpoint, and the event held meanwhile went out after it, in order
    expect(whileDisabled).toEqual({ delivered: [], note: 'endpoint disabled' });
    expect(t.webhookTransport.requests.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      'lead.qualified',
      'lead.qualified',
      'prospect.ready',
    ]);
    expect(await t.webhooks.disabledAt('demo', 'crm')).toBeUndefined();
  });

  it('after re-enabling (a replay), the deliveries of other leads held while it was disabled go out too', async () => {
    // Prepare: lead A's delivery gets 410; lead B qualifies while the endpoint is disabled
    const t = await aLead();
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().withEmail('bob@acme.com').build(), origin: ORIGIN, clientIp: '203.0.113.8' });
    const bob = { siteId: 'demo', emailKey: emailKey('bob@acme.com') };
    t.webhookTransport.answer(410);
    const [first] = await raiseWebhooks(t.deps, ref, qualified());
    await drain(t);
    await raiseWebhooks(t.deps, bob, qualified('2026-11-22T10:30:00.000Z'));
    await drain(t);
    const heldBeforeReplay = t.webhookTransport.requests.length;
    // Act
    await replayDelivery(t.deps, first!.deliveryId);
    await drain(t);
    // Assess
    expect(heldBeforeReplay).toBe(1);
    expect(
      t.webhookTransport.requests
        .map((r) => (JSON.parse(r.body) as { data: { lead: { email: string } } }).data.lead.email)
        .slice(1)
        .sort(),
    ).toEqual(['bob@acme.com', JANE].sort());
  });

  it('queues the held lanes before it re-enables the endpoint (delayed past the re-enable): a replay that fails in between loses nothing', async () => {
    // Prepare: lead A gets a 410; lead B is held while the endpoint is disabled; the queue fails once
    const t = await aLead();
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().withEmail('bob@acme.com').build(), origin: ORIGIN, clientIp: '203.0.113.8' });
    t.webhookTransport.answer(410);
    const [first] = await raiseWebhooks(t.deps, ref, qualified());
    await drain(t);
    await raiseWebhooks(t.deps, { siteId: 'demo', emailKey: emailKey('bob@acme.com') }, qualified('2026-11-22T10:30:00.000Z'));
    await drain(t);
    const enqueue = t.deps.webhookQueue.enqueue.bind(t.deps.webhookQueue);
    let fail = true;
    t.deps.webhookQueue.enqueue = async (jobs, options) => {
      if (fail) {
        fail = false;
        throw new Error('SQS unavailable');
      }
      return enqueue(jobs, options);
    };
    // Act
    await expect(replayDelivery(t.deps, first!.deliveryId)).rejects.toThrow('SQS unavailable');
    const disabledAfterFailure = await t.webhooks.disabledAt('demo', 'crm');
    await replayDelivery(t.deps, first!.deliveryId);
    // Assess: still disabled after the failure, so the retry found and queued both held lanes, delayed
    expect(disabledAfterFailure).toBeDefined();
    expect(t.webhookQueue.jobs.map((j) => j.delaySeconds)).toEqual([REENABLE_DELAY_SECONDS, REENABLE_DELAY_SECONDS]);
    expect(await t.webhooks.disabledAt('demo', 'crm')).toBeUndefined();
    await drain(t);
    expect(t.webhookTransport.requests.length).toBe(3);
  });

  it('queues a delivery raised while the replay re-enabled the endpoint (between its scan and the re-enable)', async () => {
    // Prepare: lead A's delivery gets a 410 and disables the endpoint
    const t = await aLead();
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().withEmail('carol@acme.com').build(), origin: ORIGIN, clientIp: '203.0.113.8' });
    t.webhookTransport.answer(410);
    const [first] = await raiseWebhooks(t.deps, ref, qualified());
    await drain(t);
    // Lead C qualifies just after the replay's scan: its job reaches the sender while the endpoint is still disabled.
    const carol = { siteId: 'demo', emailKey: emailKey('carol@acme.com') };
    const scan = t.deps.webhooks.forEndpoint.bind(t.deps.webhooks);
    let scans = 0;
    t.deps.webhooks.forEndpoint = async (...args) => {
      const found = await scan(...args);
      if (++scans === 1) {
        await raiseWebhooks(t.deps, carol, qualified('2026-11-22T10:45:00.000Z'));
        const [job] = t.webhookQueue.jobs.splice(-1);
        expect(await deliverWebhooks(t.deps, job!)).toEqual({ delivered: [], note: 'endpoint disabled' });
      }
      return found;
    };
    // Act
    await replayDelivery(t.deps, first!.deliveryId);
    await drain(t);
    // Assess: Carol's delivery went out once the endpoint was enabled again
    const emails = t.webhookTransport.requests.map((r) => (JSON.parse(r.body) as { data: { lead: { email: string } } }).data.lead.email);
    expect(emails).toContain('carol@acme.com');
  });

  it('schedules a long wait in the due index; the scheduler hands it back to the webhook sender', async () => {
    // Prepare
    const t = await aLead();
    t.webhookTransport.answer(503, 503, 503);
    await raiseWebhooks(t.deps, ref, qualified());
    // Act: three failures; the third retry (~30 min) is beyond the queue's 15-minute delay
    for (let i = 0; i < 3; i++) {
      for (const j of t.webhookQueue.jobs.splice(0)) {
        t.clock.advance(j.delaySeconds * 1000);
        await deliverWebhooks(t.deps, j);
      }
    }
    const due = [...t.due.checks.values()];
    t.clock.set(due[0]!.at);
    const run = await runDueChecks(t.deps);
    // Assess
    expect(due).toEqual([expect.objectContaining({ endpointId: 'crm', siteId: 'demo' })]);
    expect(run.queued).toBe(1);
    expect(t.webhookQueue.take()).toEqual([job]);
  });

  it('takes back a retry it scheduled for a lead erased meanwhile: nothing of the lead is left in the due index', async () => {
    // Prepare: the erasure lands between the third failed try being logged and its retry being scheduled
    const t = await aLead();
    t.webhookTransport.answer(503, 503, 503);
    await raiseWebhooks(t.deps, ref, qualified());
    const log = t.deps.webhooks.recordAttempt.bind(t.deps.webhooks);
    let tries = 0;
    t.deps.webhooks.recordAttempt = async (...args) => {
      const logged = await log(...args);
      if (++tries === 3) await t.deps.prospects.eraseLead(ref, t.clock.now().toISOString());
      return logged;
    };
    // Act: three failures; the third retry (~30 min) would go into the due index
    for (let i = 0; i < 3; i++) {
      for (const j of t.webhookQueue.jobs.splice(0)) {
        t.clock.advance(j.delaySeconds * 1000);
        await deliverWebhooks(t.deps, j);
      }
    }
    // Assess
    expect([...t.due.checks.values()].filter((c) => c.emailKey === ref.emailKey)).toEqual([]);
    expect(await t.deps.webhooks.forLead(ref)).toEqual([]);
  });
});
