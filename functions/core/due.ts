/**
 * Scheduled work is bucketed by UTC day: a drainer Queries one small bucket per day since its cursor
 * (`SK <= now`), so even after days of downtime a run costs a handful of reads.
 */

const DAY_MS = 86_400_000;

/** `2026-11-22T18:05:00.000Z` → `2026-11-22` */
export const dueDay = (at: string): string => at.slice(0, 10);

/** `2026-11-30` → `2026-12-01` */
export const nextDay = (day: string): string => dueDay(new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString());

/** The day bucket `days` before `now`. */
export const daysBefore = (now: Date, days: number): string => dueDay(new Date(now.getTime() - days * DAY_MS).toISOString());
