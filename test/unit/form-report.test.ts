import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../functions/core/ab-test.js';
import type { Person } from '../../functions/core/people.js';
import { FormReportQuery, StatsQuery } from '../../functions/core/stats.js';
import { formPreview, formReport, formsReport } from '../../functions/use-cases/form-report.js';
import { getForm } from '../../functions/use-cases/get-form.js';
import { readFormStats } from '../../functions/use-cases/form-stats.js';
import { fakeDeps, testConfig } from '../support/builders.js';

const ADMIN: Person = { sub: 'a1', roles: ['admin'], siteIds: ['*'] };
const API_KEY = { name: 'test', siteIds: ['*'] };
const ELSEWHERE: Person = { sub: 'm1', roles: ['marketer'], siteIds: ['other'] };

/** The demo with an A/B test on the ebook form: `a` (the control) and `b`. */
const withVariants = () =>
  fakeDeps({
    rawConfig: testConfig((c) => {
      c.sites[0]!.forms[0]!.variants = [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 1, title: 'Get the playbook' },
      ];
    }),
  });

describe('Use cases: the console’s forms page', () => {
  it('gives each form its display and its totals, the conversion rate with its 95% interval', async () => {
    // Prepare
    const t = withVariants();
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'a', page: '/blog' }, '2026-11-20', { impressions: 200, submissions: 20, leads: 18, mql: 3 });
    // Act
    const out = await formsReport(t.deps, ADMIN, { from: '2026-11-01', to: '2026-11-30' });
    // Assess
    const ebook = out.forms.find((f) => f.formId === 'ebook')!;
    expect(ebook).toMatchObject({ kind: 'gated-content', variants: ['a', 'b'], display: { mode: 'inline' } });
    expect(ebook.totals).toMatchObject({ impressions: 200, submissions: 20, leads: 18, mql: 3, conversion: { rate: 0.1 } });
    expect(ebook.totals.conversion.interval).toEqual(wilsonInterval(20, 200));
    expect(out.forms.map((f) => f.formId)).toEqual(t.deps.config.findSite('demo')!.forms.map((f) => f.id));
  });

  it('gives a form each day, a breakdown by page, and its A/B test: collecting, then a verdict at the planned sample', async () => {
    // Prepare: b converts better, but after 400 impressions each it is too early.
    const t = withVariants();
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'a', page: '/blog' }, '2026-11-20', { impressions: 400, submissions: 20 });
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'b', page: '/pricing' }, '2026-11-21', { impressions: 400, submissions: 32 });
    const query = FormReportQuery.parse({ from: '2026-11-15', to: '2026-11-21' });
    // Act
    const early = await formReport(t.deps, ADMIN, 'ebook', query);
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'a', page: '/blog' }, '2026-11-21', { impressions: 9600, submissions: 480 });
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'b', page: '/pricing' }, '2026-11-21', { impressions: 9600, submissions: 610 });
    const later = await formReport(t.deps, ADMIN, 'ebook', query);
    // Assess
    expect(early.days.map((d) => d.day)).toEqual(['2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21']);
    expect(early.days.at(-1)).toMatchObject({ impressions: 400, submissions: 32 });
    expect(early.breakdown).toMatchObject({
      by: 'page',
      rows: [expect.objectContaining({ key: '/pricing', submissions: 32 }), expect.objectContaining({ key: '/blog', submissions: 20 })],
    });
    expect(early.abTest).toMatchObject({
      control: 'a',
      variants: [
        { variant: 'a', verdict: 'control' },
        { variant: 'b', verdict: 'collecting' },
      ],
    });
    expect(early.abTest!.plannedSample).toBeGreaterThan(400);
    expect(later.abTest!.variants[1]).toMatchObject({ variant: 'b', impressions: 10_000, submissions: 642, verdict: 'better' });
    expect(later.abTest!.variants[1]!.vsControl!.uplift).toBeCloseTo(642 / 500 - 1, 10);
  });

  it('shows the numbers of GET /v1/forms/{formId}/stats for the same range: totals, each day, by page, by variant', async () => {
    // Prepare: the counters the capture path and the stream keep, over two days
    const t = withVariants();
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'a', page: '/blog' }, '2026-11-19', { impressions: 40, submissions: 3, leads: 3, mql: 1 });
    await t.deps.stats.count('demo', { formId: 'ebook', variant: 'b', page: '/pricing' }, '2026-11-20', { impressions: 35, submissions: 2 });
    const range = { from: '2026-11-14', to: '2026-11-20' };
    // Act
    const page = await formReport(t.deps, ADMIN, 'ebook', FormReportQuery.parse(range));
    const api = (by?: 'page' | 'variant') => readFormStats(t.deps, API_KEY, 'ebook', StatsQuery.parse({ ...range, ...(by && { by }) }));
    const [all, byPage, byVariant] = await Promise.all([api(), api('page'), api('variant')]);
    const list = await formsReport(t.deps, ADMIN, range);
    // Assess
    type Counts = { impressions: number; submissions: number; leads: number; mql: number; sql: number; handoffs: number };
    const counts = ({ impressions, submissions, leads, mql, sql, handoffs }: Counts) => ({ impressions, submissions, leads, mql, sql, handoffs });
    expect(counts(page.totals)).toEqual(counts(all.totals[0]!));
    expect(counts(list.forms.find((f) => f.formId === 'ebook')!.totals)).toEqual(counts(all.totals[0]!));
    expect(page.days.filter((d) => d.impressions || d.submissions).map((d) => [d.day, counts(d)])).toEqual(all.rows.map((r) => [r.day, counts(r)]));
    expect(Object.fromEntries(page.breakdown.rows.map((r) => [r.key, counts(r)]))).toEqual(Object.fromEntries(byPage.totals.map((r) => [r.key, counts(r)])));
    expect(page.abTest!.variants.map((v) => [v.variant, v.impressions, v.submissions])).toEqual(
      byVariant.totals.filter((r) => r.key !== '(none)').map((r) => [r.key, r.impressions, r.submissions]),
    );
    expect(page.totals.submissions).toBe(5);
  });

  it('answers a form of a site the person may not see like a missing one, and names a bad range', async () => {
    const t = withVariants();
    await expect(formReport(t.deps, ELSEWHERE, 'ebook', FormReportQuery.parse({}))).rejects.toMatchObject({ name: 'UnknownFormError' });
    await expect(formReport(t.deps, ADMIN, 'nope', FormReportQuery.parse({}))).rejects.toMatchObject({ name: 'UnknownFormError' });
    await expect(formReport(t.deps, ADMIN, 'ebook', FormReportQuery.parse({ from: '2026-11-22', to: '2026-11-21' }))).rejects.toMatchObject({
      fields: { 'query.from': 'must be on or before `to`' },
    });
  });

  it('previews a form as the public route serves it, each variant, with the words of every mode and the answer a visitor gets, and no proof to count it', async () => {
    // Prepare: the public definition of each variant (buckets 0 and 99 fall in a and b)
    const t = withVariants();
    const publicA = await getForm(t.deps, 'ebook', 0);
    const publicB = await getForm(t.deps, 'ebook', 99);
    // Act
    const out = formPreview(t.deps, ADMIN, 'ebook');
    // Assess: the same definitions, less the impression proof, with the close button's words (an inline form's
    // definition has none: the console previews it as a popup too)
    expect(out.views.map((v) => [v.variant, v.title])).toEqual([
      ['a', publicA.title],
      ['b', 'Get the playbook'],
    ]);
    const { proof, strings, ...rest } = publicB;
    expect(proof).toBeTruthy();
    expect(strings.close).toBeUndefined();
    expect(out.views[1]).toEqual({ ...rest, strings: { ...strings, close: 'Close' } });
    expect(out.views[1]).not.toHaveProperty('proof');
    expect(out.answer).toEqual({
      submissionId: 'preview',
      next: { type: 'download', url: expect.stringMatching(/\/demo\/assets\/serverless-funnel-playbook\.pdf$/) },
      message: 'Thanks! Your ebook is ready.',
    });
    // A form without variants: the form as written
    expect(formPreview(t.deps, ADMIN, 'trial').views.map((v) => [v.variant, v.title])).toEqual([[undefined, t.deps.config.findForm('trial')!.form.title]]);
  });

  it('previews no form of a site the person may not see (404, like a missing one)', () => {
    const t = withVariants();
    expect(() => formPreview(t.deps, ELSEWHERE, 'ebook')).toThrow(expect.objectContaining({ name: 'UnknownFormError' }));
    expect(() => formPreview(t.deps, ADMIN, 'nope')).toThrow(expect.objectContaining({ name: 'UnknownFormError' }));
  });
});
