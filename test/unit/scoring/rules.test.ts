import { describe, expect, it } from 'vitest';
import { REALISTIC_30_RULES } from '../../../bench/fixtures.js';
import { InvalidScoringRulesError, parseScoringRules, type ScoringRulesInput } from '../../../functions/core/scoring/index.js';
import { DEMO_RULES } from './support.js';

const base = (): ScoringRulesInput => ({
  version: 'v1',
  fit: [{ id: 'vp', label: 'VP', points: 10, when: { field: 'jobTitle', seniority: ['vp'] } }],
  engagement: [{ id: 'pricing', label: 'Pricing', points: 5, when: { event: 'page_viewed', path: '/pricing' } }],
  thresholds: { mql: { score: 20 }, sql: { score: 50 } },
});

const problemsOf = (raw: unknown): string[] => {
  try {
    parseScoringRules(raw);
  } catch (error) {
    if (error instanceof InvalidScoringRulesError) return [...error.problems];
    throw error;
  }
  return [];
};

const withFitWhen = (when: unknown) => {
  const raw = base() as Record<string, unknown>;
  raw.fit = [base().fit![0], { id: 'other', label: 'Other', points: 1, when: { field: 'company', equals: 'x' } }, { id: 'bad', label: 'Bad', points: 1, when }];
  return raw;
};

describe('Function: parseScoringRules', () => {
  it('accepts the demo rules and the 30 benchmark rules, with defaults', () => {
    // Act
    const demo = parseScoringRules(DEMO_RULES);
    const bench = parseScoringRules(REALISTIC_30_RULES);
    // Assess
    expect(demo.regression).toBe('never');
    expect(demo.fit.length + demo.engagement.length).toBe(12);
    expect(bench.fit.length + bench.engagement.length).toBe(30);
    expect(parseScoringRules({ version: 'v', thresholds: { mql: { score: 1 }, sql: { score: 1 } } })).toMatchObject({
      fit: [],
      engagement: [],
      regression: 'never',
    });
  });

  it('names the path of an invalid regular expression', () => {
    expect(problemsOf(withFitWhen({ field: 'jobTitle', matches: '(unclosed' }))).toEqual(['fit[2].when.matches: invalid regular expression']);
  });

  it('rejects sql below mql at thresholds.sql.score', () => {
    const raw = { ...base(), thresholds: { mql: { score: 50 }, sql: { score: 40 } } };
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^thresholds\.sql\.score: must be at least/)]);
  });

  it('rejects unknown keys, at the root, in a rule and in a when', () => {
    expect(problemsOf({ ...base(), colour: 'red' })).toEqual(['(root): Unrecognized key: "colour"']);
    expect(problemsOf(withFitWhen({ field: 'company', equals: 'x', caseSensitive: true }))).toEqual(['fit[2].when: Unrecognized key: "caseSensitive"']);
    const raw = base();
    (raw.engagement![0] as Record<string, unknown>).weight = 2;
    expect(problemsOf(raw)).toEqual(['engagement[0]: Unrecognized key: "weight"']);
  });

  it('rejects a duplicate rule id, across fit and engagement, at the second one', () => {
    const raw = base();
    raw.engagement![0]!.id = 'vp';
    expect(problemsOf(raw)).toEqual(['engagement[0].id: duplicate rule id "vp" (also fit[0])']);
  });

  it.each([
    [{ field: 'jobTitle', seniority: ['boss'] }, /^fit\[2\]\.when\.seniority\[0\]: /],
    [{ field: 'company', seniority: ['vp'] }, /^fit\[2\]\.when\.field: /],
    [{ field: 'email', domainType: ['corporate'] }, /^fit\[2\]\.when\.domainType\[0\]: /],
    [{ field: 'companySize', in: ['10-20'] }, /^fit\[2\]\.when\.in\[0\]: must be a company size band/],
    [{ field: 'shoeSize', equals: '42' }, /^fit\[2\]\.when\.field: /],
    [{ field: 'phone', range: {} }, /^fit\[2\]\.when\.range: must have min, max or both/],
    [{ field: 'phone', range: { min: 5, max: 1 } }, /^fit\[2\]\.when\.range\.min: min must not exceed max/],
    [{ field: 'company', equals: 'x', matches: 'y' }, /^fit\[2\]\.when: must have exactly one of/],
    [{ field: 'company' }, /^fit\[2\]\.when: must have exactly one of/],
  ])('names the path of a bad fit condition %j', (when, expected) => {
    expect(problemsOf(withFitWhen(when))).toEqual([expect.stringMatching(expected)]);
  });

  it.each([
    [{ event: 'page_viewed', path: 'pricing' }, /^engagement\[0\]\.when\.path: must be a path/],
    [{ event: 'page_clicked' }, /^engagement\[0\]\.when\.event: /],
    [{ event: 'form_submitted', formKind: 'webinar' }, /^engagement\[0\]\.when\.formKind: /],
    [{ event: 'email_opened', sequenceId: 'x' }, /^engagement\[0\]\.when: Unrecognized key/],
  ])('names the path of a bad engagement condition %j', (when, expected) => {
    const raw = base();
    (raw.engagement![0] as Record<string, unknown>).when = when;
    expect(problemsOf(raw)).toEqual([expect.stringMatching(expected)]);
  });

  it('rejects fractional points, a zero cap and a zero half-life', () => {
    const raw = base();
    Object.assign(raw.engagement![0]!, { points: 1.5, cap: 0, halfLifeDays: 0 });
    expect(problemsOf(raw).map((p) => p.split(':')[0])).toEqual(['engagement[0].points', 'engagement[0].cap', 'engagement[0].halfLifeDays']);
  });

  it('throws an Error whose message lists the problems', () => {
    expect(() => parseScoringRules(withFitWhen({ field: 'jobTitle', matches: '[' }))).toThrow(
      /Invalid scoring rules:\n {2}- fit\[2\]\.when\.matches: invalid regular expression/,
    );
  });
});
