import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Key = Record<string, unknown>;

/** DynamoDB's limits per call: 100 keys to BatchGetItem, 25 requests to BatchWriteItem. */
export const BATCH_LIMITS = { get: 100, write: 25 } as const;
/**
 * Tries per chunk before giving up on keys DynamoDB keeps unprocessed (throttling): 7, backing off 50 ms …
 * 1.6 s, 3.15 s of waiting in all, well inside the API functions' 10 s, so the caller gets the clear
 * "try again" error rather than a timeout.
 */
const MAX_TRIES = 7;

/**
 * Run `call` on `items` in chunks of `size`, calling again with what DynamoDB left unprocessed, with
 * exponential backoff (as AWS advises), until nothing is left; after MAX_TRIES a chunk throws, and the
 * caller's caller retries the whole operation (every batch here is idempotent: reads, deletes).
 */
async function inChunks<T>(items: readonly T[], size: number, call: (chunk: T[]) => Promise<T[]>, what: string): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    let pending = items.slice(i, i + size);
    for (let tries = 1; pending.length; tries++) {
      if (tries > MAX_TRIES) throw new Error(`${what}: DynamoDB kept ${pending.length} keys unprocessed; try again`);
      if (tries > 1) await new Promise((ok) => setTimeout(ok, 50 * 2 ** (tries - 2)));
      pending = await call(pending);
    }
  }
}

/** Every item of `keys` that exists (in no particular order), however many keys, however often DynamoDB throttles. */
export async function batchGetAll(client: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  await inChunks(
    keys,
    BATCH_LIMITS.get,
    async (chunk) => {
      const out = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: chunk } } }));
      found.push(...(out.Responses?.[tableName] ?? []));
      return (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    },
    'BatchGetItem',
  );
  return found;
}

/** Delete every key of `keys` (deleting what is gone is fine), however many, however often DynamoDB throttles. */
export async function batchDeleteAll(client: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<void> {
  await batchWriteAll(client, tableName, { deletes: keys });
}

/**
 * Put every item of `puts` and delete every key of `deletes` (unconditional, so idempotent), however many,
 * however often DynamoDB throttles.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  writes: { puts?: readonly Record<string, unknown>[]; deletes?: readonly Key[] },
): Promise<void> {
  type Request = { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Key } };
  const requests: Request[] = [
    ...(writes.puts ?? []).map((Item) => ({ PutRequest: { Item } })),
    ...(writes.deletes ?? []).map((Key) => ({ DeleteRequest: { Key } })),
  ];
  await inChunks(
    requests,
    BATCH_LIMITS.write,
    async (chunk) => {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: chunk as never } }));
      return (out.UnprocessedItems?.[tableName] ?? []) as Request[];
    },
    'BatchWriteItem',
  );
}
