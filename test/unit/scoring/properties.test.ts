import type { LifecycleStage } from '../../../functions/core/contracts.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nextDecayCheck,
  nextStage,
  parseScoringRules,
  qualifiedStage,
  scoreLead,
  type LeadScore,
  type ScoringEvent,
  type ScoringRules,
} from '../../../functions/core/scoring/index.js';
import { DAY_MS, NOW } from './support.js';

const RUNS = { numRuns: 250 };
const PATHS = ['/pricing', '/pricing/', '/docs', '/docs/api/leads', '/blog/funnels', '/careers/open', 'https://x.example/pricing?x=1'];

const whenArb = fc.oneof(
  fc.record(
    { event: fc.constant('form_submitted' as const), formKind: fc.constantFrom('gated-content' as const, 'free-trial' as const) },
    { requiredKeys: ['event'] },
  ),
  fc.record({ event: fc.constant('page_viewed' as const), path: fc.constantFrom('/pricing', '/docs/**', '/blog/*', '/**') }),
  fc.record({ event: fc.constant('email_opened' as const) }),
  fc.record({ event: fc.constant('email_clicked' as const), sequenceId: fc.constantFrom('onboarding', 'nurture') }, { requiredKeys: ['event'] }),
);

const rulesArb = (minPoints: number): fc.Arbitrary<ScoringRules> =>
  fc
    .record({
      fitPoints: fc.array(fc.integer({ min: minPoints, max: 40 }), { minLength: 5, maxLength: 5 }),
      engagement: fc.array(
        fc.record(
          {
            points: fc.integer({ min: minPoints, max: 30 }),
            when: whenArb,
            cap: fc.integer({ min: 1, max: 60 }),
            halfLifeDays: fc.double({ min: 0.5, max: 120, noNaN: true }),
          },
          { requiredKeys: ['points', 'when'] },
        ),
        { maxLength: 8 },
      ),
      mql: fc.integer({ min: 0, max: 80 }),
      gap: fc.integer({ min: 0, max: 80 }),
      mqlFit: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      regression: fc.constantFrom('never' as const, 'to-lead-below-mql' as const),
    })
    .map((r) =>
      parseScoringRules({
        version: 'prop',
        fit: [
          { id: 'senior', label: 'Senior', points: r.fitPoints[0], when: { field: 'jobTitle', seniority: ['c-level', 'vp'] } },
          { id: 'size', label: 'Size', points: r.fitPoints[1], when: { field: 'companySize', in: ['51-200', '201-1000'] } },
          { id: 'business', label: 'Business', points: r.fitPoints[2], when: { field: 'email', domainType: ['business'] } },
          { id: 'country', label: 'Country', points: r.fitPoints[3], when: { field: 'country', in: ['US', 'DE'] } },
          { id: 'marketing', label: 'Marketing', points: r.fitPoints[4], when: { field: 'jobTitle', matches: 'market' } },
        ],
        engagement: r.engagement.map((e, i) => ({ id: `e${i}`, label: `E${i}`, ...e })),
        thresholds: { mql: { score: r.mql, ...(r.mqlFit !== undefined && { fit: r.mqlFit }) }, sql: { score: r.mql + r.gap } },
        regression: r.regression,
      }),
    );

const eventArb: fc.Arbitrary<Omit<ScoringEvent, 'id'>> = fc.record(
  {
    type: fc.constantFrom('form_submitted' as const, 'page_viewed' as const, 'email_opened' as const, 'email_clicked' as const),
    at: fc.integer({ min: -5 * DAY_MS, max: 400 * DAY_MS }).map((ago) => new Date(NOW.getTime() - ago).toISOString()),
    formKind: fc.constantFrom('gated-content', 'free-trial'),
    path: fc.constantFrom(...PATHS),
    sequenceId: fc.constantFrom('onboarding', 'nurture'),
  },
  { requiredKeys: ['type', 'at'] },
);

/** Unique ids, plus some exact duplicates (at-least-once delivery). */
const eventsArb = fc.tuple(fc.array(eventArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 })).map(([events, dupes]) => {
  const withIds = events.map((e, i) => ({ ...e, id: `ev-${i}` }));
  return withIds.length ? [...withIds, ...dupes.map((d) => ({ ...withIds[d % withIds.length]! }))] : withIds;
});

const profileArb = fc.record(
  {
    jobTitle: fc.constantFrom('CEO', 'VP Marketing', 'Director', 'Engineer', 'Marketing Manager', ''),
    companySize: fc.constantFrom('1-10', '51-200', '201-1000', '5001+'),
    country: fc.constantFrom('US', 'DE', 'FR'),
  },
  { requiredKeys: [] },
);
const emailArb = fc.constantFrom('jane@acme.com', 'jane@gmail.com', 'x@mailinator.com', 'jane@mail.yahoo.co.uk');
const nowArb = fc.integer({ min: -30 * DAY_MS, max: 30 * DAY_MS }).map((d) => new Date(NOW.getTime() + d));

const cents = (n: number) => Math.round(n * 100);
const RANK: Record<LifecycleStage, number> = { lead: 0, mql: 1, sql: 2 };
const shuffle = <T>(items: T[], seed: number): T[] => {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('Properties: scoreLead', () => {
  it('is never negative when every rule has non-negative points', () => {
    fc.assert(
      fc.property(rulesArb(0), profileArb, emailArb, eventsArb, nowArb, (rules, profile, email, events, now) => {
        const score = scoreLead({ profile, email, events, rules, now });
        expect(score.fit).toBeGreaterThanOrEqual(0);
        expect(score.engagement).toBeGreaterThanOrEqual(0);
        expect(score.total).toBeGreaterThanOrEqual(0);
        for (const item of score.breakdown) expect(item.points).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('decays monotonically: a later now never raises engagement (non-negative points)', () => {
    fc.assert(
      fc.property(rulesArb(0), eventsArb, nowArb, fc.integer({ min: 0, max: 400 * DAY_MS }), (rules, events, now, later) => {
        const before = scoreLead({ profile: {}, events, rules, now });
        const after = scoreLead({ profile: {}, events, rules, now: new Date(now.getTime() + later) });
        expect(after.engagement).toBeLessThanOrEqual(before.engagement);
      }),
      RUNS,
    );
  });

  it('is deterministic: same inputs, in any event order, give a deep-equal score', () => {
    fc.assert(
      fc.property(rulesArb(-30), profileArb, emailArb, eventsArb, nowArb, fc.nat(), (rules, profile, email, events, now, seed) => {
        const first = scoreLead({ profile, email, events, rules, now });
        expect(scoreLead({ profile: { ...profile }, email, events: structuredClone(events), rules, now: new Date(now.getTime()) })).toEqual(first);
        expect(scoreLead({ profile, email, events: shuffle(events, seed), rules, now })).toEqual(first);
      }),
      RUNS,
    );
  });

  it('explains every point: breakdown sums exactly (in cents) to fit, engagement and total', () => {
    const sum = (score: LeadScore, kind: 'fit' | 'engagement') => score.breakdown.filter((b) => b.kind === kind).reduce((acc, b) => acc + cents(b.points), 0);
    fc.assert(
      fc.property(rulesArb(-30), profileArb, emailArb, eventsArb, nowArb, (rules, profile, email, events, now) => {
        const score = scoreLead({ profile, email, events, rules, now });
        for (const b of score.breakdown) expect(cents(b.points) / 100).toBe(b.points); // at most 2 decimals
        expect(sum(score, 'fit')).toBe(cents(score.fit));
        expect(sum(score, 'engagement')).toBe(cents(score.engagement));
        expect(cents(score.fit) + cents(score.engagement)).toBe(cents(score.total));
        // and the naive float sum of the items, rounded to cents, is the total itself
        expect(Math.round(score.breakdown.reduce((acc, b) => acc + b.points, 0) * 100) / 100).toBe(score.total);
      }),
      RUNS,
    );
  });
});

describe('Properties: nextStage and nextDecayCheck', () => {
  it("only moves forward with regression 'never'", () => {
    const stageArb = fc.constantFrom<LifecycleStage>('lead', 'mql', 'sql');
    fc.assert(
      fc.property(rulesArb(-30), stageArb, fc.integer({ min: -200, max: 300 }), fc.integer({ min: -100, max: 100 }), (raw, current, total, fit) => {
        const rules = { ...raw, regression: 'never' as const };
        const next = nextStage(current, { total, fit }, rules);
        expect(RANK[next]).toBeGreaterThanOrEqual(RANK[current]);
        expect(RANK[next]).toBe(Math.max(RANK[current], RANK[qualifiedStage({ total, fit }, rules)]));
      }),
      RUNS,
    );
  });

  it('names a time at which the re-score qualifies for another stage than now', () => {
    fc.assert(
      fc.property(rulesArb(0), profileArb, emailArb, eventsArb, nowArb, (rules, profile, email, events, now) => {
        const score = scoreLead({ profile, email, events, rules, now });
        const at = nextDecayCheck(events, rules, now, score.fit);
        if (at === undefined) return;
        const then = scoreLead({ profile, email, events, rules, now: new Date(at) });
        const horizon = new Date(now.getTime() + 365 * DAY_MS).toISOString();
        if (at !== horizon) expect(qualifiedStage(then, rules)).not.toBe(qualifiedStage(score, rules));
        const justBefore = scoreLead({ profile, email, events, rules, now: new Date(Date.parse(at) - 1000) });
        expect(qualifiedStage(justBefore, rules)).toBe(qualifiedStage(score, rules));
      }),
      RUNS,
    );
  });
});
