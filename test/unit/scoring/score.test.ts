import { describe, expect, it } from 'vitest';
import { nextDecayCheck, nextStage, parseScoringRules, scoreLead, type FitWhenInput, type ScoringEvent } from '../../../functions/core/scoring/index.js';
import type { EngagementWhen } from '../../../functions/core/scoring/rules.js';
import { DAY_MS, DEMO_RULES, NOW, anEvent, rulesWith } from './support.js';

const fitFires = (when: FitWhenInput, profile: Record<string, string>, email?: string): boolean => {
  const rules = rulesWith({ fit: [{ id: 'r', label: 'R', points: 7, when }] });
  return scoreLead({ profile, email, events: [], rules, now: NOW }).fit === 7;
};

const engagementFires = (when: EngagementWhen, event: ScoringEvent): boolean => {
  const rules = rulesWith({ engagement: [{ id: 'r', label: 'R', points: 3, when }] });
  return scoreLead({ profile: {}, events: [event], rules, now: NOW }).engagement === 3;
};

describe('Function: scoreLead — fit conditions', () => {
  it('seniority', () => {
    expect(fitFires({ field: 'jobTitle', seniority: ['vp', 'c-level'] }, { jobTitle: 'VP Sales' })).toBe(true);
    expect(fitFires({ field: 'jobTitle', seniority: ['vp', 'c-level'] }, { jobTitle: 'Sales Manager' })).toBe(false);
    expect(fitFires({ field: 'jobTitle', seniority: ['individual'] }, { jobTitle: 'Engineer' })).toBe(true);
    // no title is not evidence of anything
    expect(fitFires({ field: 'jobTitle', seniority: ['individual'] }, {})).toBe(false);
  });

  it('company size band', () => {
    expect(fitFires({ field: 'companySize', in: ['51-200', '201-1000'] }, { companySize: '201-1000' })).toBe(true);
    expect(fitFires({ field: 'companySize', in: ['51-200', '201-1000'] }, { companySize: '1-10' })).toBe(false);
  });

  it('email domain type, from the email or the profile', () => {
    expect(fitFires({ field: 'email', domainType: ['business'] }, {}, 'jane@acme.com')).toBe(true);
    expect(fitFires({ field: 'email', domainType: ['business'] }, { email: 'jane@acme.com' })).toBe(true);
    expect(fitFires({ field: 'email', domainType: ['business'] }, {}, 'jane@gmail.com')).toBe(false);
    expect(fitFires({ field: 'email', domainType: ['disposable'] }, {}, 'x@mailinator.com')).toBe(true);
    expect(fitFires({ field: 'email', domainType: ['business'] }, {})).toBe(false);
  });

  it('equals (trimmed, case-insensitive)', () => {
    expect(fitFires({ field: 'country', equals: 'us' }, { country: 'US' })).toBe(true);
    expect(fitFires({ field: 'company', equals: 'Acme' }, { company: ' acme ' })).toBe(true);
    expect(fitFires({ field: 'country', equals: 'US' }, { country: 'GB' })).toBe(false);
    expect(fitFires({ field: 'country', equals: 'US' }, {})).toBe(false);
  });

  it('in', () => {
    expect(fitFires({ field: 'country', in: ['DE', 'FR'] }, { country: 'fr' })).toBe(true);
    expect(fitFires({ field: 'country', in: ['DE', 'FR'] }, { country: 'ES' })).toBe(false);
  });

  it('matches (case-insensitive regular expression)', () => {
    expect(fitFires({ field: 'jobTitle', matches: '\\bmarketing\\b' }, { jobTitle: 'Head of MARKETING' })).toBe(true);
    expect(fitFires({ field: 'jobTitle', matches: '\\bmarketing\\b' }, { jobTitle: 'Marketingautomation' })).toBe(false);
    expect(fitFires({ field: 'jobTitle', matches: 'x' }, {})).toBe(false);
  });

  it('range (numbers given as strings; inclusive; non-numbers never match)', () => {
    const when: FitWhenInput = { field: 'phone', range: { min: 100, max: 200 } };
    expect(fitFires(when, { phone: ' 150 ' })).toBe(true);
    expect(fitFires(when, { phone: '100' })).toBe(true);
    expect(fitFires(when, { phone: '200' })).toBe(true);
    expect(fitFires(when, { phone: '201' })).toBe(false);
    expect(fitFires(when, { phone: 'abc' })).toBe(false);
    expect(fitFires(when, { phone: '' })).toBe(false);
    expect(fitFires({ field: 'phone', range: { min: 5 } }, { phone: '1e9' })).toBe(true);
  });
});

describe('Function: scoreLead — engagement conditions', () => {
  it('form_submitted, by form id and kind', () => {
    const ebook = anEvent('form_submitted', 0, { formId: 'ebook', formKind: 'gated-content' });
    expect(engagementFires({ event: 'form_submitted' }, ebook)).toBe(true);
    expect(engagementFires({ event: 'form_submitted', formId: 'ebook' }, ebook)).toBe(true);
    expect(engagementFires({ event: 'form_submitted', formId: 'trial' }, ebook)).toBe(false);
    expect(engagementFires({ event: 'form_submitted', formKind: 'gated-content' }, ebook)).toBe(true);
    expect(engagementFires({ event: 'form_submitted', formKind: 'free-trial' }, ebook)).toBe(false);
    expect(engagementFires({ event: 'form_submitted' }, anEvent('page_viewed', 0, { path: '/x' }))).toBe(false);
  });

  it.each([
    ['/pricing', '/pricing', true],
    ['/pricing', '/pricing/', true],
    ['/pricing', 'https://blog.example.com/pricing?plan=pro#faq', true],
    ['/pricing', '/pricing/enterprise', false],
    ['/pricing', '/Pricing', false],
    ['/docs/**', '/docs', true],
    ['/docs/**', '/docs/api/leads', true],
    ['/docs/**', '/documentation', false],
    ['/blog/*', '/blog/funnels', true],
    ['/blog/*', '/blog/2026/funnels', false],
    ['/blog/*/comments', '/blog/funnels/comments', true],
    ['/a.b', '/aXb', false],
  ])('page_viewed %s against %s → %s', (path, viewed, expected) => {
    expect(engagementFires({ event: 'page_viewed', path }, anEvent('page_viewed', 0, { path: viewed }))).toBe(expected);
  });

  it('email_opened and email_clicked by sequence', () => {
    expect(engagementFires({ event: 'email_opened' }, anEvent('email_opened'))).toBe(true);
    expect(engagementFires({ event: 'email_opened' }, anEvent('email_clicked'))).toBe(false);
    expect(engagementFires({ event: 'email_clicked' }, anEvent('email_clicked', 0, { sequenceId: 'onboarding' }))).toBe(true);
    expect(engagementFires({ event: 'email_clicked', sequenceId: 'onboarding' }, anEvent('email_clicked', 0, { sequenceId: 'onboarding' }))).toBe(true);
    expect(engagementFires({ event: 'email_clicked', sequenceId: 'onboarding' }, anEvent('email_clicked', 0, { sequenceId: 'nurture' }))).toBe(false);
  });
});

describe('Function: scoreLead — decay, cap, negative points', () => {
  const pricing = (extra: object = {}) =>
    rulesWith({ engagement: [{ id: 'pricing', label: 'Pricing', points: 8, when: { event: 'page_viewed', path: '/pricing' }, ...extra }] });
  const view = (daysAgo: number) => anEvent('page_viewed', daysAgo, { path: '/pricing' });

  it('halves the points after exactly one half-life, quarters them after two', () => {
    const rules = pricing({ halfLifeDays: 14 });
    expect(scoreLead({ profile: {}, events: [view(14)], rules, now: NOW }).breakdown).toEqual([
      { ruleId: 'pricing', label: 'Pricing', kind: 'engagement', points: 4, original: 8, events: 1 },
    ]);
    expect(scoreLead({ profile: {}, events: [view(28)], rules, now: NOW }).engagement).toBe(2);
    expect(scoreLead({ profile: {}, events: [view(0)], rules, now: NOW }).engagement).toBe(8);
  });

  it('counts a future event as happening now, and does not decay without a half-life', () => {
    expect(scoreLead({ profile: {}, events: [view(-3)], rules: pricing({ halfLifeDays: 1 }), now: NOW }).engagement).toBe(8);
    expect(scoreLead({ profile: {}, events: [view(400)], rules: pricing(), now: NOW }).engagement).toBe(8);
  });

  it('caps the current (decayed) sum and says so', () => {
    const rules = pricing({ cap: 20, halfLifeDays: 10 });
    const fresh = scoreLead({ profile: {}, events: [view(0), view(0), view(0), view(0)], rules, now: NOW });
    expect(fresh.breakdown[0]).toEqual({ ruleId: 'pricing', label: 'Pricing', kind: 'engagement', points: 20, original: 20, events: 4, capped: true });
    // 4 × 8 × 0.5 = 16 after one half-life: under the cap again
    const later = scoreLead({ profile: {}, events: [view(10), view(10), view(10), view(10)], rules, now: NOW });
    expect(later.breakdown[0]).toEqual({ ruleId: 'pricing', label: 'Pricing', kind: 'engagement', points: 16, original: 20, events: 4 });
  });

  it('subtracts negative points, capped in magnitude, and decays them too', () => {
    const rules = rulesWith({
      fit: [{ id: 'student', label: 'Student', points: -20, when: { field: 'jobTitle', matches: 'student' } }],
      engagement: [{ id: 'careers', label: 'Careers', points: -10, cap: 25, halfLifeDays: 7, when: { event: 'page_viewed', path: '/careers/**' } }],
    });
    const events = [0, 0, 0].map((d) => anEvent('page_viewed', d, { path: '/careers/open' }));
    const now = scoreLead({ profile: { jobTitle: 'PhD Student' }, events, rules, now: NOW });
    expect(now).toMatchObject({ fit: -20, engagement: -25, total: -45 });
    expect(now.breakdown[1]).toMatchObject({ points: -25, original: -25, capped: true });
    const weekLater = scoreLead({ profile: { jobTitle: 'PhD Student' }, events, rules, now: new Date(NOW.getTime() + 7 * DAY_MS) });
    expect(weekLater).toMatchObject({ engagement: -15, total: -35 });
  });

  it('counts an event id once, ignores undated events, and rounds items to cents', () => {
    const rules = pricing({ halfLifeDays: 3 });
    const e = view(1);
    const score = scoreLead({ profile: {}, events: [e, { ...e }, { ...view(0), at: 'yesterday' }], rules, now: NOW });
    expect(score.breakdown[0]).toMatchObject({ events: 1, points: 6.35 }); // 8 × 0.5^(1/3) = 6.3496…
    expect(score.engagement).toBe(6.35);
  });

  it('records the rules version and the time of computation', () => {
    expect(scoreLead({ profile: {}, events: [], rules: pricing(), now: NOW })).toEqual({
      fit: 0,
      engagement: 0,
      total: 0,
      rulesVersion: 'test-1',
      computedAt: NOW.toISOString(),
      breakdown: [],
    });
  });

  it('scores the demo lead as documented', () => {
    const rules = parseScoringRules(DEMO_RULES);
    const score = scoreLead({
      profile: { jobTitle: 'VP Marketing' },
      email: 'jane@acme.com',
      events: [anEvent('form_submitted', 0, { formId: 'trial', formKind: 'free-trial' })],
      rules,
      now: NOW,
    });
    expect(score).toMatchObject({ fit: 35, engagement: 30, total: 65, rulesVersion: '2026-11-01' });
    expect(score.breakdown.map((b) => b.ruleId)).toEqual(['exec', 'business-email', 'marketing-role', 'trial-signup']);
  });
});

describe('Function: nextStage', () => {
  const rules = rulesWith({ thresholds: { mql: { score: 40, fit: 10 }, sql: { score: 80 } } });
  const regressing = rulesWith({ thresholds: { mql: { score: 40 }, sql: { score: 80 } }, regression: 'to-lead-below-mql' });

  it('moves forward when a threshold (score and fit) is reached', () => {
    expect(nextStage('lead', { total: 45, fit: 10 }, rules)).toBe('mql');
    expect(nextStage('lead', { total: 45, fit: 9 }, rules)).toBe('lead');
    expect(nextStage('mql', { total: 80, fit: 10 }, rules)).toBe('sql');
  });

  it('jumps from lead straight to sql; sql still needs the mql fit', () => {
    expect(nextStage('lead', { total: 95, fit: 20 }, rules)).toBe('sql');
    expect(nextStage('lead', { total: 95, fit: 0 }, rules)).toBe('lead');
  });

  it('never moves back by default', () => {
    expect(nextStage('sql', { total: 0, fit: 0 }, rules)).toBe('sql');
    expect(nextStage('mql', { total: -10, fit: 0 }, rules)).toBe('mql');
  });

  it("goes back to lead below mql when regression is 'to-lead-below-mql', and only then", () => {
    expect(nextStage('mql', { total: 39, fit: 0 }, regressing)).toBe('lead');
    expect(nextStage('sql', { total: 39, fit: 0 }, regressing)).toBe('lead');
    expect(nextStage('sql', { total: 60, fit: 0 }, regressing)).toBe('sql');
  });
});

describe('Function: nextDecayCheck', () => {
  const rules = rulesWith({
    engagement: [
      { id: 'pricing', label: 'Pricing', points: 10, halfLifeDays: 10, when: { event: 'page_viewed', path: '/pricing' } },
      { id: 'trial', label: 'Trial', points: 30, when: { event: 'form_submitted' } },
    ],
    thresholds: { mql: { score: 30 }, sql: { score: 50 } },
    regression: 'to-lead-below-mql',
  });
  const view = anEvent('page_viewed', 0, { path: '/pricing' });

  it('is undefined without decaying points', () => {
    expect(nextDecayCheck([], rules, NOW)).toBeUndefined();
    expect(nextDecayCheck([anEvent('form_submitted')], rules, NOW)).toBeUndefined();
  });

  it('is the first second at which the re-score sees the stage change', () => {
    // fit 25 + pricing 10 = 35 (mql) until pricing, rounded to cents, is below 5.00: 10·log2(10/4.995) ≈ 10.014 days.
    const at = nextDecayCheck([view], rules, NOW, 25);
    expect(at).toBeDefined();
    const ms = Date.parse(at!);
    expect((ms - NOW.getTime()) / DAY_MS).toBeCloseTo(10 * Math.log2(10 / 4.995), 4);
    const stageAt = (t: number) =>
      nextStage('mql', { total: 25 + scoreLead({ profile: {}, events: [view], rules, now: new Date(t) }).engagement, fit: 25 }, rules);
    expect(stageAt(ms - 1000)).toBe('mql');
    expect(stageAt(ms)).toBe('lead');
  });

  it('applies the thresholds to the engagement alone without a fit', () => {
    // 30 (trial) + 10 pricing = 40 → mql; falls below 30… never (trial does not decay): sql at 50 is never reached either.
    expect(nextDecayCheck([view, anEvent('form_submitted')], rules, NOW)).toBeUndefined();
    // 30 + 25 + 10 pricing views = 55 → sql, falls under 50 when pricing < 20 → after 1 half-life
    const views = [view, anEvent('page_viewed', 0, { path: '/pricing' }), anEvent('page_viewed', 0, { path: '/pricing' })];
    const at = nextDecayCheck([...views, anEvent('form_submitted')], rules, NOW, 0);
    expect(Date.parse(at!)).toBeGreaterThan(NOW.getTime() + 5 * DAY_MS);
    expect(Date.parse(at!)).toBeLessThan(NOW.getTime() + 6 * DAY_MS);
  });

  it('returns the horizon when the change comes after it', () => {
    const slow = rulesWith({
      engagement: [{ id: 'p', label: 'P', points: 100, halfLifeDays: 3650, when: { event: 'email_opened' } }],
      thresholds: { mql: { score: 50 }, sql: { score: 90 } },
    });
    expect(nextDecayCheck([anEvent('email_opened')], slow, NOW)).toBe(new Date(NOW.getTime() + 365 * DAY_MS).toISOString());
  });
});
