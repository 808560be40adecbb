import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { localStreamsClient, startStreamPoller, type StreamHandler, type StreamPoller } from '../../local/stream-poller.js';
import { freshTable } from '../support/dynamo.js';

let poller: StreamPoller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

async function setup(handler: StreamHandler, extra: { onDeadLetter?: (r: DynamoDBRecord[]) => void; batchSize?: number; before?: number } = {}) {
  const table = await freshTable();
  const put = (n: number) => table.doc.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'P', SK: `S#${String(n).padStart(3, '0')}`, n } }));
  for (let i = 0; i < (extra.before ?? 0); i++) await put(i);
  poller = await startStreamPoller({
    dynamo: table.client,
    streams: localStreamsClient(table.endpoint),
    tableName: table.tableName,
    handler,
    maxAttempts: 3,
    pollIntervalMs: 20,
    ...extra,
  });
  return { put };
}

const numbers = (records: DynamoDBRecord[]) => records.map((r) => Number(r.dynamodb?.NewImage?.n?.N));

describe('Local runtime: DynamoDB stream poller (an event source mapping on a laptop)', () => {
  it('delivers every insert in order, in Lambda event shape', async () => {
    const seen: DynamoDBRecord[] = [];
    const { put } = await setup(async (event) => void seen.push(...event.Records));
    for (let i = 0; i < 5; i++) await put(i);
    await poller!.idle();
    expect(numbers(seen)).toEqual([0, 1, 2, 3, 4]);
    expect(seen[0]).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: { PK: { S: 'P' } }, ApproximateCreationDateTime: expect.any(Number) },
    });
  });

  it('delivers a table\u2019s first records when another table wrote in between (DynamoDB Local numbers records across tables)', async () => {
    // Prepare: the poller holds an iterator on an empty stream; another table then takes the next sequence numbers
    const seen: DynamoDBRecord[] = [];
    const { put } = await setup(async (event) => void seen.push(...event.Records));
    await poller!.idle();
    const other = await freshTable();
    for (let i = 0; i < 5; i++) await other.doc.send(new PutCommand({ TableName: other.tableName, Item: { PK: 'O', SK: `S#${i}` } }));

    // Act
    for (let i = 0; i < 4; i++) await put(i);
    await poller!.idle();

    // Assess
    expect(numbers(seen)).toEqual([0, 1, 2, 3]);
  });

  it('carries every attribute type as Lambda JSON does (binary as base64, nested maps and lists)', async () => {
    const seen: DynamoDBRecord[] = [];
    const table = await freshTable();
    poller = await startStreamPoller({
      dynamo: table.client,
      streams: localStreamsClient(table.endpoint),
      tableName: table.tableName,
      handler: async (event) => void seen.push(...event.Records),
      pollIntervalMs: 20,
    });
    const item = { PK: 'P', SK: 'S', b: new Uint8Array([1, 2, 255]), ok: true, none: null, ss: new Set(['a']), m: { l: [1, 'x'] } };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));
    await poller.idle();
    expect(seen[0]!.dynamodb!.NewImage).toEqual({
      PK: { S: 'P' },
      SK: { S: 'S' },
      b: { B: Buffer.from([1, 2, 255]).toString('base64') },
      ok: { BOOL: true },
      none: { NULL: true },
      ss: { SS: ['a'] },
      m: { M: { l: { L: [{ N: '1' }, { S: 'x' }] } } },
    });
  });

  it('retries a failing batch, and dead-letters it after the last attempt without blocking the shard', async () => {
    const attempts: number[][] = [];
    const dead: number[] = [];
    const { put } = await setup(
      async (event) => {
        attempts.push(numbers(event.Records));
        if (numbers(event.Records).includes(1)) throw new Error('poison');
      },
      { onDeadLetter: (records) => dead.push(...numbers(records)), batchSize: 1 },
    );
    for (let i = 0; i < 3; i++) await put(i);
    await poller!.idle();
    expect(attempts).toEqual([[0], [1], [1], [1], [2]]);
    expect(dead).toEqual([1]);
  });

  it('honours batch item failures: retries from the first failed record only', async () => {
    const attempts: number[][] = [];
    let failOnce = true;
    // All three are written before the poller starts, so the first batch holds them all.
    await setup(
      async (event) => {
        attempts.push(numbers(event.Records));
        const second = event.Records[1];
        if (failOnce && second) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: second.dynamodb!.SequenceNumber! }] };
        }
      },
      { before: 3 },
    );
    await poller!.idle();
    expect(attempts).toEqual([
      [0, 1, 2],
      [1, 2],
    ]);
  });

  it('retries as Lambda does by default (5 retries, 6 attempts) and bisects a failing batch down to its poison record', async () => {
    // Prepare: three records in one batch, the middle one poison
    const table = await freshTable();
    const put = (n: number) => table.doc.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'P', SK: `S#${n}`, n } }));
    for (let i = 0; i < 3; i++) await put(i);
    const handled: number[] = [];
    let poisonTries = 0;
    // Act
    poller = await startStreamPoller({
      dynamo: table.client,
      streams: localStreamsClient(table.endpoint),
      tableName: table.tableName,
      pollIntervalMs: 20,
      handler: async (event) => {
        if (numbers(event.Records).includes(1)) {
          if (event.Records.length === 1) poisonTries++;
          throw new Error('poison');
        }
        handled.push(...numbers(event.Records));
      },
    });
    await poller.idle();
    // Assess: the good records went through, the poison one was tried 6 times alone, then dead-lettered whole
    expect(handled.sort()).toEqual([0, 2]);
    expect(poisonTries).toBe(6);
    expect(numbers(poller.deadLetters())).toEqual([1]);
  }, 30_000);

  it('resumes after its checkpoint on the next start (not from the oldest record), and keeps dead letters for a redrive', async () => {
    // Prepare: a poller with a checkpoint and a dead-letter file handles 0–2, 1 fails for good
    const table = await freshTable();
    const dir = mkdtempSync(join(tmpdir(), 'poller-'));
    const files = { checkpointFile: join(dir, 'checkpoints.json'), deadLetterFile: join(dir, 'dead.json') };
    const put = (n: number) => table.doc.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'P', SK: `S#${n}`, n } }));
    const start = (handler: StreamHandler) =>
      startStreamPoller({
        dynamo: table.client,
        streams: localStreamsClient(table.endpoint),
        tableName: table.tableName,
        handler,
        maxAttempts: 2,
        pollIntervalMs: 20,
        batchSize: 1,
        ...files,
      });
    let broken = true;
    const seen: number[] = [];
    const handler: StreamHandler = async (event) => {
      if (broken && numbers(event.Records).includes(1)) throw new Error('not yet');
      seen.push(...numbers(event.Records));
    };
    for (let i = 0; i < 3; i++) await put(i);
    poller = await start(handler);
    await poller.idle();
    await poller.stop();
    // Act: written while "down", then a new start; then the cause is fixed and the dead letter redriven
    await put(3);
    await put(4);
    seen.length = 0;
    poller = await start(handler);
    await poller.idle();
    // Assess
    expect(seen).toEqual([3, 4]);
    expect(numbers(poller.deadLetters())).toEqual([1]);
    broken = false;
    expect(await poller.redrive()).toBe(1);
    expect(seen).toEqual([3, 4, 1]);
    expect(poller.deadLetters()).toEqual([]);
  }, 30_000);
});
