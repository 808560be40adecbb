/**
 * Send windows, delays and time zones: pure date arithmetic on `Intl.DateTimeFormat` (the project has no
 * date library and needs none for this). Every function takes instants (`Date`) and an IANA time zone and
 * works on the wall-clock time of that zone, so daylight-saving changes are handled where they happen:
 *
 * - A wall time that does not exist (the spring-forward gap, e.g. 02:30 in Berlin on the last Sunday of
 *   March) moves forward by the length of the gap (→ 03:30), like `Temporal`'s `'compatible'` choice.
 * - A wall time that exists twice (the fall-back overlap) means its first occurrence.
 */

/** Days of the week as the config spells them, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When a step may be sent, in local time: on these days, from `hours.from`:00 to `hours.to`:00 (exclusive). */
export interface Window {
  readonly days: readonly Weekday[];
  readonly hours: { readonly from: number; readonly to: number };
}

/** A wait between two steps. `days` are calendar days in the time zone (same wall-clock time, across DST); hours and minutes are elapsed time. */
export interface Delay {
  readonly days?: number | undefined;
  readonly hours?: number | undefined;
  readonly minutes?: number | undefined;
}

/** The wall-clock reading of an instant in a zone. `weekday` is 0 for Monday … 6 for Sunday. */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  readonly weekday: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// Building a formatter costs far more than using one: one per zone per process.
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/**
 * Whether `Intl` knows this IANA time zone name (`UTC` and `Etc/…` included; numeric offsets such as
 * `+01:00` are refused: they have no daylight-saving rules and are rarely what a user means).
 * @example isValidTimeZone('Europe/Berlin') // true
 * @example isValidTimeZone('Europe/Berlim') // false
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The canonical spelling of a valid zone (`europe/berlin` → `Europe/Berlin`).
 * @throws RangeError for an unknown zone
 */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
}

/**
 * The zone a lead's emails are scheduled in: the lead's own when it is known and valid, else the site's.
 * @example effectiveTimeZone(undefined, 'Europe/Berlin') // 'Europe/Berlin'
 */
export function effectiveTimeZone(leadTimeZone: string | undefined, siteTimeZone: string): string {
  return leadTimeZone && isValidTimeZone(leadTimeZone) ? leadTimeZone : siteTimeZone;
}

/** Monday = 0 … Sunday = 6 for a civil date (proleptic Gregorian). */
const weekdayOf = (year: number, month: number, day: number): number => (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;

/**
 * The wall-clock reading of `instant` in `timeZone`.
 * @example localTime(new Date('2026-03-29T01:30:00Z'), 'Europe/Berlin') // { hour: 3, minute: 30, weekday: 6, … } (CEST)
 */
export function localTime(instant: Date, timeZone: string): LocalTime {
  const ms = instant.getTime();
  const formatter = formatterFor(timeZone);
  // `format` and a regular expression take half the time of `formatToParts` (this runs in every decision).
  const m = FORMATTED.exec(formatter.format(ms));
  const part: Record<string, number | undefined> = {};
  if (m) [part.month, part.day, part.year, part.hour, part.minute, part.second] = m.slice(1).map(Number);
  else for (const { type, value } of formatter.formatToParts(ms)) if (type !== 'literal') part[type] = Number(value);
  const year = part.year ?? 0;
  const month = part.month ?? 1;
  const day = part.day ?? 1;
  return {
    year,
    month,
    day,
    hour: part.hour ?? 0,
    minute: part.minute ?? 0,
    second: part.second ?? 0,
    millisecond: ((ms % 1000) + 1000) % 1000,
    weekday: weekdayOf(year, month, day),
  };
}
/** What the en-US formatter prints: `11/23/2026, 09:00:00`. */
const FORMATTED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/;

/** The zone's offset from UTC at `ms`, in milliseconds (positive east of Greenwich). */
const offsetAt = (ms: number, timeZone: string): number => {
  const t = localTime(new Date(ms), timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
  return wall - ms;
};

/** A civil date-time (month 1–12; out-of-range values roll over like `Date.UTC`). */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
  readonly millisecond?: number;
}

/**
 * The instant at which the clocks in `timeZone` read `wall`. In a fall-back overlap the first (earlier)
 * occurrence is taken. In a spring-forward gap, `gap: 'forward'` (the default, like `Temporal`'s
 * `'compatible'`) moves the time forward by the gap's length; `gap: 'transition'` gives the instant of
 * the change itself — the first instant whose clock reads `wall` or later, which is what a window boundary
 * means.
 * @example instantAt({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin') // 2026-03-29T01:30:00Z (03:30 CEST)
 * @example instantAt({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin', { gap: 'transition' }) // 2026-03-29T01:00:00Z (03:00 CEST)
 */
export function instantAt(wall: WallTime, timeZone: string, { gap = 'forward' }: { gap?: 'forward' | 'transition' } = {}): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour ?? 0, wall.minute ?? 0, wall.second ?? 0, wall.millisecond ?? 0);
  // The offsets in force a day either side cover any transition near this wall time (zones change at most
  // once in a few weeks). A candidate is right when the zone really has that offset at that instant.
  const before = offsetAt(asUtc - DAY_MS, timeZone);
  const offsets = [...new Set([before, offsetAt(asUtc, timeZone), offsetAt(asUtc + DAY_MS, timeZone)])];
  const valid = offsets.map((o) => asUtc - o).filter((t) => offsetAt(t, timeZone) === asUtc - t);
  if (valid.length > 0) return new Date(Math.min(...valid));
  // A gap: read the wall time with the offset from before the change, which lands after the gap.
  const forward = asUtc - before;
  if (gap === 'forward') return new Date(forward);
  // The change itself lies after asUtc - after and at or before `forward`: find it to the millisecond.
  const after = offsetAt(forward, timeZone);
  let lo = asUtc - after;
  let hi = forward;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/** The civil date `days` after the given one. */
const plusDays = (year: number, month: number, day: number, days: number): { year: number; month: number; day: number } => {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

/**
 * `from` plus a delay: `days` as calendar days in the zone (10:00 stays 10:00 across a DST change), then
 * `hours` and `minutes` as elapsed time.
 * @example addDelay(new Date('2026-03-27T09:00:00Z'), { days: 3 }, 'Europe/Berlin') // 2026-03-30T08:00:00Z (10:00 local both times)
 */
export function addDelay(from: Date, delay: Delay, timeZone: string): Date {
  let ms = from.getTime();
  const days = delay.days ?? 0;
  if (days !== 0) {
    const t = localTime(from, timeZone);
    ms = instantAt(
      { ...plusDays(t.year, t.month, t.day, days), hour: t.hour, minute: t.minute, second: t.second, millisecond: t.millisecond },
      timeZone,
    ).getTime();
  }
  return new Date(ms + (delay.hours ?? 0) * HOUR_MS + (delay.minutes ?? 0) * MINUTE_MS);
}

/**
 * The calendar day of `instant` in the zone, `YYYY-MM-DD`: the "day" of the per-lead daily cap (count the
 * emails sent to a lead under this key, in the zone {@link effectiveTimeZone} gives).
 * @example localDay(new Date('2026-11-20T23:30:00Z'), 'Europe/Berlin') // '2026-11-21'
 */
export function localDay(instant: Date, timeZone: string): string {
  const t = localTime(instant, timeZone);
  return `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/**
 * Local midnight starting the day after `instant`'s day in the zone (or the first instant of that day where
 * midnight falls in a DST gap).
 */
export function startOfNextDay(instant: Date, timeZone: string): Date {
  const t = localTime(instant, timeZone);
  return instantAt(plusDays(t.year, t.month, t.day, 1), timeZone);
}

/**
 * Whether `instant` is inside the window in the zone (always, without a window).
 * @example isInWindow(new Date('2026-11-23T08:00:00Z'), { days: ['mon'], hours: { from: 9, to: 17 } }, 'Europe/Berlin') // true (09:00 local)
 */
export function isInWindow(instant: Date, window: Window | undefined, timeZone: string): boolean {
  if (!window) return true;
  const t = localTime(instant, timeZone);
  const weekday = WEEKDAYS[t.weekday];
  return weekday !== undefined && window.days.includes(weekday) && t.hour >= window.hours.from && t.hour < window.hours.to;
}

/**
 * The first instant in [from, to) at which the zone's UTC offset is `offset`, if any. The span is at most a
 * day, in which a zone changes its offset at most once, so the instants with one offset are one run.
 */
function firstWithOffset(from: number, to: number, offset: number, timeZone: string): number | undefined {
  if (from >= to) return undefined;
  if (offsetAt(from, timeZone) === offset) return from;
  if (offsetAt(to - 1, timeZone) !== offset) return undefined;
  // offset(lo) differs, offset(hi) is the one sought: find the change to the millisecond.
  let lo = from;
  let hi = to - 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timeZone) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The first instant at or after `earliest` inside the window, in the zone's wall-clock time: `earliest`
 * itself when it is inside (or there is no window), else the next opening. A window hour that a DST
 * change skips opens when the clocks do (from: 2 on a spring-forward night opens at 03:00); a day whose
 * window the change removes entirely (02:00–03:00 that night) is skipped.
 * @example nextSendTime(new Date('2026-11-21T10:00:00Z'), { days: ['mon','tue','wed','thu','fri'], hours: { from: 9, to: 17 } }, 'Europe/Berlin')
 *   // 2026-11-23T08:00:00Z: Saturday → Monday 09:00 CET
 * @throws Error when the window never opens within two weeks (only possible for an empty `days` list, which the config refuses)
 */
export function nextSendTime(earliest: Date, window: Window | undefined, timeZone: string): Date {
  if (!window || isInWindow(earliest, window, timeZone)) return earliest;
  const start = localTime(earliest, timeZone);
  // From the day before: a fall-back at midnight can show the previous date again after `earliest`.
  for (let i = -1; i < 15; i++) {
    const date = plusDays(start.year, start.month, start.day, i);
    const weekday = WEEKDAYS[weekdayOf(date.year, date.month, date.day)];
    if (weekday === undefined || !window.days.includes(weekday)) continue;
    // The window's wall-clock span that day, read as if it were UTC. Each offset the zone has around it maps
    // the span to instants; those instants count where the zone really has that offset. A fall-back inside
    // or after the span gives two runs of instants (Chatham reads 02:45–03:00 twice), a spring-forward
    // none for the hour it skips (a window opening then opens when the clocks do).
    const from = Date.UTC(date.year, date.month - 1, date.day, window.hours.from);
    const to = Date.UTC(date.year, date.month - 1, date.day, window.hours.to);
    let first: number | undefined;
    for (const offset of new Set([offsetAt(from - DAY_MS, timeZone), offsetAt(from, timeZone), offsetAt(to, timeZone), offsetAt(to + DAY_MS, timeZone)])) {
      const t = firstWithOffset(Math.max(earliest.getTime(), from - offset), to - offset, offset, timeZone);
      if (t !== undefined && (first === undefined || t < first)) first = t;
    }
    if (first !== undefined) return new Date(first);
  }
  throw new Error(`Send window ${JSON.stringify(window)} never opens in ${timeZone}`);
}
