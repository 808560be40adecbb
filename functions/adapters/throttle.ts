import { setTimeout as sleep } from 'node:timers/promises';
import type { SendThrottle } from '../core/ports.js';

/**
 * Spaces sends evenly at `perSecond` per key (no bursts), within this process: each caller is given the
 * next free slot and waits for it. On Lambda the sender runs at most `concurrency` environments at once
 * (the event source mapping's maximum concurrency), so each environment gets `perSecond / concurrency`.
 * @example await throttle.acquire('demo', 10) // resolves at most 10 times a second for 'demo'
 */
export class IntervalThrottle implements SendThrottle {
  private readonly nextSlot = new Map<string, number>();
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<unknown>;
  private readonly share: number;

  constructor(options: { concurrency?: number; now?: () => number; wait?: (ms: number) => Promise<unknown> } = {}) {
    this.share = Math.max(1, options.concurrency ?? 1);
    this.now = options.now ?? (() => performance.now());
    this.wait = options.wait ?? sleep;
  }

  async acquire(key: string, perSecond: number): Promise<void> {
    const interval = (1000 * this.share) / perSecond;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + interval);
    if (slot > now) await this.wait(slot - now);
  }
}

/** No limit (tests and benchmarks that measure the rest). */
export const unthrottled: SendThrottle = { acquire: async () => undefined };
