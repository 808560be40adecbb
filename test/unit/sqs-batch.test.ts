import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sqsBatch, turns } from '../../functions/handlers/sqs-batch.js';

const batch = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

describe('SQS batches (Powertools batch processor)', () => {
  it('reports the records that threw, and a batch where every record threw, as item failures (never throws)', async () => {
    const fails = await sqsBatch(
      batch('ok', 'bad'),
      async (r) => {
        if (r.body === 'bad') throw new Error('no');
      },
      { parallel: true },
    );
    expect(fails).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    const all = await sqsBatch(
      batch('bad', 'bad'),
      async () => {
        throw new Error('no');
      },
      { parallel: false },
    );
    expect(all).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }] });
  });

  it('runs work in turn per key and side by side across keys, a failure not stopping the next turn', async () => {
    const inTurn = turns();
    const log: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((ok) => setTimeout(ok, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    await Promise.allSettled([inTurn('a', step('a1', 20, true)), inTurn('a', step('a2', 1)), inTurn('b', step('b1', 5))]);
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });
});
