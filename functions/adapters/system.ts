import type { Clock, IdGenerator, RateLimiter } from '../core/ports.js';

/**
 * The production clock, ids and in-process counter: what the deployed functions and the local runtime
 * use. The fakes tests use live in `adapters/memory.ts`.
 */

/**
 * Fixed-window counter per client key. In Lambda it lives per execution environment: a flood from one
 * address lands mostly on a few warm environments, and the API's stage throttle caps the rest.
 */
export class FixedWindowRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();
  constructor(private readonly clock: Clock) {}

  async hit(key: string, limit: number, windowSeconds: number) {
    const now = this.clock.now().getTime();
    let window = this.windows.get(key);
    if (!window || window.resetsAt <= now) {
      if (this.windows.size > 10_000) this.evict(now);
      window = { count: 0, resetsAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    if (window.count >= limit) return { allowed: false as const, retryAfterSeconds: Math.max(1, Math.ceil((window.resetsAt - now) / 1000)) };
    window.count += 1;
    const counted = window;
    return { allowed: true as const, undo: async () => void (counted.count = Math.max(0, counted.count - 1)) };
  }

  private evict(now: number) {
    for (const [k, w] of this.windows) if (w.resetsAt <= now) this.windows.delete(k);
  }
}

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };
