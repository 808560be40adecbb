import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDueChecks } from '../../functions/adapters/dynamo/due-checks.js';
import { DUE_SHARDS, keys } from '../../functions/adapters/dynamo/keys.js';
import { freshTable } from '../support/dynamo.js';

describe('Adapter: DynamoDueChecks on DynamoDB Local (a day spread over 16 partitions)', () => {
  it("writes each lead's checks to its shard of the day, and lists the whole day's due checks oldest first", async () => {
    // Prepare: 32 leads whose keys start with every hex digit twice, due across the morning
    const table = await freshTable();
    const due = new DynamoDueChecks({ client: table.doc, tableName: table.tableName });
    const leads = Array.from({ length: 32 }, (_, i) => `${DUE_SHARDS[i % 16]}${String(i).padStart(63, '0')}`);
    for (const [i, emailKey] of leads.entries()) {
      const at = new Date(Date.UTC(2026, 11, 1, 8, 0, 31 - i)).toISOString();
      await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.due(at, 'demo', emailKey), entity: 'due' } }));
    }
    // Act
    const listed = await due.list('2026-12-01', '2026-12-01T09:00:00.000Z');
    // Assess: 16 partitions of 2 each, all listed, in time order
    const perShard = await Promise.all(
      keys.duePartitions('2026-12-01').map(async (pk) => {
        const { Items } = await table.doc.send(
          new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } }),
        );
        return Items?.length ?? 0;
      }),
    );
    expect(perShard).toEqual(Array(16).fill(2));
    expect(listed).toHaveLength(32);
    expect(listed.map((c) => c.at)).toEqual([...listed.map((c) => c.at)].sort());
    expect(await due.list('2026-12-01', '2026-12-01T08:00:15.000Z')).toHaveLength(16);
  }, 30_000);
});
