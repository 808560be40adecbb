import { describe, expect, it } from 'vitest';
import {
  addDelay,
  effectiveTimeZone,
  instantAt,
  isInWindow,
  isValidTimeZone,
  localDay,
  localTime,
  nextSendTime,
  startOfNextDay,
  type Window,
} from '../../../functions/core/nurture/index.js';
import { OFFICE_HOURS, at } from './support.js';

const office: Window = { days: [...OFFICE_HOURS.days], hours: OFFICE_HOURS.hours };
const everyDay = (from: number, to: number): Window => ({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], hours: { from, to } });
const iso = (d: Date) => d.toISOString();

describe('Function: nextSendTime', () => {
  it('returns the earliest time itself when it is inside the window, or when there is no window', () => {
    // Prepare: Monday 2026-11-23 10:15 in Berlin (CET, UTC+1)
    const earliest = at('2026-11-23T09:15:00Z');
    // Act & Assess
    expect(iso(nextSendTime(earliest, office, 'Europe/Berlin'))).toBe('2026-11-23T09:15:00.000Z');
    expect(iso(nextSendTime(earliest, undefined, 'Europe/Berlin'))).toBe('2026-11-23T09:15:00.000Z');
  });

  it('waits for the opening the same day, or the next day after the close', () => {
    expect(iso(nextSendTime(at('2026-11-23T06:00:00Z'), office, 'Europe/Berlin'))).toBe('2026-11-23T08:00:00.000Z'); // Mon 07:00 → 09:00
    expect(iso(nextSendTime(at('2026-11-23T16:00:00Z'), office, 'Europe/Berlin'))).toBe('2026-11-24T08:00:00.000Z'); // Mon 17:00 (closed) → Tue 09:00
    expect(iso(nextSendTime(at('2026-11-23T15:59:59.999Z'), office, 'Europe/Berlin'))).toBe('2026-11-23T15:59:59.999Z'); // the last moment
  });

  it('skips the weekend: Friday evening and Saturday go to Monday morning', () => {
    expect(iso(nextSendTime(at('2026-11-20T17:30:00Z'), office, 'Europe/Berlin'))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(nextSendTime(at('2026-11-21T10:00:00Z'), office, 'Europe/Berlin'))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(nextSendTime(at('2026-11-23T10:00:00Z'), { days: ['sat'], hours: { from: 10, to: 12 } }, 'Europe/Berlin'))).toBe('2026-11-28T09:00:00.000Z');
  });

  it('opens at local time across the Berlin changes (last Sunday of March and of October)', () => {
    // Saturday 18:00 CET → Sunday 09:00 CEST (UTC+2 now)
    expect(iso(nextSendTime(at('2026-03-28T17:00:00Z'), everyDay(9, 17), 'Europe/Berlin'))).toBe('2026-03-29T07:00:00.000Z');
    // Saturday 18:00 CEST → Sunday 09:00 CET (UTC+1 again)
    expect(iso(nextSendTime(at('2026-10-24T16:00:00Z'), everyDay(9, 17), 'Europe/Berlin'))).toBe('2026-10-25T08:00:00.000Z');
    // Friday 18:00 CET → Monday 09:00 CEST, office hours
    expect(iso(nextSendTime(at('2026-03-27T17:00:00Z'), office, 'Europe/Berlin'))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('opens a window whose first hour the spring change skips when the clocks do, and skips a window it removes', () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    const midnight = at('2026-03-28T23:00:00Z'); // 00:00 CET
    expect(iso(nextSendTime(midnight, everyDay(2, 4), 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(iso(nextSendTime(midnight, everyDay(2, 3), 'Europe/Berlin'))).toBe('2026-03-30T00:00:00.000Z'); // no 02:00–03:00 that night: Monday 02:00 CEST
  });

  it('keeps both runs of the hour the autumn change repeats', () => {
    // Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET, so 02:xx happens twice.
    expect(iso(nextSendTime(at('2026-10-24T23:00:00Z'), everyDay(2, 3), 'Europe/Berlin'))).toBe('2026-10-25T00:00:00.000Z'); // the first 02:00 (CEST)
    expect(iso(nextSendTime(at('2026-10-25T01:30:00Z'), everyDay(2, 3), 'Europe/Berlin'))).toBe('2026-10-25T01:30:00.000Z'); // 02:30 CET, the second time
    expect(iso(nextSendTime(at('2026-10-25T02:00:00Z'), everyDay(2, 3), 'Europe/Berlin'))).toBe('2026-10-26T01:00:00.000Z'); // 03:00 CET: closed
  });

  it('closes a window at the moment a change skips its closing hour, and reopens one a fall-back leaves', () => {
    // Chatham springs forward from 02:45 to 03:45 (UTC+12:45 → +13:45) on 27 September 2026: the Sunday
    // 02:00–03:00 window ends at the jump, so 03:45 is closed and the next opening is a week later.
    expect(iso(nextSendTime(at('2026-09-26T13:30:00Z'), { days: ['sun'], hours: { from: 2, to: 3 } }, 'Pacific/Chatham'))).toBe('2026-09-26T13:30:00.000Z'); // 02:15
    expect(iso(nextSendTime(at('2026-09-26T14:00:00Z'), { days: ['sun'], hours: { from: 2, to: 3 } }, 'Pacific/Chatham'))).toBe('2026-10-03T12:15:00.000Z');
    // On 5 April 2026 it falls back from 03:45 to 02:45: 03:35 is inside a 03:00–04:00 window, 02:50 (after the change) waits for 03:00.
    expect(iso(nextSendTime(at('2026-04-04T13:50:00Z'), { days: ['sun'], hours: { from: 3, to: 4 } }, 'Pacific/Chatham'))).toBe('2026-04-04T13:50:00.000Z');
    expect(iso(nextSendTime(at('2026-04-04T14:05:00Z'), { days: ['sun'], hours: { from: 3, to: 4 } }, 'Pacific/Chatham'))).toBe('2026-04-04T14:15:00.000Z');
  });

  it('finds a window that closes inside the hour a fall-back repeats, when the clock comes back into it', () => {
    // The property test's counterexample: Chatham, 5 April 2026, Sunday 01:00–03:00. At 13:59:59.999Z the
    // clock reads 03:44:59.999 (closed); a millisecond later it reads 02:45 again, inside until 03:00.
    expect(iso(nextSendTime(at('2026-04-04T13:59:59.999Z'), { days: ['sun'], hours: { from: 1, to: 3 } }, 'Pacific/Chatham'))).toBe('2026-04-04T14:00:00.000Z');
  });

  it('opens at local time across the New York changes (second Sunday of March, first Sunday of November)', () => {
    // Friday 18:00 EST → Monday 09:00 EDT (UTC-4)
    expect(iso(nextSendTime(at('2026-03-06T23:00:00Z'), office, 'America/New_York'))).toBe('2026-03-09T13:00:00.000Z');
    // Friday 18:00 EDT → Monday 09:00 EST (UTC-5)
    expect(iso(nextSendTime(at('2026-10-30T22:00:00Z'), office, 'America/New_York'))).toBe('2026-11-02T14:00:00.000Z');
    // 8 March 2026 02:00 EST jumps to 03:00 EDT: a 02:00 opening is at 03:00 EDT
    expect(iso(nextSendTime(at('2026-03-08T05:00:00Z'), everyDay(2, 6), 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
  });

  it('reads the same instant in the zone it is given', () => {
    // Monday 09:00 in Berlin is 03:00 in New York: there it waits for 09:00 EST.
    const instant = at('2026-11-23T08:00:00Z');
    expect(iso(nextSendTime(instant, office, 'Europe/Berlin'))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(nextSendTime(instant, office, 'America/New_York'))).toBe('2026-11-23T14:00:00.000Z');
  });

  it('treats hours.to = 24 as the end of the day', () => {
    expect(iso(nextSendTime(at('2026-11-23T22:59:59.000Z'), everyDay(20, 24), 'Europe/Berlin'))).toBe('2026-11-23T22:59:59.000Z'); // 23:59:59 local
    expect(iso(nextSendTime(at('2026-11-23T23:00:00.000Z'), everyDay(20, 24), 'Europe/Berlin'))).toBe('2026-11-24T19:00:00.000Z'); // midnight → 20:00
  });
});

describe('Function: isInWindow', () => {
  it('checks the day and the hour in the zone', () => {
    expect(isInWindow(at('2026-11-23T08:00:00Z'), office, 'Europe/Berlin')).toBe(true);
    expect(isInWindow(at('2026-11-23T07:59:59.999Z'), office, 'Europe/Berlin')).toBe(false);
    expect(isInWindow(at('2026-11-22T10:00:00Z'), office, 'Europe/Berlin')).toBe(false); // Sunday
    expect(isInWindow(at('2026-11-22T10:00:00Z'), undefined, 'Europe/Berlin')).toBe(true);
  });
});

describe('Function: instantAt / localTime', () => {
  it('reads wall-clock time, weekday included (Monday = 0)', () => {
    expect(localTime(at('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 3,
      minute: 30,
      second: 0,
      millisecond: 0,
      weekday: 6,
    });
    expect(localTime(at('2026-11-23T00:00:00.250Z'), 'UTC')).toMatchObject({ hour: 0, millisecond: 250, weekday: 0 });
  });

  it('moves a wall time in a gap forward by the gap, and takes the first of a repeated one', () => {
    expect(iso(instantAt({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z'); // → 03:30 CEST
    expect(iso(instantAt({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(iso(instantAt({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z'); // → 03:30 EDT
    expect(iso(instantAt({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(instantAt({ year: 2026, month: 7, day: 1, hour: 12 }, 'Asia/Kolkata'))).toBe('2026-07-01T06:30:00.000Z');
  });

  it('gives the instant of the change for a wall time in a gap when asked for a boundary', () => {
    expect(iso(instantAt({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin', { gap: 'transition' }))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(iso(instantAt({ year: 2026, month: 9, day: 27, hour: 3 }, 'Pacific/Chatham', { gap: 'transition' }))).toBe('2026-09-26T14:00:00.000Z'); // 03:45 CHADT
    expect(iso(instantAt({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin', { gap: 'transition' }))).toBe('2026-10-25T00:30:00.000Z'); // no gap: as usual
  });
});

describe('Function: addDelay', () => {
  it('adds days as calendar days (same local time across DST) and hours as elapsed time', () => {
    // Friday 10:00 CET + 3 days = Monday 10:00 CEST: 71 hours later, not 72
    expect(iso(addDelay(at('2026-03-27T09:00:00Z'), { days: 3 }, 'Europe/Berlin'))).toBe('2026-03-30T08:00:00.000Z');
    // Friday 10:00 CET + 72 hours = Monday 11:00 CEST
    expect(iso(addDelay(at('2026-03-27T09:00:00Z'), { hours: 72 }, 'Europe/Berlin'))).toBe('2026-03-30T09:00:00.000Z');
    expect(iso(addDelay(at('2026-10-30T14:00:00Z'), { days: 7, hours: 1, minutes: 30 }, 'America/New_York'))).toBe('2026-11-06T16:30:00.000Z');
    expect(iso(addDelay(at('2026-11-23T09:00:00Z'), {}, 'Europe/Berlin'))).toBe('2026-11-23T09:00:00.000Z');
  });

  it('moves a day delay landing in a gap forward', () => {
    // Saturday 02:30 CET + 1 day: Sunday 02:30 does not exist → 03:30 CEST
    expect(iso(addDelay(at('2026-03-28T01:30:00Z'), { days: 1 }, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('Function: localDay / startOfNextDay', () => {
  it('names the local calendar day', () => {
    expect(localDay(at('2026-11-20T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-21');
    expect(localDay(at('2026-11-20T23:30:00Z'), 'America/New_York')).toBe('2026-11-20');
  });

  it('finds the next local midnight, or the first instant of a day whose midnight a DST change skips', () => {
    expect(iso(startOfNextDay(at('2026-03-28T12:00:00Z'), 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z'); // 00:00 CET
    expect(iso(startOfNextDay(at('2026-03-29T12:00:00Z'), 'Europe/Berlin'))).toBe('2026-03-29T22:00:00.000Z'); // 00:00 CEST
    // Santiago springs forward at midnight: 6 September 2026 starts at 01:00 (UTC-3)
    expect(iso(startOfNextDay(at('2026-09-05T16:00:00Z'), 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });
});

describe('Function: isValidTimeZone / effectiveTimeZone', () => {
  it('knows IANA zones and refuses typos and offsets', () => {
    expect(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'].every(isValidTimeZone)).toBe(true);
    expect(['Europe/Berlim', '+01:00', '', 'Mars/Olympus'].some(isValidTimeZone)).toBe(false);
  });

  it('prefers the lead’s valid zone, else the site’s', () => {
    expect(effectiveTimeZone('America/New_York', 'Europe/Berlin')).toBe('America/New_York');
    expect(effectiveTimeZone(undefined, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(effectiveTimeZone('Nowhere/Land', 'Europe/Berlin')).toBe('Europe/Berlin');
  });
});
