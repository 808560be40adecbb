import { describe, expect, it } from 'vitest';
import { byPattern, keyPattern, simulateScale } from '../../bench/scale.js';

describe('Scale simulation (npm run bench -- scale)', () => {
  it('names key shapes, not keys: a lead, a day shard, a window, a client', () => {
    expect(keyPattern(`SITE#demo#EMAIL#${'a'.repeat(64)}`)).toBe('SITE#demo#EMAIL#<lead>');
    expect(keyPattern('DUE#2026-12-03#f')).toBe('DUE#<day>#<shard>');
    expect(keyPattern('RATE#form#demo#ebook#2026-12-03T07:00:00.000Z')).toBe('RATE#form#demo#ebook#<window>');
    expect(keyPattern('RATE#submit#demo#EsoXtJryKJQ28wPgFmAwoh#48#2026-12-03T07:00:00.000Z')).toBe('RATE#submit#demo#<client>#<shard>#<window>');
    const groups = byPattern(
      new Map([
        ['DUE#2026-12-03#a', 3],
        ['DUE#2026-12-03#b', 5],
      ]),
    );
    expect(groups).toEqual([{ pattern: 'DUE#<day>#<shard>', partitions: 2, maxUnits: 5, totalUnits: 8 }]);
  });

  it("meters every writer's units per partition: a lead's writes land in its partition, a day's due steps on several shards", async () => {
    const { accepted, groups, total } = await simulateScale(24, 1000);
    expect(accepted).toBe(24);
    const of = (pattern: string) => groups.find((g) => g.pattern === pattern)!;
    expect(of('SITE#demo#EMAIL#<lead>').partitions).toBe(24);
    // Every new lead enrols: its first step lands on its own shard of the day, not all on one.
    expect(of('DUE#<day>#<shard>').partitions).toBeGreaterThan(4);
    expect(of('DUE#<day>#<shard>').maxUnits).toBeLessThan(of('DUE#<day>#<shard>').totalUnits / 2);
    // A new lead is 8 units at capture alone; the consumers add more.
    expect(total / accepted).toBeGreaterThan(8);
  }, 120_000);
});
