import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import type { Person } from '../../functions/core/people.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { handoffHealth, handoffLog, replayForSales } from '../../functions/use-cases/handoff-desk.js';
import { deliverWebhooks, raiseWebhooks } from '../../functions/use-cases/webhooks.js';
import { aSubmission, fakeDeps, ORIGIN } from '../support/builders.js';

const SALES: Person = { sub: 's1', email: 'sam@acme.test', roles: ['sales'], siteIds: ['*'] };
const ELSEWHERE: Person = { sub: 's2', roles: ['sales'], siteIds: ['other'] };
const ready = (at: string) => ({ kind: 'stage' as const, change: { from: 'mql' as const, to: 'sql' as const, at } });

async function withDeliveries() {
  const t = fakeDeps();
  for (const [i, email] of ['a@acme.com', 'b@acme.com', 'c@acme.com'].entries()) {
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().withEmail(email).build(), origin: ORIGIN, clientIp: '203.0.113.7' });
    await raiseWebhooks(t.deps, { siteId: 'demo', emailKey: emailKey(email) }, ready(`2026-11-2${i}T10:00:00.000Z`));
  }
  // HubSpot takes two and refuses the third for good; the webhook endpoint takes all three.
  t.destinations.answer(
    { kind: 'response', status: 200, latencyMs: 30, verdict: 'delivered' },
    { kind: 'response', status: 200, latencyMs: 50, verdict: 'delivered' },
    { kind: 'response', status: 400, latencyMs: 40, verdict: 'fail', error: '400: Property "funnel_score" does not exist' },
  );
  for (const job of t.webhookQueue.take().filter((j) => j.endpointId === 'crm' || j.endpointId === 'hubspot')) await deliverWebhooks(t.deps, job);
  return t;
}

describe('Use cases: the sales desk’s hand-off', () => {
  it('gives each endpoint and destination its health over its newest deliveries, its last error in the vendor’s words', async () => {
    // Prepare
    const t = await withDeliveries();
    // Act
    const out = await handoffHealth(t.deps, SALES, {});
    // Assess
    expect(out.targets.map((x) => [x.id, x.kind])).toEqual([
      ['crm', 'webhook'],
      ['hubspot', 'hubspot'],
      ['salesforce', 'salesforce'],
      ['pipedrive', 'pipedrive'],
      ['sales-channel', 'slack'],
    ]);
    expect(out.targets[0]!.health).toMatchObject({ deliveries: 3, delivered: 3, failed: 0, successRate: 1, medianLatencyMs: 5 });
    expect(out.targets[1]!.health).toMatchObject({
      deliveries: 3,
      delivered: 2,
      failed: 1,
      successRate: 2 / 3,
      medianLatencyMs: 40,
      lastError: { status: 400, error: '400: Property "funnel_score" does not exist' },
    });
    // Never tried: waiting, no rate.
    expect(out.targets[2]!.health).toEqual({ deliveries: 3, delivered: 0, pending: 3, failed: 0 });
  });

  it('lists a destination’s log, and sends a refused delivery again (audited); another site’s is answered like a missing one', async () => {
    // Prepare
    const t = await withDeliveries();
    const log = await handoffLog(t.deps, SALES, 'hubspot', {});
    const failed = log.deliveries.find((d) => d.status === 'failed')!;
    // Act
    const replayed = await replayForSales(t.deps, SALES, failed.deliveryId);
    // Assess
    expect(log.deliveries).toHaveLength(3);
    expect(log.deliveries[0]).not.toHaveProperty('payload');
    expect(replayed.status).toBe('pending');
    expect(t.webhookQueue.take()).toEqual([expect.objectContaining({ endpointId: 'hubspot' })]);
    expect((await t.deps.audit.list({ limit: 5 })).entries[0]).toMatchObject({
      action: 'delivery.replay',
      actor: { sub: 's1', email: 'sam@acme.test' },
      detail: { deliveryId: failed.deliveryId },
    });
    await expect(replayForSales(t.deps, ELSEWHERE, failed.deliveryId)).rejects.toMatchObject({ name: 'DeliveryNotFoundError' });
    await expect(handoffLog(t.deps, SALES, 'nope', {})).rejects.toMatchObject({ fields: { endpointId: 'no endpoint or destination "nope" in site "demo"' } });
  });
});
