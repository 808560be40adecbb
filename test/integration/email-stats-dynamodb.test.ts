import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoEmailStats } from '../../functions/adapters/dynamo/email-stats-store.js';
import { freshTable } from '../support/dynamo.js';

describe('Adapter: DynamoEmailStats on DynamoDB Local', () => {
  it('sums a cell over its partitions, within the range of days, each email apart', async () => {
    // Prepare: the random partition picked in turn, so every one of the four holds a part
    const table = await freshTable();
    let n = 0;
    const stats = new DynamoEmailStats(table.doc, table.tableName, () => (n++ % 4) / 4);
    // Act
    for (let i = 0; i < 8; i++) await stats.count('demo', '2026-11-23', 'delivery#ebook', { sent: 1 });
    await stats.count('demo', '2026-11-23', 'step#ebook-nurture#three-ideas', { sent: 2, delivered: 1 });
    await stats.count('demo', '2026-11-24', 'delivery#ebook', { sent: 5 });
    await stats.count('other', '2026-11-23', 'delivery#ebook', { sent: 9 });
    // Assess
    const cells = await stats.read('demo', '2026-11-23', '2026-11-23');
    expect(cells.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { day: '2026-11-23', email: 'delivery#ebook', counts: { sent: 8 } },
      { day: '2026-11-23', email: 'step#ebook-nurture#three-ideas', counts: { sent: 2, delivered: 1 } },
    ]);
    const partitions = new Set(
      ((await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [])
        .filter((i) => String(i.SK).endsWith('delivery#ebook'))
        .map((i) => i.PK),
    );
    expect(partitions.size).toBe(5); // the four of `demo` (both days in them) and one of `other`
  });

  it('counts an event id once, also when six workers count it at the same moment as six plain counts of the cell', async () => {
    // Prepare
    const table = await freshTable();
    const stats = new DynamoEmailStats(table.doc, table.tableName);
    // A worker still refused after the adapter's own tries (a conflict each time) is retried as its queue
    // would, until it is answered.
    const untilAnswered = async (count: () => Promise<string>): Promise<string> => {
      for (;;) {
        try {
          return await count();
        } catch (error) {
          if (!['TransactionCanceledException', 'TransactionConflictException'].includes((error as Error).name)) throw error;
        }
      }
    };
    const worker = () => untilAnswered(() => stats.count('demo', '2026-11-23', 'delivery#ebook', { delivered: 1 }, 'msg-1.delivery'));
    // Act: plain counts of the same cell at the same moment (the sender's `sent`) meet the transactions
    const [answers] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, worker)),
      Promise.all(Array.from({ length: 6 }, () => untilAnswered(() => stats.count('demo', '2026-11-23', 'delivery#ebook', { sent: 1 })))),
    ]);
    const again = await stats.count('demo', '2026-11-23', 'delivery#ebook', { delivered: 1 }, 'msg-1.delivery');
    await stats.count('demo', '2026-11-23', 'delivery#ebook', { delivered: 1 }, 'msg-2.delivery');
    // Assess
    expect(answers.filter((a) => a === 'counted')).toHaveLength(1);
    expect(again).toBe('duplicate');
    expect(await stats.read('demo', '2026-11-23', '2026-11-23')).toEqual([{ day: '2026-11-23', email: 'delivery#ebook', counts: { sent: 6, delivered: 2 } }]);
  });
});
