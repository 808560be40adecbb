import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import type { Person } from '../../functions/core/people.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { handoffHealth, handoffLog, replayForSales } from '../../functions/use-cases/handoff-desk.js';
import { asPerson, claimForSales, releaseForSales } from '../../functions/use-cases/console.js';
import { LeadListQuery, passes, planList, type LeadCard } from '../../functions/core/lead-index.js';
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

describe('Use cases: prospects by owner, claimed and released', () => {
  const ANNA: Person = { sub: 'u1', email: 'anna@acme.test', roles: ['sales'], siteIds: ['*'] };
  const BEN: Person = { sub: 'u2', email: 'ben@acme.test', roles: ['sales'], siteIds: ['*'] };
  const BOSS: Person = { sub: 'u3', email: 'boss@acme.test', roles: ['admin'], siteIds: ['*'] };

  it('a rep releases their own claim (timeline and audit say who), not another rep’s; an admin releases anyone’s; nobody’s is 409', async () => {
    // Prepare
    const t = fakeDeps();
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
    const lead = (await t.deps.leads.findByEmail('demo', emailKey('jane.doe@acme.com')))!;
    const later = () => t.clock.advance(60_000);
    await claimForSales(t.deps, ANNA, lead.leadId);
    later();
    // Act & Assess
    await expect(releaseForSales(t.deps, BEN, lead.leadId)).rejects.toMatchObject({ name: 'AlreadyClaimedError', status: 409 });
    expect(await releaseForSales(t.deps, ANNA, lead.leadId)).toMatchObject({ rep: 'anna@acme.test' });
    later();
    await expect(releaseForSales(t.deps, ANNA, lead.leadId)).rejects.toMatchObject({ code: 'not_claimed', status: 409 });
    await claimForSales(t.deps, BEN, lead.leadId);
    later();
    expect(await releaseForSales(t.deps, BOSS, lead.leadId)).toMatchObject({ rep: 'ben@acme.test' });
    const timeline = (await t.deps.leads.findById(lead.leadId))!.timeline.filter((e) => e.type.startsWith('prospect_'));
    expect(timeline.map((e) => [e.type, 'rep' in e ? e.rep : '', 'by' in e ? e.by : ''])).toEqual([
      ['prospect_claimed', 'anna@acme.test', ''],
      ['prospect_released', 'anna@acme.test', 'anna@acme.test'],
      ['prospect_claimed', 'ben@acme.test', ''],
      ['prospect_released', 'ben@acme.test', 'boss@acme.test'],
    ]);
    expect((await t.deps.audit.list({ limit: 10 })).entries.filter((e) => e.action === 'lead.release')).toHaveLength(2);
  });

  it('filters the list by owner: no one yet, me, or a rep', () => {
    const card = (claimedBy?: string) =>
      ({ leadId: 'x', email: 'x@acme.com', stage: 'sql', createdAt: '2026-11-01', forms: [], consent: 'none', ...(claimedBy && { claimedBy }) }) as LeadCard;
    const owner = (o: string) => planList(LeadListQuery.parse({ stage: 'sql', owner: o })).filter;
    expect([card(), card('anna@acme.test')].map((c) => passes(c, owner('unclaimed')))).toEqual([true, false]);
    expect([card(), card('anna@acme.test'), card('ben@acme.test')].map((c) => passes(c, owner('anna@acme.test')))).toEqual([false, true, false]);
    expect(asPerson(ANNA, LeadListQuery.parse({ owner: 'me' })).owner).toBe('anna@acme.test');
  });
});
