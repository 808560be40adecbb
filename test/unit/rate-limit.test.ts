import { describe, expect, it } from 'vitest';
import { COUNTER_WRITES_PER_SECOND, ceilingShards, clientKeyOf, clientNetwork, LateCeiling } from '../../functions/core/rate-limit.js';
import { FakeClock } from '../../functions/adapters/memory.js';
import { FixedWindowRateLimiter } from '../../functions/adapters/system.js';

describe('Function: clientNetwork', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:7:9::1', '2001:db8:7:9::/64'],
    ['2001:0DB8:0007:0009:ffff:ffff:ffff:fffe', '2001:db8:7:9::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1:2::/64'],
  ])('counts %s as %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it('gives one key per address or /64, with no address in it', () => {
    expect(clientKeyOf('2001:db8:7:9::1')).toBe(clientKeyOf('2001:db8:7:9:abcd::2'));
    expect(clientKeyOf('2001:db8:7:9::1')).not.toBe(clientKeyOf('2001:db8:7:a::1'));
    expect(clientKeyOf('203.0.113.7')).not.toBe(clientKeyOf('203.0.113.8'));
    expect(clientKeyOf('203.0.113.7')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('LateCeiling sharding (no hot counter)', () => {
  it('keeps the default form ceiling (6,000 a minute) on one item, and spreads a high one so no item takes over 500 writes a second', () => {
    expect(ceilingShards(6000, 60)).toBe(1);
    expect(ceilingShards(60_000, 60)).toBe(2);
    expect(ceilingShards(600_000, 60)).toBe(20);
    for (const [limit, window] of [
      [6000, 60],
      [90_000, 60],
      [1_000_000, 3600],
    ] as const)
      expect(limit / window / ceilingShards(limit, window)).toBeLessThanOrEqual(COUNTER_WRITES_PER_SECOND);
  });

  it('counts a high ceiling on its shards, each with its share, and still refuses once they fill', async () => {
    const clock = new FakeClock(new Date('2026-12-03T08:00:00.000Z'));
    const keysHit: string[] = [];
    const counter = new FixedWindowRateLimiter(clock);
    const recording = { hit: (key: string, limit: number, window: number) => (keysHit.push(`${key}/${limit}`), counter.hit(key, limit, window)) };
    let n = 0;
    const ceiling = new LateCeiling(recording, clock, () => (n++ % 2) / 2);
    // 60,000 a minute: 2 shards of 30,000
    for (let i = 0; i < 4; i++) await ceiling.count('form:ebook', 60_000, 60);
    expect(new Set(keysHit)).toEqual(new Set(['form:ebook#0/30000', 'form:ebook#1/30000']));
    // A tiny ceiling reached: refused until the window ends
    for (let i = 0; i < 3; i++) await ceiling.count('form:trial', 2, 60);
    expect(ceiling.retryAfter('form:trial')).toBeGreaterThan(0);
  });
});
