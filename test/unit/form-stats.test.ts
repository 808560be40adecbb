import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryFormStats, type InMemoryLeadRepository } from '../../functions/adapters/memory.js';
import { InvalidVisitorTokenError, OriginNotAllowedError, RateLimitedError, UnknownFormError, ValidationError } from '../../functions/core/errors.js';
import {
  IMPRESSION_BEACONS_PER_MINUTE,
  MAX_STAT_KEYS,
  NEW_KEYS_PER_PREFIX,
  countSubmission,
  knownFields,
  readFormStats,
  recordImpressions,
} from '../../functions/use-cases/form-stats.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { rescoreLead } from '../../functions/use-cases/rescore-lead.js';
import { getForm } from '../../functions/use-cases/get-form.js';
import { BUCKETS, variantFor } from '../../functions/core/presentation.js';
import { MAX_KEYS_PER_DAY, OTHER, StatsQuery } from '../../functions/core/stats.js';
import { aSubmission, fakeDeps, ORIGIN, testConfig, leadWith } from '../support/builders.js';

const KEY = { name: 'test', siteIds: ['*'] };
const DAY = '2026-11-22';

/** The demo config with A/B variants and progressive profiling on the ebook form. */
const withVariants = () =>
  testConfig((c) => {
    const ebook = c.sites[0]!.forms[0]!;
    ebook.variants = [
      { id: 'a', title: 'Get the playbook' },
      { id: 'b', weight: 3, submitLabel: 'Send it', fields: [{ name: 'email', label: 'Email', required: true }], display: { mode: 'popup' } },
    ];
    ebook.profiling = { fields: ['companySize', 'country'] };
  });

const impression = (extra: Record<string, unknown> = {}) => ({ formId: 'ebook', page: '/posts/funnels', campaign: 'q4', source: 'newsletter', ...extra });
type Deps = ReturnType<typeof fakeDeps>['deps'];
/** Impressions as the widget sends them: each with the proof its form's definition was served with. */
const proven = (deps: Deps, impressions: Record<string, unknown>[]) =>
  Promise.all(
    impressions.map(async (i) => ({
      ...i,
      proof: await deps.impressionProofs.issue('demo', String(i.formId), i.variant as string | undefined, deps.clock.now()),
    })),
  );
const submit = (deps: ReturnType<typeof fakeDeps>['deps'], body: unknown) =>
  submitForm(deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });

/**
 * What the table stream's consumer does for each stored submission: count it. Twice here, as a stream
 * may deliver a record again: it must count once.
 */
async function streamCounts(deps: ReturnType<typeof fakeDeps>['deps']) {
  const repo = deps.leads as InMemoryLeadRepository;
  for (let delivery = 0; delivery < 2; delivery++)
    for (const { partition, entry, answer } of repo.submissions.values()) {
      const [siteId, emailKey] = partition.split('#') as [string, string];
      await countSubmission(deps, { siteId, emailKey }, { submissionId: entry.submissionId, at: entry.at, newLead: answer.status === 201, source: entry });
    }
}

describe('Form numbers: impressions, submissions, leads, MQL and SQL per day and dimension', () => {
  it('counts impressions, submissions and new leads, by variant, campaign, source and page, with the conversion rate', async () => {
    // Prepare
    const { deps } = fakeDeps({ rawConfig: withVariants() });
    const input = async (impressions: Record<string, unknown>[]) => ({
      body: { impressions: await proven(deps, impressions) },
      origin: ORIGIN,
      clientIp: '203.0.113.7',
    });

    // Act: four impressions (three of variant a), two submissions of one address (one lead), one of another
    await recordImpressions(deps, await input([impression({ variant: 'a' })]));
    await recordImpressions(deps, await input([impression({ variant: 'b', campaign: undefined })]));
    await recordImpressions(deps, await input([impression({ variant: 'a' })]));
    await recordImpressions(deps, await input([impression({ variant: 'a', page: '/pricing' })]));
    // A form named twice in one beacon counts once: a page view shows it once.
    await recordImpressions(deps, await input([impression({ formId: 'trial' }), impression({ formId: 'trial' })]));
    await submit(deps, aSubmission().with('variant', 'a').build());
    await submit(deps, aSubmission().with('variant', 'a').build());
    await submit(deps, { ...aSubmission().with('variant', 'b').build(), fields: { email: 'joe@acme.com' } });
    const onRequestPath = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY });
    await streamCounts(deps);

    // Assess: nothing counted by the capture itself (one round trip), each submission once by the stream
    expect(onRequestPath.rows).toEqual([expect.objectContaining({ impressions: 4, submissions: 0, leads: 0 })]);
    const all = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY });
    expect(all.rows).toEqual([{ day: DAY, impressions: 4, submissions: 3, leads: 2, mql: 0, sql: 0, handoffs: 0, conversionRate: 0.75 }]);
    expect((await readFormStats(deps, KEY, 'trial', { from: DAY, to: DAY })).rows).toEqual([expect.objectContaining({ impressions: 1 })]);
    const byVariant = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, by: 'variant' });
    expect(byVariant.rows.map((r) => [r.key, r.impressions, r.submissions, r.leads])).toEqual([
      ['a', 3, 2, 1],
      ['b', 1, 1, 1],
    ]);
    const byCampaign = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, by: 'campaign' });
    expect(byCampaign.totals.map((r) => [r.key, r.impressions])).toEqual([
      ['(none)', 1],
      ['q4', 3],
    ]);
    // A trailing slash is the same page, for impressions (the beacon) and submissions (the page URL) alike.
    await recordImpressions(deps, await input([impression({ page: '/posts/funnels/' })]));
    const byPage = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, by: 'page' });
    expect(byPage.rows.map((r) => [r.key, r.impressions, r.submissions])).toEqual([
      ['/posts/funnels', 4, 3],
      ['/pricing', 1, 0],
    ]);
  });

  it('credits an MQL and an SQL to the form, variant and campaign of the lead’s first submission, once', async () => {
    // Prepare: a lead qualifying at once (VP at a big company)
    const { deps, clock } = fakeDeps({ rawConfig: withVariants() });
    const body = aSubmission().with('variant', 'a').withField('companySize', '1001-5000').build();
    await submit(deps, body);
    await submit(deps, body);
    const lead = (await leadWith(deps.leads, 'jane.doe@acme.com'))!;
    await streamCounts(deps);
    const ref = { siteId: 'demo', emailKey: (await import('../../functions/core/email.js')).emailKey(lead.email) };

    // Act: re-scored twice (a stream retry): the stage changes once; the submission above was sent twice (a replay)
    const first = await rescoreLead(deps, ref);
    await rescoreLead(deps, ref);

    // Assess
    const stage = first?.to;
    expect(stage === 'mql' || stage === 'sql').toBe(true);
    const byVariant = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: clock.now().toISOString().slice(0, 10), by: 'variant' });
    expect(byVariant.totals).toEqual([expect.objectContaining({ key: 'a', submissions: 1, leads: 1, [stage!]: 1 })]);
  });

  it('refuses bad beacons with the field named, a foreign origin with 403, a flood with 429', async () => {
    // Prepare
    const { deps } = fakeDeps({ rawConfig: withVariants() });
    const send = (impressions: unknown[], origin = ORIGIN) => recordImpressions(deps, { body: { impressions }, origin, clientIp: '198.51.100.1' });

    // Act + Assess
    await expect(send([impression({ formId: 'nope' })])).rejects.toMatchObject({ fields: { 'impressions[0].formId': 'no form "nope"' } });
    await send([impression({ variant: 'z' })]); // a variant no longer in the config counts as none
    await expect(recordImpressions(deps, { body: { impressions: [impression()] }, clientIp: '198.51.100.1' })).rejects.toBeInstanceOf(OriginNotAllowedError);
    await expect(send([impression({ page: 'https://evil.example/x?email=a@b.c' })])).rejects.toMatchObject({
      fields: { 'impressions[0].page': expect.any(String) },
    });
    await expect(send([impression({ email: 'a@b.c' })])).rejects.toBeInstanceOf(ValidationError);
    // Hostile bytes (a NUL, a bidi override) never become a page key a dashboard shows.
    await expect(send([impression({ page: '/x\u0000y' })])).rejects.toMatchObject({ fields: { 'impressions[0].page': 'must not contain control characters' } });
    await expect(send([impression({ page: '/x\u202ey' })])).rejects.toBeInstanceOf(ValidationError);
    await expect(send([])).rejects.toBeInstanceOf(ValidationError);
    await expect(send([impression()], 'https://evil.example')).rejects.toBeInstanceOf(OriginNotAllowedError);
    for (let i = 1; i < IMPRESSION_BEACONS_PER_MINUTE; i++) await send([impression()]);
    // (the beacon without an Origin was refused before it counted against the address)
    await expect(send([impression()])).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('answers stats only to a key of the form’s site, within 366 days, `from` not after `to`', async () => {
    const { deps } = fakeDeps();
    await expect(readFormStats(deps, { name: 'x', siteIds: ['other'] }, 'ebook', {})).rejects.toBeInstanceOf(UnknownFormError);
    await expect(readFormStats(deps, KEY, 'ebook', { from: '2026-11-23', to: '2026-11-22' })).rejects.toMatchObject({
      fields: { 'query.from': expect.any(String) },
    });
    await expect(readFormStats(deps, KEY, 'ebook', { from: '2024-01-01', to: '2026-11-22' })).rejects.toBeInstanceOf(ValidationError);
    expect((await readFormStats(deps, KEY, 'ebook', {})).from).toBe('2026-10-24');
    // A day that does not exist is refused by the query's schema (400 naming it), never a 500.
    expect(StatsQuery.safeParse({ from: '2026-13-01' }).success).toBe(false);
    expect(StatsQuery.safeParse({ to: '2026-02-31' }).success).toBe(false);
    expect(StatsQuery.safeParse({ from: '2026-02-28', to: '2028-02-29' }).success).toBe(true);
    // Calendar bounds: a range (and its default start, 29 days before `to`) stays in four-digit years.
    for (const to of ['0000-01-01', '1999-12-31', '3000-01-01']) expect(StatsQuery.safeParse({ to }).success, to).toBe(false);
    expect(StatsQuery.safeParse({ to: '2000-01-01' }).success).toBe(true);
  });

  it('lists at most the 200 busiest keys of a range, and says so', async () => {
    const { deps } = fakeDeps();
    // 205 pages over three days (a day keeps at most 100 of its own)
    const days = ['2026-11-20', '2026-11-21', DAY];
    for (let i = 0; i < MAX_STAT_KEYS + 5; i++)
      await deps.stats.count('demo', { formId: 'ebook', page: `/p/${i}` }, days[i % 3]!, { impressions: i === 3 ? 9 : 1 });
    const answer = await readFormStats(deps, KEY, 'ebook', { from: days[0], to: DAY, by: 'page' });
    expect([answer.totals.length, answer.truncated]).toEqual([MAX_STAT_KEYS, true]);
    expect(answer.totals.some((t) => t.key === '/p/3')).toBe(true);
    expect((await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY })).truncated).toBeUndefined();
  });

  it('property: concurrent impressions and submissions add up exactly, in every dimension', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ variant: fc.constantFrom('a', 'b'), campaign: fc.constantFrom('x', 'y', undefined), page: fc.constantFrom('/a', '/b') }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (events) => {
          const stats = new InMemoryFormStats();
          // All at once, interleaved: each count is applied exactly once whatever the order.
          await Promise.all(events.map((e) => stats.count('demo', { formId: 'ebook', ...e }, DAY, { impressions: 1, submissions: e.page === '/a' ? 1 : 0 })));
          const sum = async (dimension: 'all' | 'variant' | 'campaign' | 'page', metric: 'impressions' | 'submissions') =>
            (await stats.read('demo', 'ebook', dimension, DAY, DAY)).reduce((n, c) => n + (c.counts[metric] ?? 0), 0);
          for (const d of ['all', 'variant', 'campaign', 'page'] as const) {
            expect(await sum(d, 'impressions')).toBe(events.length);
            expect(await sum(d, 'submissions')).toBe(events.filter((e) => e.page === '/a').length);
          }
          const a = (await stats.read('demo', 'ebook', 'variant', DAY, DAY)).find((c) => c.value === 'a');
          expect(a?.counts.impressions ?? 0).toBe(events.filter((e) => e.variant === 'a').length);
        },
      ),
    );
  });
});

describe('A/B variants and progressive profiling on the server', () => {
  it('gives each variant its share of the buckets by weight, the same variant for the same bucket', () => {
    // Prepare
    const variants = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 3 },
      { id: 'c', weight: 1 },
    ];

    // Act
    const shares: Record<string, number> = {};
    for (let b = 0; b < BUCKETS; b++) shares[variantFor(variants, b).id] = (shares[variantFor(variants, b).id] ?? 0) + 1;

    // Assess
    expect(shares).toEqual({ a: 20, b: 60, c: 20 });
    expect(variantFor(variants, 19).id).toBe('a');
    expect(variantFor(variants, 20).id).toBe('b');
    expect(variantFor(variants, 99).id).toBe('c');
  });

  it('serves the variants and the fields progressive profiling may ask, and accepts a variant’s own fields', async () => {
    // Prepare
    const { deps } = fakeDeps({ rawConfig: withVariants() });

    // Act: bucket 20 is variant a's (a has 1/4 of the weight: buckets 0–24), 25 variant b's
    const view = await getForm(deps, 'ebook', 20);
    const viewB = await getForm(deps, 'ebook', 25);
    const onlyEmail = await submit(deps, { ...aSubmission().with('variant', 'b').build(), fields: { email: 'b@acme.com' } });
    await submit(deps, aSubmission().withEmail('p@acme.com').withField('country', 'de').build());

    // Assess: each definition is its variant's, changes applied
    expect([view.variant, view.title, view.display.mode, view.fields.length]).toEqual(['a', 'Get the playbook', 'inline', 4]);
    expect([viewB.variant, viewB.submitLabel, viewB.display.mode, viewB.fields.map((f) => f.name)]).toEqual(['b', 'Send it', 'popup', ['email']]);
    expect(view.progressive?.map((f) => [f.name, f.required])).toEqual([
      ['companySize', false],
      ['country', false],
    ]);
    expect(onlyEmail.status).toBe(202);
    expect((await leadWith(deps.leads, 'p@acme.com'))?.profile.country).toBe('DE');
    // Variant b asks no name: a first name sent with it is an undeclared field.
    await expect(submit(deps, aSubmission().with('variant', 'b').build())).rejects.toMatchObject({ fields: { 'fields.firstName': expect.any(String) } });
    // A variant the config no longer has (a page open since before the test ended): stored, without it.
    const stale = await submit(deps, aSubmission().withEmail('stale@acme.com').with('variant', 'gone').build());
    expect(stale.status).toBe(202);
    expect((await leadWith(deps.leads, 'stale@acme.com'))?.sources.first.variant).toBeUndefined();
    await expect(submit(deps, aSubmission().with('variant', 7).build())).rejects.toMatchObject({ fields: { variant: expect.any(String) } });
  });

  it('says which fields the lead behind a visitor token gave, names only, and refuses a forged token', async () => {
    // Prepare: a consented submission hands out a token
    const { deps } = fakeDeps({ rawConfig: withVariants() });
    const { body } = await submit(deps, aSubmission().withField('companySize', '51-200').build());

    // Act
    const answer = await knownFields(deps, 'ebook', { visitorToken: body.visitorToken });

    // Assess
    expect(answer.known.sort()).toEqual(['company', 'companySize', 'firstName', 'jobTitle']);
    expect(JSON.stringify(answer)).not.toContain('Acme');
    await expect(knownFields(deps, 'ebook', { visitorToken: 'forged' })).rejects.toBeInstanceOf(InvalidVisitorTokenError);
    await expect(knownFields(deps, 'ebook', {})).rejects.toBeInstanceOf(ValidationError);
    await expect(knownFields(deps, 'nope', { visitorToken: body.visitorToken })).rejects.toBeInstanceOf(UnknownFormError);
  });
});

describe('Forged impressions (issue 22): numbers nobody can make up cheaply', () => {
  const beacon = (deps: Deps, impressions: Record<string, unknown>[], clientIp = '203.0.113.7') =>
    recordImpressions(deps, { body: { impressions }, origin: ORIGIN, clientIp });
  const impressionsOf = async (deps: Deps, by?: 'variant' | 'page') =>
    (await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, ...(by && { by }) })).totals.map((t) => [t.key, t.impressions]);

  it('counts an impression only with the proof its definition was served with: none, forged, another form’s or variant’s, or two hours old count nothing, answered alike', async () => {
    const { deps, clock } = fakeDeps({ rawConfig: withVariants() });
    const [good] = await proven(deps, [impression({ variant: 'a' })]);
    const old = { ...good, proof: await deps.impressionProofs.issue('demo', 'ebook', 'a', new Date(clock.now().getTime() - 121 * 60_000)) };
    const forged = { ...good, proof: `${String(good!.proof).split('.')[0]}.AAAAAAAAAAAAAAAA` };
    for (const bad of [impression({ variant: 'a' }), forged, old, { ...good, variant: 'b' }, { ...good, formId: 'trial' }, { ...good, proof: 'x' }])
      await expect(beacon(deps, [bad])).resolves.toBeUndefined();
    expect(await impressionsOf(deps)).toEqual([]);
    await beacon(deps, [good!]);
    expect(await impressionsOf(deps)).toEqual([[undefined, 1]]);
    // The definition served carries it
    expect((await getForm(deps, 'ebook', 20)).proof).toBe(good!.proof);
  });

  it('cannot flip an A/B test with forged beacons: 200 unproven impressions of variant a change nothing', async () => {
    const { deps } = fakeDeps({ rawConfig: withVariants() });
    for (const variant of ['a', 'b']) for (let i = 0; i < 10; i++) await beacon(deps, await proven(deps, [impression({ variant })]), `198.51.${i}.1`);
    for (let i = 0; i < 200; i++) await beacon(deps, [impression({ variant: 'a', proof: `${i}.forged` })], `192.0.2.${i % 250}`);
    expect(await impressionsOf(deps, 'variant')).toEqual([
      ['a', 10],
      ['b', 10],
    ]);
  });

  it('caps what one network prefix adds to a form (250 addresses of one /24 are one party), and what everyone adds', async () => {
    const { deps } = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { impressions: { perPrefix: 20, perForm: 50 } })) });
    const proof = await proven(deps, [impression()]);
    // 1,000 proven beacons from 250 addresses of 127.0.0.0/24
    for (let i = 0; i < 1000; i++) await beacon(deps, proof, `127.0.0.${i % 250}`);
    expect(await impressionsOf(deps)).toEqual([[undefined, 20]]);
    // An IPv6 /48 is one prefix too, whatever /64 inside it
    for (let i = 0; i < 100; i++) await beacon(deps, proof, `2001:db8:7:${i.toString(16)}::1`);
    expect(await impressionsOf(deps)).toEqual([[undefined, 40]]);
    // Many prefixes: the form's own ceiling
    for (let i = 0; i < 100; i++) await beacon(deps, proof, `10.${i}.0.1`);
    expect(await impressionsOf(deps)).toEqual([[undefined, 50]]);
  });

  it(`keeps at most ${MAX_KEYS_PER_DAY} pages a day, then (other): 804 beacons over 201 invented paths cannot push the real page out`, async () => {
    const { deps } = fakeDeps();
    const [real] = await proven(deps, [impression({ page: '/posts/funnels' })]);
    for (let i = 0; i < 5; i++) await beacon(deps, [real!], `198.51.100.${i}`);
    for (let i = 0; i < 804; i++) await beacon(deps, [{ ...real!, page: `/invented/${i % 201}` }], `10.${i % 250}.${Math.floor(i / 250)}.1`);
    const byPage = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, by: 'page' });
    expect(byPage.totals.length).toBe(MAX_KEYS_PER_DAY + 1);
    expect(byPage.totals.find((t) => t.key === '/posts/funnels')).toMatchObject({ impressions: 5 });
    expect(byPage.totals.find((t) => t.key === OTHER)?.impressions).toBeGreaterThan(0);
    expect(byPage.truncated).toBeUndefined();
  });

  it(`lets one network prefix bring only ${NEW_KEYS_PER_PREFIX} new pages, campaigns and sources a day: invented paths sent first cannot take the day's keys`, async () => {
    const { deps } = fakeDeps();
    const [proof] = await proven(deps, [impression()]);
    // At midnight, one /24 sends 300 invented paths before any reader arrives
    for (let i = 0; i < 300; i++) await beacon(deps, [{ ...proof!, page: `/junk/${i}` }], `203.0.113.${i % 250}`);
    // Then readers from elsewhere
    for (let i = 0; i < 3; i++) await beacon(deps, [{ ...proof!, page: '/posts/funnels' }], `198.51.${i}.7`);
    const byPage = await readFormStats(deps, KEY, 'ebook', { from: DAY, to: DAY, by: 'page' });
    // Its campaign and source (q4, newsletter) were two of its new values: eight pages remain
    expect(byPage.totals.filter((t) => t.key?.startsWith('/junk/'))).toHaveLength(NEW_KEYS_PER_PREFIX - 2);
    expect(byPage.totals.find((t) => t.key === '/posts/funnels')).toMatchObject({ impressions: 3 });
  });
});
