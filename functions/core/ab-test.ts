/**
 * A/B statistics that do not lie: a conversion rate with its 95% interval, the difference against the
 * control with its interval, a test for two proportions, and no verdict before the planned sample.
 * The method, with a worked example, is in docs/console.md; test/unit/ab-test.test.ts checks it against
 * Newcombe's published tables and against jStat's and stdlib's results.
 */

/** The two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;
/** The one-sided 80% power quantile. */
const Z80 = 0.8416212335729143;

export const AB_TEST = {
  /** The false-positive rate a verdict allows, shared among the variants compared with the control (Bonferroni). */
  alpha: 0.05,
  /** The smallest relative uplift the planned sample is sized to detect, with 80% power. */
  detectableUplift: 0.2,
  /** Below this, a variant's numbers are too few for the normal approximation whatever the plan: no verdict. */
  minImpressions: 100,
  minSubmissions: 5,
} as const;

/**
 * The standard normal distribution function, by Abramowitz and Stegun's 26.2.17 (absolute error under
 * 7.5e-8: far below what a rate shown to a tenth of a percent needs).
 * @example normalCdf(1.959963984540054) // 0.975
 */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail = density * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson's score interval for a proportion: right near 0% and with few trials, where the textbook
 * `p ± 1.96·√(p(1−p)/n)` gives intervals below zero or of no width. Newcombe (1998), method 3.
 * @example wilsonInterval(1, 29) // { low: 0.0061, high: 0.1718 } (to four places)
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * The interval of a difference of two proportions (`b − a`), from each one's Wilson interval: Newcombe's
 * hybrid score interval (1998, method 10), good where the simple one fails (small counts, rates near 0).
 * @example differenceInterval({ successes: 48, trials: 80 }, { successes: 56, trials: 70 }) // { low: 0.0524, high: 0.3339 }
 */
export function differenceInterval(a: { successes: number; trials: number }, b: { successes: number; trials: number }, z = Z95): Interval {
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const wa = wilsonInterval(a.successes, a.trials, z);
  const wb = wilsonInterval(b.successes, b.trials, z);
  const d = pb - pa;
  return {
    low: d - Math.sqrt((pb - wb.low) ** 2 + (wa.high - pa) ** 2),
    high: d + Math.sqrt((wb.high - pb) ** 2 + (pa - wa.low) ** 2),
  };
}

/**
 * The two-sided test of two proportions with a pooled variance (the same p-value as Pearson's chi-square
 * test of the 2×2 table without continuity correction).
 * @example twoProportionTest({ successes: 48, trials: 80 }, { successes: 56, trials: 70 }).pValue // 0.0080
 */
export function twoProportionTest(a: { successes: number; trials: number }, b: { successes: number; trials: number }): { z: number; pValue: number } {
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (b.successes / b.trials - a.successes / a.trials) / se;
  return { z, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/**
 * How many impressions each variant needs before a verdict: enough to detect a relative uplift of
 * `uplift` over `baseRate` with 80% power at `alpha` (two-sided), the classic fixed-horizon size.
 * Deciding at this sample, not whenever the numbers look good, is what keeps the false-positive rate at
 * `alpha`: checking daily and stopping at the first p < 0.05 makes a "winner" of pure noise far more often.
 * @example plannedSample(0.05, 0.2, 0.05) // 8158
 */
export function plannedSample(baseRate: number, uplift: number = AB_TEST.detectableUplift, alpha: number = AB_TEST.alpha): number {
  const p1 = Math.min(Math.max(baseRate, 0.001), 0.999);
  const p2 = Math.min(p1 * (1 + uplift), 0.999);
  const zAlpha = normalQuantile(1 - alpha / 2);
  const mean = (p1 + p2) / 2;
  const n = (zAlpha * Math.sqrt(2 * mean * (1 - mean)) + Z80 * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}

/** The normal quantile, by bisection on {@link normalCdf} (a few dozen steps; called once per comparison). */
export function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

export type Verdict = 'control' | 'collecting' | 'better' | 'worse' | 'no clear difference';

export interface VariantResult {
  variant: string;
  impressions: number;
  submissions: number;
  /** Submissions per impression. */
  rate: number;
  /** The rate's 95% interval (Wilson). */
  interval: Interval;
  /**
   * Against the control (absent for the control): the relative uplift, the difference's interval (95%
   * with one variant against the control; wider with more, at the Bonferroni-shared level), the p-value.
   */
  vsControl?: { uplift: number; difference: Interval; pValue: number };
  verdict: Verdict;
}

export interface AbResult {
  control: string;
  /** Impressions each variant needs before a verdict (sized on the control's rate). */
  plannedSample: number;
  /** The p-value below which a variant differs: `alpha` shared among the comparisons. */
  threshold: number;
  variants: VariantResult[];
}

/**
 * Compare each variant with the control. A variant gets a verdict only once it and the control both reach
 * the planned sample (and the minimum the approximation needs); before that it is `collecting`, its
 * interval shown but no winner named, however good it looks.
 * @example compareVariants([{ variant: 'a', impressions: 9000, submissions: 450 }, { variant: 'b', impressions: 9000, submissions: 560 }], 'a').variants[1].verdict // 'better'
 */
export function compareVariants(arms: readonly { variant: string; impressions: number; submissions: number }[], control: string): AbResult {
  const base = arms.find((a) => a.variant === control) ?? arms[0]!;
  const baseRate = base.impressions ? base.submissions / base.impressions : 0;
  const comparisons = Math.max(1, arms.length - 1);
  const threshold = AB_TEST.alpha / comparisons;
  const planned = Math.max(AB_TEST.minImpressions, plannedSample(baseRate, AB_TEST.detectableUplift, threshold));
  const enough = (a: { impressions: number; submissions: number }) =>
    a.impressions >= planned && a.submissions >= AB_TEST.minSubmissions && a.impressions - a.submissions >= AB_TEST.minSubmissions;
  const variants = arms.map((arm): VariantResult => {
    const rate = arm.impressions ? arm.submissions / arm.impressions : 0;
    const result: VariantResult = {
      variant: arm.variant,
      impressions: arm.impressions,
      submissions: arm.submissions,
      rate,
      interval: wilsonInterval(arm.submissions, arm.impressions),
      verdict: 'control',
    };
    if (arm.variant === base.variant) return result;
    if (!arm.impressions || !base.impressions) return { ...result, verdict: 'collecting' };
    const a = { successes: base.submissions, trials: base.impressions };
    const b = { successes: arm.submissions, trials: arm.impressions };
    const { pValue } = twoProportionTest(a, b);
    // At the verdict's own level, so the interval excludes 0 exactly when the test calls a difference.
    const difference = differenceInterval(a, b, normalQuantile(1 - threshold / 2));
    const vsControl = { uplift: baseRate ? rate / baseRate - 1 : 0, difference, pValue };
    const verdict: Verdict = !enough(arm) || !enough(base) ? 'collecting' : pValue >= threshold ? 'no clear difference' : rate > baseRate ? 'better' : 'worse';
    return { ...result, vsControl, verdict };
  });
  return { control: base.variant, plannedSample: planned, threshold, variants };
}
