import * as z from './zod.js';
import { CONTROL_CHARS, text } from './fields.js';
import type { Source } from './contracts.js';
import { pagePath } from './scoring/paths.js';
import { daysBefore, dueDay, nextDay } from './due.js';
import { ValidationError } from './errors.js';

/**
 * A form's numbers: impressions (the widget's beacon), submissions and new leads (the capture), MQLs,
 * SQLs (the stage changes) and hand-offs (a prospect's first delivery to sales: a claim, or a
 * `lead.qualified` webhook its endpoint took), the last three credited to the form, variant, UTM values,
 * referrer and page of the lead's first submission, per UTC day. Each is counted in a cell per dimension
 * value: the form's total, its variant, UTM campaign, source and medium, referrer (its host) and page path.
 * Impressions carry no medium or referrer (the beacon sends neither): they count as `(none)` there.
 * Nothing personal is in any cell.
 */
export const STAT_METRICS = ['impressions', 'submissions', 'leads', 'mql', 'sql', 'handoffs'] as const;
export type StatMetric = (typeof STAT_METRICS)[number];
export const STAT_DIMENSIONS = ['variant', 'campaign', 'source', 'medium', 'referrer', 'page'] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];
/** The value of a dimension an event did not have (no variant, no campaign). */
export const NONE = '(none)';
/** Where a day's values beyond {@link MAX_KEYS_PER_DAY} are counted. */
export const OTHER = '(other)';
/**
 * Distinct values a form keeps per day in each dimension anyone can invent (a page path, a UTM campaign
 * or source; a variant comes from the config): the first ones seen that day, then `(other)`. Invented
 * values cannot grow the table without bound, nor push the real pages out of a day's answer.
 */
export const MAX_KEYS_PER_DAY = 100;
export const BOUNDED_DIMENSIONS: readonly StatDimension[] = ['campaign', 'source', 'medium', 'referrer', 'page'];

/** Where an event came from: the form and, each when known, its variant, campaign, source and page path. */
export interface Attribution {
  formId: string;
  variant?: string | undefined;
  campaign?: string | undefined;
  source?: string | undefined;
  medium?: string | undefined;
  /** The referring page's host (`news.ycombinator.com`), without `www.`. */
  referrer?: string | undefined;
  page?: string | undefined;
}

/** Dimensions an impression never has (the beacon sends no medium or referrer): its cells there would only ever say `(none)`. */
const NOT_ON_IMPRESSIONS: readonly StatDimension[] = ['medium', 'referrer'];

/**
 * The cells one event increments: the form's total (`all`), then one per dimension; an impression skips
 * the dimensions it never has (5 writes, not 7).
 */
export function cellsOf(a: Attribution, add: Partial<Record<StatMetric, number>> = {}): { dimension: 'all' | StatDimension; value: string }[] {
  const impressionOnly = Object.keys(add).every((m) => m === 'impressions');
  const dimensions = impressionOnly && add.impressions ? STAT_DIMENSIONS.filter((d) => !NOT_ON_IMPRESSIONS.includes(d)) : STAT_DIMENSIONS;
  return [{ dimension: 'all', value: NONE }, ...dimensions.map((dimension) => ({ dimension, value: a[dimension] || NONE }))];
}

/** Add `more` into `into`, metric by metric (missing counts are 0); returns `into`. */
export function addCounts(into: Partial<Record<string, number>>, more: Partial<Record<string, number>>): Partial<Record<string, number>> {
  for (const [m, n] of Object.entries(more)) if (typeof n === 'number' && n) into[m] = (into[m] ?? 0) + n;
  return into;
}

/** A lead's first source as an attribution: the submission that created it. */
export const attributionOf = (s: Pick<Source, 'formId' | 'variant' | 'utm' | 'pageUrl' | 'referrer'>): Attribution => ({
  formId: s.formId,
  variant: s.variant,
  campaign: s.utm?.campaign,
  source: s.utm?.source,
  medium: s.utm?.medium,
  referrer: referrerHost(s.referrer),
  page: s.pageUrl ? (pagePath(s.pageUrl) ?? '/') : undefined,
});

/** The host of a referring URL, without `www.`; nothing for a missing or malformed one. */
export function referrerHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

/** One row of `GET /v1/forms/{formId}/stats`. */
export interface StatRow extends Record<StatMetric, number> {
  day: string;
  /** The dimension's value (absent without `by`). */
  key?: string;
  /** submissions ÷ impressions, 0 without impressions. */
  conversionRate: number;
}

const PagePath = z
  .string()
  .check(z.regex(/^\/[^\s?#]{0,199}$/, 'must be a page path (no query), at most 200 characters'))
  .check(z.refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters'));

/** The body of `POST /v1/impressions`: forms shown on one page view, sent by the widget's beacon. */
export const ImpressionsBody = z.strictObject({
  impressions: z
    .array(
      z.strictObject({
        formId: z.string().check(z.maxLength(63)),
        variant: z.optional(z.string().check(z.maxLength(20))),
        page: z.optional(PagePath),
        campaign: z.optional(text(200)),
        source: z.optional(text(200)),
        /** The definition's `proof`: an impression without a valid one is answered alike and not counted. */
        proof: z.optional(z.string().check(z.maxLength(64))),
      }),
    )
    .check(z.minLength(1))
    .check(z.maxLength(20)),
});

/**
 * A calendar day, `YYYY-MM-DD`, that exists (2026-02-31 does not), from 2000 to 2999: a range's default
 * start (29 days before `to`) and every day in between stay four-digit years (`0000-01-01` would reach
 * back into year -1).
 */
const Day = z
  .string()
  .check(
    z.refine(
      (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(Date.parse(`${d}T00:00:00Z`) || 0).toISOString().startsWith(d) && d >= '2000-01-01' && d <= '2999-12-31',
      'must be a date from 2000-01-01 to 2999-12-31, such as 2026-12-01',
    ),
  );

/** The query of `GET /v1/forms/{formId}/stats`. */
export const StatsQuery = z.object({
  from: z.optional(Day),
  to: z.optional(Day),
  by: z.optional(z.enum(STAT_DIMENSIONS, { error: `must be one of ${STAT_DIMENSIONS.join(', ')}` })),
});

/** The query of a form's console page: a range of UTC days and the breakdown (`page` by default). */
export const FormReportQuery = z.object({
  ...StatsQuery.shape,
  by: z._default(z.enum(BOUNDED_DIMENSIONS as ['page'], { error: `must be one of ${BOUNDED_DIMENSIONS.join(', ')}` }), 'page'),
});

/** The console overview's breakdowns: by form, or by any dimension the form counters keep. */
export const BREAKDOWNS = ['form', ...STAT_DIMENSIONS] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export const OverviewQuery = z.object({
  site: z.optional(z.string()),
  from: z.optional(Day),
  to: z.optional(Day),
  by: z._default(z.enum(BREAKDOWNS, { error: `must be one of ${BREAKDOWNS.join(', ')}` }), 'form'),
});

/** Longest range one request reads. */
export const MAX_STAT_DAYS = 366;

/**
 * A range of UTC days as a report asks for it: `to` defaults to today, `from` to 29 days before `to`; each
 * day of it, oldest first. `from` after `to`, or a range over {@link MAX_STAT_DAYS}, is `query.from`'s problem.
 * @example statRange(new Date('2026-12-07T10:00:00Z'), {}).days.length // 30 (2026-11-08 to 2026-12-07)
 * @throws ValidationError
 */
export function statRange(now: Date, query: { from?: string | undefined; to?: string | undefined }): { from: string; to: string; days: string[] } {
  const to = query.to ?? dueDay(now.toISOString());
  const from = query.from ?? daysBefore(new Date(`${to}T00:00:00Z`), 29);
  const count = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (!(count >= 1)) throw new ValidationError({ 'query.from': 'must be on or before `to`' });
  if (count > MAX_STAT_DAYS) throw new ValidationError({ 'query.from': `must be at most ${MAX_STAT_DAYS} days before \`to\`` });
  const days = [from];
  while (days.length < count) days.push(nextDay(days.at(-1)!));
  return { from, to, days };
}
