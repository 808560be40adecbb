import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_LIMITS, batchDeleteAll, batchGetAll } from '../../functions/adapters/dynamo/batch.js';

const ddb = mockClient(DynamoDBDocumentClient);
const client = ddb as unknown as DynamoDBDocumentClient;
const keysOf = (n: number) => Array.from({ length: n }, (_, i) => ({ PK: 'P', SK: `S#${i}` }));

describe('Adapter: DynamoDB batches (chunked to the API limits, unprocessed keys retried)', () => {
  beforeEach(() => ddb.reset());

  it('asks BatchGetItem for at most 100 keys at a time, and again for the keys it left unprocessed', async () => {
    // Prepare: the first call leaves two keys unprocessed (throttled)
    const keys = keysOf(250);
    let first = true;
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Record<string, unknown>[] }> }) => {
      const asked = input.RequestItems.t!.Keys;
      const left = first ? asked.slice(0, 2) : [];
      first = false;
      return { Responses: { t: asked.filter((k) => !left.includes(k)) }, UnprocessedKeys: left.length ? { t: { Keys: left } } : {} };
    });
    // Act
    const found = await batchGetAll(client, 't', keys);
    // Assess
    const sizes = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems!.t!.Keys!.length);
    expect(sizes).toEqual([100, 2, 100, 50]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_LIMITS.get);
    expect(found.map((i) => i.SK).sort()).toEqual(keys.map((k) => k.SK).sort());
  });

  it('gives up with an error naming the call when DynamoDB keeps keys unprocessed (the caller retries the whole operation)', async () => {
    vi.useFakeTimers();
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({ UnprocessedItems: { t: input.RequestItems.t } }));
    const outcome = batchDeleteAll(client, 't', keysOf(1)).catch((e: Error) => e);
    await vi.runAllTimersAsync();
    vi.useRealTimers();
    expect(await outcome).toEqual(new Error('BatchWriteItem: DynamoDB kept 1 keys unprocessed; try again'));
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(7);
  });

  it('deletes in chunks of 25', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    await batchDeleteAll(client, 't', keysOf(60));
    expect(ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.t!.length)).toEqual([25, 25, 10]);
  });
});
