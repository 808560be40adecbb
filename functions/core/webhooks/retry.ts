import type { DeliveryVerdict, WebhookOutcome } from '../ports.js';

/**
 * When a failed delivery is tried again: after each failed try, wait this long (±20% jitter). Eleven tries
 * (the first at once) over about 4 days (at least 3 with the jitter), so a receiver that is down for a weekend still gets everything.
 */
export const RETRY_SCHEDULE_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  12 * 3_600_000,
  16 * 3_600_000,
  24 * 3_600_000,
  24 * 3_600_000,
] as const;

/** The longest a `Retry-After` may push a try back. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * What a try's outcome means: `delivered` (2xx); `retry` (network error, timeout, 5xx, 408, 409, 425, 429);
 * `disable` (410 Gone: the receiver says the endpoint is gone); `fail` (any other status: another 4xx, or
 * a redirect, which is never followed; no retry will change it). A destination's adapter may say otherwise (`verdict`).
 * @example classifyResponse({ kind: 'response', status: 503, latencyMs: 12 }) // 'retry'
 */
export function classifyResponse(outcome: Pick<WebhookOutcome, 'kind'> & { status?: number; verdict?: DeliveryVerdict }): DeliveryVerdict {
  if (outcome.kind !== 'response' || outcome.status === undefined) return 'retry';
  if (outcome.verdict) return outcome.verdict;
  const status = outcome.status;
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'disable';
  if (status >= 500 || [408, 409, 425, 429].includes(status)) return 'retry';
  return 'fail';
}

/**
 * When to try again after the `attempt`-th try failed (1-based), or undefined when that was the last try.
 * The schedule's delay with ±20% jitter; a `Retry-After` (seconds or an HTTP date) that asks for later is
 * honoured, up to 24 h; never earlier than the schedule.
 * @example nextAttemptAt({ attempt: 1, now, random: () => 0.5 }) // now + 5 s
 */
export function nextAttemptAt(input: { attempt: number; now: Date; retryAfter?: string; random: () => number }): Date | undefined {
  const base = RETRY_SCHEDULE_MS[input.attempt - 1];
  if (base === undefined) return undefined;
  const jittered = base * (0.8 + 0.4 * input.random());
  const asked = retryAfterMs(input.retryAfter, input.now);
  const wait = asked === undefined ? jittered : Math.max(jittered, Math.min(asked, MAX_RETRY_AFTER_MS));
  return new Date(input.now.getTime() + Math.round(wait));
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` → milliseconds from now. */
function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
