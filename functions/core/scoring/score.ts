import type { LifecycleStage } from '../contracts.js';
import type { FieldName } from '../fields.js';
import { emailDomainType } from './domains.js';
import { pagePath } from './paths.js';

export { pagePath };
import { Regression, seniorityOf, type EngagementRule, type FitWhen, type ScoringRules } from './rules.js';

/**
 * Lead scoring as a pure function of (profile, email, events, rules, now): no clock, no randomness, no I/O.
 * Re-scoring is replaying the same events; the same inputs always give a deep-equal score.
 *
 * Semantics worth knowing:
 * - a fit rule fires at most once; an engagement rule fires once per matching event;
 * - events are de-duplicated by id (delivery is at-least-once) and read in (at, id) order; an event whose
 *   `at` is not a date is ignored; an event in the future counts as happening now (age 0);
 * - decay: each event's points × 0.5^(ageDays / halfLifeDays);
 * - cap: bounds the magnitude of the rule's current (decayed) sum, so it bounds negative rules too;
 * - every breakdown item is rounded to cents, and fit, engagement and total are summed from those rounded
 *   items in integer cents, so the explanation adds up exactly to the score.
 */

export const EventType = {
  FormSubmitted: 'form_submitted',
  PageViewed: 'page_viewed',
  EmailOpened: 'email_opened',
  EmailClicked: 'email_clicked',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Something a lead did, as scoring sees it. */
export interface ScoringEvent {
  id: string;
  type: EventType;
  /** ISO 8601 time of the event. */
  at: string;
  formId?: string;
  formKind?: string;
  /** For `page_viewed`: the page path (a full URL is accepted; query and fragment are ignored). */
  path?: string;
  sequenceId?: string;
}

export interface BreakdownItem {
  ruleId: string;
  label: string;
  kind: 'fit' | 'engagement';
  /** Points now (after decay and cap), rounded to 2 decimals. */
  points: number;
  /** Points before decay (cap applied), rounded to 2 decimals. */
  original: number;
  /** Engagement only: how many events fired the rule. */
  events?: number;
  /** Engagement only: present and true when the cap cut the current points. */
  capped?: boolean;
}

export interface LeadScore {
  fit: number;
  engagement: number;
  total: number;
  rulesVersion: string;
  computedAt: string;
  /** Every rule that fired, fit rules first, each in the order of the rules. */
  breakdown: BreakdownItem[];
}

export interface ScoreLeadInput {
  profile: Partial<Record<FieldName, string>>;
  /** The lead's address; falls back to `profile.email`. */
  email?: string;
  events: readonly ScoringEvent[];
  rules: ScoringRules;
  now: Date;
}

/** Lifecycle stages, in order. */
/** The lifecycle stages by name (the type is the API's {@link LifecycleStage}). */
export const Stage = { Lead: 'lead', Mql: 'mql', Sql: 'sql' } as const satisfies Record<string, LifecycleStage>;
const RANK: Record<LifecycleStage, number> = { lead: 0, mql: 1, sql: 2 };

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------------
// Rules compiled once per rules object (regular expressions, look-up sets, rules indexed by event type)

interface FitContext {
  value(field: FieldName): string | undefined;
}
interface CompiledEngagement {
  index: number;
  rule: EngagementRule;
  /** `path` is the event's normalised page path, computed once per event. */
  test(event: ScoringEvent, path: string | undefined): boolean;
}
interface Compiled {
  fit: { ruleId: string; label: string; points: number; test(ctx: FitContext): boolean }[];
  engagementByType: Map<string, CompiledEngagement[]>;
}

const compiledCache = new WeakMap<ScoringRules, Compiled>();

function compile(rules: ScoringRules): Compiled {
  const cached = compiledCache.get(rules);
  if (cached) return cached;
  const engagementByType = new Map<string, CompiledEngagement[]>();
  rules.engagement.forEach((rule, index) => {
    const list = engagementByType.get(rule.when.event) ?? [];
    list.push({ index, rule, test: compileEngagementWhen(rule.when) });
    engagementByType.set(rule.when.event, list);
  });
  const compiled: Compiled = {
    fit: rules.fit.map((r) => ({ ruleId: r.id, label: r.label, points: r.points, test: compileFitWhen(r.when) })),
    engagementByType,
  };
  compiledCache.set(rules, compiled);
  return compiled;
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * Numeric value of a field given as a string; undefined when it is not a number.
 * @example numeric(' 42 ') // 42
 */
function numeric(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

function compileFitWhen(when: FitWhen): (ctx: FitContext) => boolean {
  if ('seniority' in when) {
    const wanted = new Set<string>(when.seniority);
    return (ctx) => {
      const title = ctx.value('jobTitle');
      return !!title?.trim() && wanted.has(seniorityOf(title));
    };
  }
  if ('domainType' in when) {
    const wanted = new Set<string>(when.domainType);
    return (ctx) => {
      const email = ctx.value('email');
      const type = email === undefined ? undefined : emailDomainType(email);
      return type !== undefined && wanted.has(type);
    };
  }
  const { field } = when;
  if ('equals' in when) {
    const target = norm(when.equals);
    return (ctx) => {
      const v = ctx.value(field);
      return v !== undefined && norm(v) === target;
    };
  }
  if ('in' in when) {
    const set = new Set(when.in.map(norm));
    return (ctx) => {
      const v = ctx.value(field);
      return v !== undefined && set.has(norm(v));
    };
  }
  if ('matches' in when) {
    const re = new RegExp(when.matches, 'i');
    return (ctx) => {
      const v = ctx.value(field);
      return v !== undefined && re.test(v);
    };
  }
  const { min = -Infinity, max = Infinity } = when.range;
  return (ctx) => {
    const v = ctx.value(field);
    const n = v === undefined ? undefined : numeric(v);
    return n !== undefined && n >= min && n <= max;
  };
}

/**
 * A path pattern as an anchored regular expression: `*` within a segment, `**` across segments, a `/**`
 * segment also matches nothing (so `/docs/**` matches `/docs`). A trailing slash is ignored.
 * @example globToRegExp('/docs/**').test('/docs/api/leads') // true
 */
export function globToRegExp(pattern: string): RegExp {
  const p = pattern.length > 1 ? pattern.replace(/\/+$/, '') : pattern;
  let src = '';
  for (let i = 0; i < p.length; ) {
    if (p.startsWith('/**', i) && (i + 3 === p.length || p[i + 3] === '/')) {
      src += '(?:/.*)?';
      i += 3;
    } else if (p.startsWith('**', i)) {
      src += '.*';
      i += 2;
    } else if (p[i] === '*') {
      src += '[^/]*';
      i += 1;
    } else {
      src += p[i]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${src}$`);
}

function compileEngagementWhen(when: EngagementRule['when']): (event: ScoringEvent, path: string | undefined) => boolean {
  switch (when.event) {
    case 'form_submitted':
      return (e) => (when.formId === undefined || e.formId === when.formId) && (when.formKind === undefined || e.formKind === when.formKind);
    case 'page_viewed': {
      const re = globToRegExp(when.path);
      return (_e, path) => path !== undefined && re.test(path);
    }
    case 'email_opened':
      return () => true;
    case 'email_clicked':
      return (e) => when.sequenceId === undefined || e.sequenceId === when.sequenceId;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Engagement: match once, evaluate at any time

interface Matched {
  rule: EngagementRule;
  /** Event times (epoch ms), in (at, id) order. */
  times: number[];
}

/** De-duplicated by id, undated events dropped, sorted by (at, id). */
function orderedEvents(events: readonly ScoringEvent[]): { event: ScoringEvent; time: number }[] {
  const dated = events.map((event) => ({ event, time: Date.parse(event.at) })).filter((e) => !Number.isNaN(e.time));
  dated.sort((a, b) => a.time - b.time || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  const seen = new Set<string>();
  return dated.filter(({ event }) => {
    if (seen.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
}

function matchEngagement(events: readonly ScoringEvent[], rules: ScoringRules): Matched[] {
  const compiled = compile(rules);
  const times: (number[] | undefined)[] = new Array(rules.engagement.length);
  for (const { event, time } of orderedEvents(events)) {
    const candidates = compiled.engagementByType.get(event.type);
    if (!candidates) continue;
    const path = event.type === 'page_viewed' && event.path !== undefined ? pagePath(event.path) : undefined;
    for (const c of candidates) if (c.test(event, path)) (times[c.index] ??= []).push(time);
  }
  const matched: Matched[] = [];
  rules.engagement.forEach((rule, i) => {
    const t = times[i];
    if (t) matched.push({ rule, times: t });
  });
  return matched;
}

const toCents = (x: number) => Math.round(x * 100) + 0; // `+ 0` turns -0 into 0

interface EngagementValue {
  cents: number;
  originalCents: number;
  capped: boolean;
}

function evaluateRule({ rule, times }: Matched, nowMs: number): EngagementValue {
  const clamp = (x: number) => (rule.cap === undefined ? x : Math.max(-rule.cap, Math.min(rule.cap, x)));
  const original = rule.points * times.length;
  let current = original;
  if (rule.halfLifeDays !== undefined) {
    const halfLifeMs = rule.halfLifeDays * DAY_MS;
    current = 0;
    for (const t of times) current += rule.points * 0.5 ** (Math.max(0, nowMs - t) / halfLifeMs);
  }
  const bounded = clamp(current);
  return { cents: toCents(bounded), originalCents: toCents(clamp(original)), capped: bounded !== current };
}

function engagementCentsAt(matched: readonly Matched[], nowMs: number): number {
  let cents = 0;
  for (const m of matched) cents += evaluateRule(m, nowMs).cents;
  return cents;
}

function fitItems(input: ScoreLeadInput): BreakdownItem[] {
  const email = input.email ?? input.profile.email;
  const ctx: FitContext = { value: (field) => (field === 'email' ? email : input.profile[field]) };
  return compile(input.rules)
    .fit.filter((r) => r.test(ctx))
    .map((r) => ({ ruleId: r.ruleId, label: r.label, kind: 'fit', points: r.points, original: r.points }));
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/**
 * Score a lead and explain every point.
 * @example
 * const rules = parseScoringRules(DEMO_RULES);
 * scoreLead({ profile: { jobTitle: 'VP Marketing' }, email: 'jane@acme.com', events: [], rules, now: new Date() })
 * // { fit: 35, engagement: 0, total: 35, rulesVersion: '2026-11-01', breakdown: [{ ruleId: 'exec', points: 20, … }, …], … }
 */
export function scoreLead(input: ScoreLeadInput): LeadScore {
  const nowMs = input.now.getTime();
  const fit = fitItems(input);
  const engagement: BreakdownItem[] = matchEngagement(input.events, input.rules).map((m) => {
    const value = evaluateRule(m, nowMs);
    return {
      ruleId: m.rule.id,
      label: m.rule.label,
      kind: 'engagement',
      points: value.cents / 100,
      original: value.originalCents / 100,
      events: m.times.length,
      ...(value.capped && { capped: true }),
    };
  });
  const sumCents = (items: BreakdownItem[]) => items.reduce((acc, i) => acc + toCents(i.points), 0);
  const fitCents = sumCents(fit);
  const engagementCents = sumCents(engagement);
  return {
    fit: fitCents / 100,
    engagement: engagementCents / 100,
    total: (fitCents + engagementCents) / 100,
    rulesVersion: input.rules.version,
    computedAt: input.now.toISOString(),
    breakdown: [...fit, ...engagement],
  };
}

/**
 * The highest stage a score qualifies for. SQL needs the SQL thresholds *and* the MQL ones (an SQL is also
 * marketing-qualified), each threshold being a minimum total and, when set, a minimum fit.
 * @example qualifiedStage({ total: 85, fit: 30 }, rules) // 'sql' with the demo rules
 */
export function qualifiedStage(score: Pick<LeadScore, 'total' | 'fit'>, rules: ScoringRules): LifecycleStage {
  const meets = (t: { score: number; fit?: number | undefined }) => score.total >= t.score && (t.fit === undefined || score.fit >= t.fit);
  if (!meets(rules.thresholds.mql)) return Stage.Lead;
  return meets(rules.thresholds.sql) ? Stage.Sql : Stage.Mql;
}

/**
 * The stage after a (re-)score. Forward only (an SQL threshold reached takes a lead straight to `sql`),
 * unless `rules.regression` is `'to-lead-below-mql'`: then an `mql` or `sql` whose score no longer
 * qualifies for MQL goes back to `lead` (an `sql` between the two thresholds stays `sql`).
 * @example nextStage('lead', { ...score, total: 90, fit: 30 }, rules) // 'sql'
 */
export function nextStage(current: LifecycleStage, score: Pick<LeadScore, 'total' | 'fit'>, rules: ScoringRules): LifecycleStage {
  const qualified = qualifiedStage(score, rules);
  if (RANK[qualified] > RANK[current]) return qualified;
  if (rules.regression === Regression.ToLeadBelowMql && qualified === Stage.Lead) return Stage.Lead;
  return current;
}

/** How far ahead {@link nextDecayCheck} looks. */
export const DECAY_HORIZON_DAYS = 365;

/**
 * When to re-score a lead that does nothing, because decay (or a future-dated event) may change which stage
 * its score qualifies for. Rule:
 * 1. only engagement rules with a half-life matter; none matched → undefined;
 * 2. the qualified stage ({@link qualifiedStage}) is computed exactly as {@link scoreLead} would at a time t
 *    (same rounding), at now and then day by day up to {@link DECAY_HORIZON_DAYS} days ahead;
 * 3. at the first day where it differs from now, bisection narrows the change to the second, and that
 *    time (the first instant at which the re-score sees the change) is returned;
 * 4. no change within the horizon: the horizon itself when the stage would still change once all decay
 *    has run its course (so the caller checks again), otherwise undefined.
 * Pass the lead's current `fit` (`score.fit`) so the thresholds apply to the total; without it they apply
 * to the engagement alone and the fit minimums are treated as met. With rules of mixed signs a change that
 * reverts within the same day can be missed; with non-negative points the score only falls, so it cannot.
 * @example nextDecayCheck(events, rules, now, score.fit) // '2026-12-03T10:15:42.000Z'
 */
export function nextDecayCheck(events: readonly ScoringEvent[], rules: ScoringRules, now: Date, fit?: number): string | undefined {
  const matched = matchEngagement(events, rules);
  if (!matched.some((m) => m.rule.halfLifeDays !== undefined)) return undefined;
  const fitCents = toCents(fit ?? 0);
  const stageAt = (ms: number) => qualifiedStage({ total: (fitCents + engagementCentsAt(matched, ms)) / 100, fit: fit ?? Infinity }, rules);
  const start = now.getTime();
  const initial = stageAt(start);
  for (let day = 1; day <= DECAY_HORIZON_DAYS; day++) {
    let hi = start + day * DAY_MS;
    if (stageAt(hi) === initial) continue;
    let lo = hi - DAY_MS;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2);
      if (stageAt(mid) === initial) lo = mid;
      else hi = mid;
    }
    return new Date(hi).toISOString();
  }
  const horizon = start + DECAY_HORIZON_DAYS * DAY_MS;
  return stageAt(Number.MAX_SAFE_INTEGER) === stageAt(horizon) ? undefined : new Date(horizon).toISOString();
}
