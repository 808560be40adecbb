import { describe, expect, it } from 'vitest';
import { cardOf, indexEntriesOf, indexValue, LeadListQuery, passes, planList } from '../../functions/core/lead-index.js';
import { claimProspect, indexQualification, listProspects } from '../../functions/use-cases/prospects.js';
import type { Person } from '../../functions/core/people.js';
import { emailKey } from '../../functions/core/email.js';
import { attributionOf, cellsOf, OverviewQuery } from '../../functions/core/stats.js';
import {
  claimForSales,
  createApiKey,
  listApiKeys,
  listLeads,
  overview,
  readAudit,
  revokeApiKey,
  setLeadFit,
  whoAmI,
} from '../../functions/use-cases/console.js';
import { refreshLeadIndex } from '../../functions/use-cases/lead-index.js';
import { csvCell, exportLeadsCsv } from '../../functions/use-cases/exports.js';
import { rescoreLead } from '../../functions/use-cases/rescore-lead.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { deliverWebhooks } from '../../functions/use-cases/webhooks.js';
import { aSubmission, cloneSite, fakeDeps, leadWith, ORIGIN, testConfig } from '../support/builders.js';

/** Issue 23: the console's use cases over the in-memory ports. */
const ADMIN: Person = { sub: 'a1', email: 'ada@acme.test', roles: ['admin'], siteIds: ['*'] };

async function withLeads(n: number, change?: Parameters<typeof testConfig>[0]) {
  const fake = fakeDeps(change ? { rawConfig: testConfig(change) } : {});
  for (let i = 0; i < n; i++) {
    const email = `lead${i}@acme.com`;
    await submitForm(fake.deps, { formId: 'ebook', body: aSubmission().withEmail(email).build(), origin: ORIGIN, clientIp: `203.0.113.${i}` });
    await refreshLeadIndex(fake.deps, { siteId: 'demo', emailKey: emailKey(email) });
  }
  return fake;
}

describe('Console: lists, overview, actions', () => {
  it('plans each query onto the most selective list, and tests the rest of the filters on each card by one rule', () => {
    const plan = (q: Record<string, string>) => planList(LeadListQuery.parse(q));
    expect(plan({}).lists).toEqual([{ dimension: 'new' }]);
    expect(plan({ stage: 'sql', campaign: 'Q4' })).toMatchObject({ lists: [{ dimension: 'stage', value: 'sql' }], filter: { campaign: 'Q4' } });
    expect(plan({ sort: 'score', minScore: '10', maxScore: '50' })).toMatchObject({ lists: [{ dimension: 'score', after: '1000010', before: '1000050#~' }] });
    expect(plan({ q: 'Acme' }).lists.map((l) => [l.dimension, l.prefix])).toEqual([
      ['email', 'acme'],
      ['name', 'acme'],
      ['company', 'acme'],
    ]);
    const card = {
      leadId: 'l',
      email: 'a@b.c',
      stage: 'mql',
      score: 30,
      createdAt: '2026-12-01T10:00:00Z',
      forms: ['ebook'],
      campaign: 'Q4',
      consent: 'granted',
    } as const;
    expect(passes({ ...card, forms: [...card.forms] }, { campaign: 'q4', minScore: 30, to: '2026-12-01' })).toBe(true);
    expect(passes({ ...card, forms: [...card.forms] }, { source: 'newsletter' })).toBe(false);
  });

  it('counts a submission in seven cells (with medium and referrer, for the overview) and an impression in five (it has neither)', () => {
    const a = { formId: 'ebook', source: 'news', medium: 'email', referrer: 'google.com' };
    expect(cellsOf(a, { submissions: 1, leads: 1 }).map((c) => c.dimension)).toEqual(['all', 'variant', 'campaign', 'source', 'medium', 'referrer', 'page']);
    expect(cellsOf(a, { impressions: 1 }).map((c) => c.dimension)).toEqual(['all', 'variant', 'campaign', 'source', 'page']);
    expect(attributionOf({ formId: 'f', referrer: 'https://www.news.ycombinator.com/item?id=1', utm: { medium: 'social' } })).toMatchObject({
      referrer: 'news.ycombinator.com',
      medium: 'social',
    });
  });

  it('refuses a person a site they may not see, as if it did not exist', async () => {
    const fake = await withLeads(1, (c) => void c.sites.push(cloneSite(c.sites[0]!, 'other')));
    const limited: Person = { sub: 'm1', roles: ['marketer'], siteIds: ['other'] };
    await expect(listLeads(fake.deps, limited, LeadListQuery.parse({ site: 'demo' }))).rejects.toMatchObject({ fields: { 'query.site': 'no site "demo"' } });
    expect(whoAmI(fake.deps, limited).sites.map((s) => s.id)).toEqual(['other']);
  });

  it('sums the overview over the site’s forms, against the range just before, with each day and a breakdown', async () => {
    const fake = await withLeads(0);
    await fake.deps.stats.count('demo', { formId: 'ebook', source: 'news' }, '2026-11-20', { impressions: 10, submissions: 2, leads: 2 });
    await fake.deps.stats.count('demo', { formId: 'trial', source: 'ads' }, '2026-11-21', { impressions: 5, submissions: 1, leads: 1, sql: 1 });
    await fake.deps.stats.count('demo', { formId: 'ebook', source: 'news' }, '2026-11-12', { impressions: 4, submissions: 1 });
    const out = await overview(fake.deps, ADMIN, OverviewQuery.parse({ from: '2026-11-15', to: '2026-11-21', by: 'source' }));
    expect(out.totals).toMatchObject({ impressions: 15, submissions: 3, leads: 3, sql: 1 });
    expect(out.previous).toMatchObject({ from: '2026-11-08', to: '2026-11-14', totals: { impressions: 4, submissions: 1 } });
    expect(out.days).toHaveLength(7);
    expect(out.days.find((d) => d.day === '2026-11-21')).toMatchObject({ submissions: 1, sql: 1 });
    expect(out.breakdown.rows.map((r) => [r.key, r.submissions])).toEqual([
      ['news', 2],
      ['ads', 1],
    ]);
    await expect(overview(fake.deps, ADMIN, OverviewQuery.parse({ from: '2026-11-22', to: '2026-11-21' }))).rejects.toMatchObject({ status: 400 });
  });

  it('holds a lead marked not a fit at its stage however high it scores; requalifying moves it on at once', async () => {
    const fake = await withLeads(1);
    const lead = (await leadWith(fake.leads, 'lead0@acme.com'))!;
    const ref = { siteId: 'demo', emailKey: emailKey('lead0@acme.com') };
    await setLeadFit(fake.deps, ADMIN, lead.leadId, { notAFit: true, reason: 'a competitor' });
    const held = await rescoreLead(fake.deps, ref);
    expect(held?.to).toBe(held?.from);
    const scoredAs = await rescoreLead(fake.deps, ref, { dryRun: true });
    expect(scoredAs!.score.total).toBeGreaterThan(0);
    await setLeadFit(fake.deps, ADMIN, lead.leadId, { notAFit: false });
    const after = (await leadWith(fake.leads, 'lead0@acme.com'))!;
    expect(after.notAFit).toBeUndefined();
    expect([held?.from, after.stage]).toEqual(['lead', 'mql']);
    expect(after.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['marked_not_a_fit', 'requalified']));
    expect((fake.deps.audit as unknown as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual(['lead.not-a-fit', 'lead.requalify']);
  });

  it('counts a hand-off once per lead: its claim, a repeat claim and a delivered prospect.ready add one', async () => {
    const fake = await withLeads(1);
    const lead = (await leadWith(fake.leads, 'lead0@acme.com'))!;
    const sales: Person = { sub: 's1', email: 'sam@acme.test', roles: ['sales'], siteIds: ['*'] };
    await claimForSales(fake.deps, sales, lead.leadId);
    await claimForSales(fake.deps, sales, lead.leadId);
    const ref = { siteId: 'demo', emailKey: emailKey('lead0@acme.com') };
    await fake.deps.webhooks.create([
      {
        ...ref,
        deliveryId: 'msg_0123456789ab',
        endpointId: 'crm',
        type: 'prospect.ready',
        leadId: lead.leadId,
        eventAt: new Date().toISOString(),
        createdAt: new Date().toISOString(),
        body: '{}',
      },
    ]);
    await deliverWebhooks(fake.deps, { ...ref, endpointId: 'crm' });
    const day = new Date(fake.clock.now()).toISOString().slice(0, 10);
    const cells = await fake.deps.stats.read('demo', 'ebook', 'all', day, day);
    expect(cells.reduce((n, c) => n + (c.counts.handoffs ?? 0), 0)).toBe(1);
  });

  it('exports the filtered list as CSV that a spreadsheet cannot run, audited', async () => {
    const fake = await withLeads(3);
    const out = await exportLeadsCsv(fake.deps, ADMIN, LeadListQuery.parse({}));
    const lines = out.csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('leadId,email,name,company,stage,score,createdAt,forms,source,medium,campaign,consent,claimedBy,notAFit');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['lead0@acme.com', 'lead1@acme.com', 'lead2@acme.com']);
    expect(out).toMatchObject({ rows: 3, truncated: false });
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvCell(['ebook', 'trial'])).toBe('ebook trial');
    expect((fake.deps.audit as unknown as { entries: { action: string }[] }).entries.at(-1)).toMatchObject({ action: 'leads.export-csv' });
  });

  it('cuts long values between characters, so no value breaks a key (half an emoji is no URI component)', () => {
    const value = indexValue(`${'a'.repeat(99)}😀xyz`);
    expect([...value]).toHaveLength(100);
    expect(() => encodeURIComponent(value)).not.toThrow();
    expect(
      indexEntriesOf({
        leadId: 'l',
        email: 'a@b.c',
        stage: 'lead',
        createdAt: '2026-12-01T00:00:00Z',
        forms: ['ebook'],
        consent: 'none',
        source: `${'s'.repeat(99)}😀`,
      }).map((e) => encodeURIComponent(e.value ?? '')),
    ).toBeDefined();
  });

  it('refuses a blank search and bounds the wrong way round, naming the field (not a 500 from the table)', () => {
    expect(LeadListQuery.safeParse({ q: '   ' }).success).toBe(false);
    expect(() => planList(LeadListQuery.parse({ minScore: '50', maxScore: '10' }))).toThrow(
      expect.objectContaining({ fields: { 'query.minScore': 'must not be above maxScore' } }),
    );
    expect(() => planList(LeadListQuery.parse({ from: '2026-12-02', to: '2026-12-01' }))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('keeps API keys and the audit log to admins of every site: an admin limited to one is refused', async () => {
    const fake = await withLeads(0);
    const limited: Person = { sub: 'a2', roles: ['admin'], siteIds: ['demo'] };
    await expect(createApiKey(fake.deps, limited, { name: 'all', siteIds: ['*'] })).rejects.toMatchObject({ status: 403 });
    await expect(listApiKeys(fake.deps, limited)).rejects.toMatchObject({ status: 403 });
    await expect(revokeApiKey(fake.deps, limited, 'ab'.repeat(8))).rejects.toMatchObject({ status: 403 });
    await expect(readAudit(fake.deps, limited, { limit: 10 })).rejects.toMatchObject({ status: 403 });
    await expect(createApiKey(fake.deps, ADMIN, { name: 'all', siteIds: ['*'] })).resolves.toMatchObject({ key: expect.stringMatching(/^fnl_/) });
  });

  it('a lead marked not a fit is no prospect: left out of the pull API and refused a claim until requalified', async () => {
    const fake = await withLeads(1);
    const lead = (await leadWith(fake.leads, 'lead0@acme.com'))!;
    const ref = { siteId: 'demo', emailKey: emailKey('lead0@acme.com') };
    await indexQualification(fake.deps, ref, 'mql', fake.clock.now().toISOString());
    const key = { name: 'crm', siteIds: ['*'] };
    expect((await listProspects(fake.deps, key, { stage: 'mql', limit: 10 })).prospects).toHaveLength(1);
    await setLeadFit(fake.deps, ADMIN, lead.leadId, { notAFit: true });
    expect((await listProspects(fake.deps, key, { stage: 'mql', limit: 10 })).prospects).toHaveLength(0);
    await expect(claimProspect(fake.deps, key, lead.leadId, { rep: 'sam' })).rejects.toMatchObject({ status: 409, code: 'not_a_fit' });
    await setLeadFit(fake.deps, ADMIN, lead.leadId, { notAFit: false });
    await expect(claimProspect(fake.deps, key, lead.leadId, { rep: 'sam' })).resolves.toMatchObject({ rep: 'sam' });
  });

  it('a card shows a stranger’s claim nowhere: forms are the lead’s own submissions', async () => {
    const fake = await withLeads(1);
    const lead = (await leadWith(fake.leads, 'lead0@acme.com'))!;
    const card = cardOf({ ...lead, timeline: [...lead.timeline, { ...(lead.timeline[0] as object), formId: 'trial', unverified: true } as never] });
    expect(card.forms).toEqual(['ebook']);
  });
});
