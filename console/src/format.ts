/** Numbers, rates and times as the viewer reads them: their locale, their time zone. */
const number = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export const count = (n: number) => number.format(n);
/** `part` of `whole` as a percentage, or an en dash when there is no whole. */
export const rate = (part: number, whole: number) => (whole > 0 ? percent.format(part / whole) : '–');
export const when = (iso: string) => dateTime.format(new Date(iso));
/** A UTC day (`2026-12-01`) as the viewer's locale writes dates. */
export const utcDay = (d: string) => day.format(new Date(`${d}T00:00:00Z`));
/** The change from `before` to `now`, in words a screen reader says too. */
export function change(now: number, before: number): { text: string; direction: 'up' | 'down' | 'flat' } {
  if (before === 0) return now === 0 ? { text: 'no change', direction: 'flat' } : { text: 'new', direction: 'up' };
  const delta = (now - before) / before;
  if (Math.abs(delta) < 0.0005) return { text: 'no change', direction: 'flat' };
  return { text: `${delta > 0 ? '+' : '−'}${percent.format(Math.abs(delta))}`, direction: delta > 0 ? 'up' : 'down' };
}

/** The dimensions the form counters keep, as the pages name them (`functions/core/stats.ts`). */
export const DIMENSIONS = [
  ['variant', 'A/B variant'],
  ['source', 'UTM source'],
  ['medium', 'UTM medium'],
  ['campaign', 'UTM campaign'],
  ['referrer', 'Referrer'],
  ['page', 'Page'],
] as const;
