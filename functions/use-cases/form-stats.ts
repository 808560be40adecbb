import { fieldErrors } from '../core/field-errors.js';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError, ValidationError, InvalidVisitorTokenError } from '../core/errors.js';
import type { ApiKey, LeadRef, SubmissionCount } from '../core/ports.js';
import { clientKeyOf, prefixKeyOf } from '../core/rate-limit.js';
import {
  ImpressionsBody,
  STAT_METRICS,
  statRange,
  type StatDimension,
  type StatMetric,
  type StatRow,
  type StatsQuery,
  addCounts,
  attributionOf,
} from '../core/stats.js';
import { pagePath } from '../core/scoring/paths.js';
import * as z from '../core/zod.js';
import { declaredFields } from '../core/presentation.js';
import { dueDay } from '../core/due.js';
import { mayRead } from './access.js';
import type { CaptureDeps, Deps } from './deps.js';

/**
 * Impression beacons per client address a minute, per environment (no write per beacon: the counters are
 * the writes). A page view sends one: 300 lets a whole office behind one address read the blog, and bounds
 * what one address can add to a form's impressions.
 */
export const IMPRESSION_BEACONS_PER_MINUTE = 300;

/** New page, campaign and source values one network prefix may bring into a form's day (of its 100 per dimension). */
export const NEW_KEYS_PER_PREFIX = 10;

/** Most keys one answer lists (`by=page` on a busy blog): the busiest, and `truncated` says some were left out. */
export const MAX_STAT_KEYS = 200;

/**
 * Count the forms one page view showed (`POST /v1/impressions`, the widget's beacon).
 * 1. validate (4xx naming the field): known forms, a page path, short UTM values; a variant the form no
 *    longer has counts as none
 * 2. the Origin must be sent and allowed by each form's site → 403
 * 3. a client address sends at most {@link IMPRESSION_BEACONS_PER_MINUTE} beacons a minute → 429
 * 4. each form named once (a page view shows a form once), then counted only
 *    - with the proof its definition was served with (for that form and variant, under two hours old),
 *    - under the site's ceilings a minute, shared by every environment: per form from one network prefix
 *      (an IPv4 /24, an IPv6 /48), and per form from everyone;
 *    in one impression for today (UTC), its page, campaign and source among the day's bounded keys.
 * An impression that does not count is answered alike (204): a forger learns nothing of which did.
 */
export async function recordImpressions(
  deps: Pick<CaptureDeps, 'config' | 'clock' | 'stats' | 'eventRateLimiter' | 'rateLimiter' | 'impressionProofs'>,
  input: { body: unknown; origin?: string; clientIp: string },
): Promise<void> {
  const parsed = ImpressionsBody.safeParse(input.body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const found = parsed.data.impressions.map((imp, i) => {
    const form = deps.config.findForm(imp.formId);
    if (!form) throw new ValidationError({ [`impressions[${i}].formId`]: `no form "${imp.formId}"` });
    // Browsers always send Origin with a beacon: a request without one is no page's.
    if (!form.site.allowedOrigins.includes(input.origin ?? '')) throw new OriginNotAllowedError(input.origin ?? '(none)');
    return { imp, site: form.site, form: form.form };
  });
  const limit = await deps.eventRateLimiter.hit(`impressions:${clientKeyOf(input.clientIp)}`, IMPRESSION_BEACONS_PER_MINUTE, 60);
  if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);
  const now = deps.clock.now();
  const day = dueDay(now.toISOString());
  const prefix = prefixKeyOf(input.clientIp);
  const once = found.filter(({ imp }, i) => found.findIndex((f) => f.imp.formId === imp.formId) === i);
  await Promise.all(
    once.map(async ({ imp, site, form }) => {
      const { proof, ...attribution } = imp;
      if (!proof || !(await deps.impressionProofs.verify(proof, site.id, imp.formId, imp.variant, now))) return;
      // The prefix first: what one party sends beyond its share does not use up the form's ceiling.
      const ceilings = site.rateLimit.impressions;
      if (!(await deps.rateLimiter.hit(`impressions#${site.id}#${imp.formId}#${prefix}`, ceilings.perPrefix, 60)).allowed) return;
      if (!(await deps.rateLimiter.hit(`impressions#${site.id}#${imp.formId}`, ceilings.perForm, 60)).allowed) return;
      // A variant the config no longer has (a page open since before the test ended) counts as none.
      const variant = form.variants?.some((v) => v.id === imp.variant) ? imp.variant : undefined;
      // The path as submissions and page views count it: `/pricing/` is `/pricing`. A prefix brings at most
      // NEW_KEYS_PER_PREFIX new pages, campaigns and sources a day: one party cannot take the day's keys.
      const mayAdmit = async () => (await deps.rateLimiter.hit(`impression-keys#${site.id}#${imp.formId}#${prefix}`, NEW_KEYS_PER_PREFIX, 86_400)).allowed;
      await deps.stats.count(site.id, { ...attribution, variant, ...(imp.page && { page: pagePath(imp.page) }) }, day, { impressions: 1 }, { mayAdmit });
    }),
  );
}

/**
 * Count a stored submission in its form's numbers (a submission, and a new lead if it made one), on the
 * day it was stored. Called by the table stream's consumer for each submission inserted, off the visitor's
 * request. Counted at most once: the submission is marked first (a record the stream delivers again finds
 * the mark), then its cells are added. A consumer that dies between the two, or a counter write refused,
 * loses that one count; nothing is ever counted twice, and counting never holds up the stream.
 */
export async function countSubmission(deps: Pick<Deps, 'leads' | 'stats' | 'clock'>, ref: LeadRef, s: SubmissionCount): Promise<void> {
  if (!(await deps.leads.markCounted(ref, s.submissionId, deps.clock.now().toISOString()))) return;
  await deps.stats.count(ref.siteId, attributionOf(s.source), dueDay(s.at), { submissions: 1, leads: s.newLead ? 1 : 0 });
}

/**
 * A form's numbers per day, optionally by variant, campaign, source, medium, referrer or page (`GET /v1/forms/{formId}/stats`).
 * Days are UTC; `from` defaults to 29 days before `to`, `to` to today; at most {@link MAX_STAT_DAYS} days.
 * A form of a site the key may not read is answered like a missing one.
 * @throws UnknownFormError | ValidationError
 */
export async function readFormStats(
  deps: Pick<CaptureDeps, 'config' | 'clock' | 'stats'>,
  key: ApiKey,
  formId: string,
  query: z.infer<typeof StatsQuery>,
): Promise<{ formId: string; from: string; to: string; by?: StatDimension; rows: StatRow[]; totals: StatRow[]; truncated?: true }> {
  const found = deps.config.findForm(formId);
  if (!found || !mayRead(key, found.site.id)) throw new UnknownFormError(formId);
  const range = statRange(deps.clock.now(), query);
  const { from, to } = range;
  const cells = await deps.stats.read(found.site.id, formId, query.by ?? 'all', from, to);
  const row = (day: string, key: string | undefined, counts: Partial<Record<string, number>>): StatRow => {
    const r = Object.fromEntries(STAT_METRICS.map((m) => [m, counts[m] ?? 0])) as Record<StatMetric, number>;
    return { day, ...(key !== undefined && { key }), ...r, conversionRate: r.impressions ? Math.round((r.submissions / r.impressions) * 10_000) / 10_000 : 0 };
  };
  const byKey = new Map<string, Partial<Record<string, number>>>();
  for (const c of cells) {
    byKey.set(c.value, addCounts(byKey.get(c.value) ?? {}, c.counts));
  }
  const keyOf = (value: string) => (query.by ? value : undefined);
  // The keys with most impressions and submissions over the range: a page path or campaign nobody controls
  // cannot make the answer unbounded.
  const weight = (v: string) => (byKey.get(v)!.impressions ?? 0) + (byKey.get(v)!.submissions ?? 0);
  const top = new Set([...byKey.keys()].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b)).slice(0, MAX_STAT_KEYS));
  return {
    formId,
    from,
    to,
    ...(query.by && { by: query.by }),
    ...(top.size < byKey.size && { truncated: true as const }),
    rows: cells
      .filter((c) => top.has(c.value))
      .sort((a, b) => a.day.localeCompare(b.day) || a.value.localeCompare(b.value))
      .map((c) => row(c.day, keyOf(c.value), c.counts)),
    totals: [...byKey.entries()]
      .filter(([value]) => top.has(value))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([value, counts]) => row(`${from}/${to}`, keyOf(value), counts)),
  };
}

const KnownBody = z.strictObject({ visitorToken: z.string().check(z.minLength(1)).check(z.maxLength(512)) });

/**
 * Progressive profiling (`POST /v1/forms/{formId}/known`): which of the fields this form may ask the
 * browser holding a visitor token has given: names only, never values, and only what that browser itself
 * gave (the token carries them). Typing someone's address gets a browser nothing the lead gave elsewhere,
 * and a caught bot's token answers just as a lead's: no read of the lead at all.
 * @throws UnknownFormError | ValidationError | InvalidVisitorTokenError (401) | RateLimitedError
 */
export async function knownFields(
  deps: Pick<CaptureDeps, 'config' | 'visitorTokens' | 'eventRateLimiter'>,
  formId: string,
  body: unknown,
): Promise<{ known: string[] }> {
  const found = deps.config.findForm(formId);
  if (!found) throw new UnknownFormError(formId);
  const parsed = KnownBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const visitor = await deps.visitorTokens.verify(parsed.data.visitorToken);
  if (!visitor || visitor.siteId !== found.site.id) throw new InvalidVisitorTokenError();
  const limit = await deps.eventRateLimiter.hit(`known:${visitor.leadId}`, 60, 60);
  if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);
  const { form } = found;
  const askable = new Set<string>([...declaredFields(form).map((f) => f.name), ...(form.profiling?.fields ?? [])]);
  return { known: visitor.fields.filter((name) => askable.has(name)) };
}
