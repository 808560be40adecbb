import { describe, expect, it } from 'vitest';
import { IntervalThrottle } from '../../functions/adapters/throttle.js';

/** A throttle on a fake timeline: waiting advances time instead of sleeping. */
function fakeTimeline(concurrency?: number) {
  let now = 0;
  const sendTimes: number[] = [];
  const throttle = new IntervalThrottle({
    ...(concurrency && { concurrency }),
    now: () => now,
    wait: async (ms) => void (now += ms),
  });
  const send = async (key: string, perSecond: number) => {
    await throttle.acquire(key, perSecond);
    sendTimes.push(now);
  };
  return { send, sendTimes, advance: (ms: number) => void (now += ms) };
}

describe('Adapter: IntervalThrottle', () => {
  it('spaces sends evenly at the configured rate: 10/s is one every 100 ms, never a burst', async () => {
    // Prepare
    const t = fakeTimeline();
    // Act
    for (let i = 0; i < 5; i++) await t.send('demo', 10);
    // Assess
    expect(t.sendTimes).toEqual([0, 100, 200, 300, 400]);
  });

  it('keeps each site to its own rate', async () => {
    // Prepare
    const t = fakeTimeline();
    // Act
    await t.send('a', 1);
    await t.send('b', 1);
    // Assess: b did not wait for a's slot
    expect(t.sendTimes).toEqual([1000 * 0, 0]);
  });

  it('gives each of N concurrent environments 1/N of the rate', async () => {
    // Prepare
    const t = fakeTimeline(2);
    // Act
    for (let i = 0; i < 3; i++) await t.send('demo', 10);
    // Assess
    expect(t.sendTimes).toEqual([0, 200, 400]);
  });

  it('does not wait after an idle spell (slots do not pile up as credit or debt)', async () => {
    // Prepare
    const t = fakeTimeline();
    await t.send('demo', 10);
    // Act
    t.advance(5_000);
    await t.send('demo', 10);
    await t.send('demo', 10);
    // Assess
    expect(t.sendTimes).toEqual([0, 5_000, 5_100]);
  });
});
