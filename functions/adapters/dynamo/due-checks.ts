import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DueCheck, DueChecks } from '../../core/ports.js';
import { keys } from './keys.js';
import { queryAll } from './query.js';

/**
 * Scheduled work in the single table: 16 partitions per UTC day (`DUE#2026-11-22#a`), sorted by time.
 * The drainer Queries each day's partitions from its cursor with `SK <= now`, so a run reads only what is due.
 */
export class DynamoDueChecks implements DueChecks {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** The day's checks due by `until`, oldest first, from all of the day's partitions (read in parallel). */
  async list(day: string, until: string): Promise<DueCheck[]> {
    const shards = await Promise.all(keys.duePartitions(day).map((pk) => this.listPartition(pk, until)));
    return shards.flat().sort((a, b) => a.at.localeCompare(b.at));
  }

  private async listPartition(pk: string, until: string): Promise<DueCheck[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK <= :until',
      // Every SK of the day starts with the time, so `<= until~` includes checks at exactly `until`.
      ExpressionAttributeValues: { ':pk': pk, ':until': `${until}~` },
      ProjectionExpression: 'SK',
    });
    return items.flatMap((item) => keys.parseDue(item.SK as string) ?? []);
  }

  async done(check: DueCheck): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.dueOf(check),
      }),
    );
  }

  async cursor(): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.dueCursor, ConsistentRead: true }));
    return Item?.day as string | undefined;
  }

  async setCursor(day: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.dueCursor, entity: 'due-cursor', day } }));
  }
}
