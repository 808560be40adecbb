import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { emailKey } from '../../functions/core/email.js';
import { makeLeadActivityHandler } from '../../functions/handlers/lead-activity.js';
import { decayCanMoveStage, decideRescore, rescoreLead } from '../../functions/use-cases/rescore-lead.js';
import { FIRST_RUN_LOOKBACK_DAYS, runDueChecks } from '../../functions/use-cases/run-due-checks.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { trackEvent } from '../../functions/use-cases/track-event.js';
import { aSubmission, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';

const DAY_MS = 86_400_000;
type Fake = ReturnType<typeof fakeDeps>;

/** The demo rules with thresholds and a decaying pricing rule that make stage moves easy to provoke. */
const regressingConfig = () =>
  testConfig((c) => {
    const scoring = c.sites[0]!.scoring!;
    scoring.engagement = [{ id: 'pricing', label: 'Pricing page', points: 20, halfLifeDays: 10, when: { event: 'page_viewed', path: '/pricing' } }];
    scoring.thresholds = { mql: { score: 30 }, sql: { score: 100 } };
    scoring.regression = 'to-lead-below-mql';
  });

async function aLead(f: Fake, email = 'jane.doe@acme.com', formId = 'ebook') {
  const body = aSubmission().withEmail(email).build();
  if (formId === 'trial') Object.assign(body, { fields: { email, firstName: 'Jane', company: 'Acme', companySize: '51-200' } });
  const { body: reply } = await submitForm(f.deps, { formId, body, origin: ORIGIN, clientIp: `198.51.100.${Math.floor(Math.random() * 200)}` });
  return {
    leadId: (await f.leads.findByEmail('demo', emailKey(email)))!.leadId,
    token: reply.visitorToken!,
    ref: { siteId: 'demo', emailKey: emailKey(email) },
  };
}

const viewPricing = (f: Fake, token: string) =>
  trackEvent(f.deps, { body: { visitorToken: token, eventId: crypto.randomUUID(), type: 'page_viewed', url: `${ORIGIN}/pricing` } });

describe('Use case: rescoreLead', () => {
  it('scores a lead with the site rules and explains every point', async () => {
    const f = fakeDeps();
    const { ref, leadId } = await aLead(f);
    const result = await rescoreLead(f.deps, ref);
    // VP Marketing at acme.com who downloaded the ebook: exec 20 + business email 10 + marketing 5, download 10.
    expect(result?.score).toMatchObject({ fit: 35, engagement: 10, total: 45, rulesVersion: '2026-11-01' });
    const lead = await f.leads.findById(leadId);
    expect(lead?.score?.breakdown.map((b) => [b.ruleId, b.points])).toEqual([
      ['exec', 20],
      ['business-email', 10],
      ['marketing-role', 5],
      ['content-download', 10],
    ]);
    expect(lead?.score?.breakdown.reduce((sum, b) => sum + b.points, 0)).toBe(lead?.score?.total);
  });

  it('moves the stage forward, records the change on the timeline once, even when re-run', async () => {
    const f = fakeDeps();
    const { ref, leadId } = await aLead(f);
    await rescoreLead(f.deps, ref);
    await rescoreLead(f.deps, ref);
    const lead = await f.leads.findById(leadId);
    expect(lead?.stage).toBe('mql');
    const changes = lead?.timeline.filter((e) => e.type === 'stage_changed');
    expect(changes).toEqual([
      { type: 'stage_changed', at: '2026-11-22T10:00:00.000Z', from: 'lead', to: 'mql', total: 45, fit: 35, rulesVersion: '2026-11-01' },
    ]);
  });

  it('counts page views: pricing visits add decaying engagement', async () => {
    const f = fakeDeps();
    const { ref, token } = await aLead(f);
    await viewPricing(f, token);
    await viewPricing(f, token);
    const result = await rescoreLead(f.deps, ref);
    expect(result?.score.breakdown.find((b) => b.ruleId === 'pricing-visit')).toMatchObject({ points: 16, original: 16, events: 2 });
  });

  it('a dry run decides but writes nothing', async () => {
    const f = fakeDeps();
    const { ref, leadId } = await aLead(f);
    const result = await rescoreLead(f.deps, ref, { dryRun: true });
    expect(result).toMatchObject({ from: 'lead', to: 'mql' });
    const lead = await f.leads.findById(leadId);
    expect(lead?.stage).toBe('lead');
    expect(lead?.score).toBeUndefined();
  });

  it('does nothing for a site without rules or a lead that does not exist', async () => {
    const f = fakeDeps({ rawConfig: testConfig((c) => void delete c.sites[0]!.scoring) });
    const { ref } = await aLead(f);
    expect(await rescoreLead(f.deps, ref)).toBeUndefined();
    expect(await rescoreLead(fakeDeps().deps, ref)).toBeUndefined();
  });
});

describe('Function: decideRescore', () => {
  it('schedules the moment decay takes the lead below MQL, and nothing when its fit keeps it there', async () => {
    const f = fakeDeps({ rawConfig: regressingConfig() });
    const { ref, token } = await aLead(f);
    await viewPricing(f, token);
    await viewPricing(f, token);
    const input = (await f.leads.loadForScoring(ref))!;
    const rules = f.deps.config.findSite('demo')!.scoring!;
    const now = f.clock.now();
    const decision = decideRescore(input, rules, now);
    // Fit 35 (exec, business email, marketing) + engagement 40: mql, and fit alone stays above 30: no check.
    expect(decision.to).toBe('mql');
    expect(decision.decayCheckAt).toBeUndefined();
    // Without the fit (a gmail address and no title), the same two views cross 30 on the way down.
    const weak = decideRescore({ ...input, profile: {}, email: 'jane@gmail.com' }, rules, now);
    expect(weak.to).toBe('mql');
    const at = Date.parse(weak.decayCheckAt!);
    // 40 × 0.5^(d/10) < 30 ⇔ d > 10·log2(4/3) ≈ 4.15 days
    // (scores are kept in cents, so the check falls when the rounded total drops below 30: minutes later)
    expect((at - now.getTime()) / DAY_MS).toBeCloseTo(10 * Math.log2(4 / 3), 2);
  });
});

describe('Function: decayCanMoveStage', () => {
  it('is false for forward-only rules whose decaying points are all positive (the demo), true otherwise', () => {
    const rules = fakeDeps().deps.config.findSite('demo')!.scoring!;
    expect(decayCanMoveStage(rules)).toBe(false);
    expect(decayCanMoveStage({ ...rules, regression: 'to-lead-below-mql' })).toBe(true);
    expect(
      decayCanMoveStage({
        ...rules,
        engagement: [...rules.engagement, { id: 'careers', label: 'Careers', points: -10, halfLifeDays: 30, when: { event: 'page_viewed', path: '/careers' } }],
      }),
    ).toBe(true);
  });

  it('so the demo rules never schedule a decay check', async () => {
    const f = fakeDeps();
    const { ref, token } = await aLead(f, 'jane@gmail.com');
    await viewPricing(f, token);
    expect((await rescoreLead(f.deps, ref))?.decayCheckAt).toBeUndefined();
    expect(f.due.checks.size).toBe(0);
  });
});

describe('Use case: runDueChecks', () => {
  async function decayingLead(f: Fake) {
    const lead = await aLead(f, 'jane@gmail.com');
    await viewPricing(f, lead.token);
    await viewPricing(f, lead.token);
    const result = await rescoreLead(f.deps, lead.ref);
    return { ...lead, result: result! };
  }

  it('re-scores a lead when its decay check is due, which moves it back, and schedules nothing more', async () => {
    const f = fakeDeps({ rawConfig: regressingConfig() });
    const { leadId, result } = await decayingLead(f);
    expect(result.to).toBe('mql');
    expect([...f.due.checks.values()]).toEqual([{ siteId: 'demo', emailKey: emailKey('jane@gmail.com'), at: result.decayCheckAt, kind: 'decay' }]);

    // Not yet due: nothing happens.
    f.clock.set(new Date(Date.parse(result.decayCheckAt!) - 1000));
    expect(await runDueChecks(f.deps)).toMatchObject({ rescored: 0, failed: [] });
    // Due: the lead is re-scored and falls back to lead; its check is gone.
    f.clock.set(result.decayCheckAt!);
    expect(await runDueChecks(f.deps)).toMatchObject({ rescored: 1, failed: [] });
    const lead = await f.leads.findById(leadId);
    expect(lead?.stage).toBe('lead');
    expect(lead?.timeline.filter((e) => e.type === 'stage_changed').map((e) => e.type === 'stage_changed' && `${e.from}→${e.to}`)).toEqual([
      'lead→mql',
      'mql→lead',
    ]);
    expect(f.due.checks.size).toBe(0);
  });

  it(`starts ${FIRST_RUN_LOOKBACK_DAYS} days back on a first run, then moves its cursor past every drained day`, async () => {
    const f = fakeDeps({ rawConfig: regressingConfig() });
    const { result } = await decayingLead(f);
    f.clock.set(new Date(Date.parse(result.decayCheckAt!) + 3 * DAY_MS));
    const run = await runDueChecks(f.deps);
    expect(run.rescored).toBe(1);
    expect(run.cursor).toBe(f.clock.now().toISOString().slice(0, 10));
    expect(await f.due.cursor()).toBe(run.cursor);
  });

  it('keeps a check that fails (and the cursor before it), retries it on the next run, and reports it', async () => {
    const f = fakeDeps({ rawConfig: regressingConfig() });
    const { result } = await decayingLead(f);
    f.clock.set(new Date(Date.parse(result.decayCheckAt!) + 5 * DAY_MS));
    const save = vi.spyOn(f.leads, 'saveScore').mockRejectedValueOnce(new Error('throttled'));
    const failed = await runDueChecks(f.deps);
    expect(failed).toMatchObject({ rescored: 0, failed: [{ siteId: 'demo', error: 'throttled' }] });
    expect(f.due.checks.size).toBe(1);
    expect(failed.cursor <= result.decayCheckAt!.slice(0, 10)).toBe(true);
    save.mockRestore();
    expect(await runDueChecks(f.deps)).toMatchObject({ rescored: 1, failed: [] });
    expect(f.due.checks.size).toBe(0);
  });
});

describe('Handler: lead activity (table stream)', () => {
  const record = (pk: string, sk: string, seq: string, eventName: 'INSERT' | 'MODIFY' = 'INSERT') => ({
    eventName,
    dynamodb: { Keys: { PK: { S: pk }, SK: { S: sk } }, SequenceNumber: seq },
  });

  it('re-scores each lead once per batch, for submissions and page views only', async () => {
    const f = fakeDeps();
    const a = await aLead(f, 'a@acme.com');
    const b = await aLead(f, 'b@acme.com');
    const pa = keys.leadPartition(a.ref.siteId, a.ref.emailKey);
    const pb = keys.leadPartition(b.ref.siteId, b.ref.emailKey);
    const spy = vi.spyOn(f.leads, 'loadForScoring');
    const handler = makeLeadActivityHandler(() => ({ ...f.deps }));
    const event = {
      Records: [record(pa, 'SUB#1', '1'), record(pa, 'EV#2', '2'), record(pb, 'EV#3', '3'), record(pb, 'LEAD', '4', 'MODIFY'), record(pb, 'STAGE#mql', '5')],
    } as unknown as DynamoDBStreamEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(spy.mock.calls.map(([ref]) => ref.emailKey).sort()).toEqual([a.ref.emailKey, b.ref.emailKey].sort());
    expect((await f.leads.findById(a.leadId))?.score).toBeDefined();
  });

  it('reports the first failed record so the rest of the batch is retried from there', async () => {
    const f = fakeDeps();
    const a = await aLead(f, 'a@acme.com');
    const b = await aLead(f, 'b@acme.com');
    vi.spyOn(f.leads, 'saveScore').mockResolvedValueOnce(false).mockRejectedValueOnce(new Error('boom'));
    const handler = makeLeadActivityHandler(() => f.deps);
    const event = {
      Records: [
        record(keys.leadPartition('demo', a.ref.emailKey), 'SUB#1', '10'),
        record(keys.leadPartition('demo', b.ref.emailKey), 'SUB#2', '11'),
        record(keys.leadPartition('demo', a.ref.emailKey), 'EV#3', '12'),
      ],
    } as unknown as DynamoDBStreamEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '11' }] });
  });
});
