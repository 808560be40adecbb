import { describe, expect, it } from 'vitest';
import { classifyResponse, nextAttemptAt, RETRY_SCHEDULE_MS } from '../../../functions/core/webhooks/retry.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const HOUR = 3_600_000;

describe('Webhook retries', () => {
  it('tries at least 10 times over at least 3 days, with growing waits', () => {
    expect(RETRY_SCHEDULE_MS.length + 1).toBeGreaterThanOrEqual(10);
    expect(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) * 0.8).toBeGreaterThan(72 * HOUR);
    for (let i = 1; i < RETRY_SCHEDULE_MS.length; i++) expect(RETRY_SCHEDULE_MS[i]).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[i - 1]!);
  });

  it('adds ±20% jitter to each wait, and stops after the last try', () => {
    const at = (random: number, attempt = 2) => nextAttemptAt({ attempt, now, random: () => random })!.getTime() - now.getTime();
    expect(at(0)).toBe(0.8 * 5 * 60_000);
    expect(at(0.5)).toBe(5 * 60_000);
    expect(at(0.999999)).toBeLessThanOrEqual(1.2 * 5 * 60_000);
    expect(nextAttemptAt({ attempt: RETRY_SCHEDULE_MS.length, now, random: () => 0.5 })).toBeDefined();
    expect(nextAttemptAt({ attempt: RETRY_SCHEDULE_MS.length + 1, now, random: () => 0.5 })).toBeUndefined();
  });

  it('honours Retry-After (seconds or an HTTP date) when it asks for later, never earlier, at most 24 h', () => {
    const wait = (retryAfter: string) => nextAttemptAt({ attempt: 1, now, retryAfter, random: () => 0.5 })!.getTime() - now.getTime();
    expect(wait('120')).toBe(120_000);
    expect(wait('1')).toBe(5_000);
    expect(wait(new Date(now.getTime() + 3 * HOUR).toUTCString())).toBe(3 * HOUR);
    expect(wait('999999')).toBe(24 * HOUR);
    expect(wait('soon')).toBe(5_000);
  });

  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'fail'],
    [302, 'fail'],
    [400, 'fail'],
    [401, 'fail'],
    [404, 'fail'],
    [408, 'retry'],
    [409, 'retry'],
    [410, 'disable'],
    [413, 'fail'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('classifies %i as %s', (status, verdict) => {
    expect(classifyResponse({ kind: 'response', status })).toBe(verdict);
  });

  it('retries timeouts and network errors', () => {
    expect(classifyResponse({ kind: 'timeout' })).toBe('retry');
    expect(classifyResponse({ kind: 'network' })).toBe('retry');
  });
});
