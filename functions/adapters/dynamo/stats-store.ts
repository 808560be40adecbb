import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CountOptions, FormStats, StatCell } from '../../core/ports.js';
import {
  type Attribution,
  BOUNDED_DIMENSIONS,
  MAX_KEYS_PER_DAY,
  NONE,
  OTHER,
  STAT_METRICS,
  type StatDimension,
  type StatMetric,
  addCounts,
  cellsOf,
} from '../../core/stats.js';
import { addCountsUpdate, counterExpiry } from './counters.js';
import { keys } from './keys.js';
import { queryAll } from './query.js';
import { TABLE } from './table.js';

/** Days a counter is kept before it expires (TTL). */
export const STATS_RETENTION_DAYS = 800;

/**
 * Form counters in the table. One event adds to seven small items (the total and one per dimension;
 * an impression five: it has no medium or referrer), each an `ADD` UpdateItem of 1 WCU, in parallel. Every event picks one of `keys.statShards` partitions at
 * random, so a busy form spreads over 8 partitions (about 1,100 events a second before one is hot: a
 * partition takes 1,000 WCU a second, seven per event); a read sums the 8. No transaction: counters only
 * add, and a counted event is never counted again by its caller.
 *
 * A page, campaign or source keeps at most {@link MAX_KEYS_PER_DAY} values a day: a cell that exists is
 * added to under the condition that it does (the common case, 1 WCU); a value new to its shard is looked
 * up in the day's string set of values (a read of a few KB), and if it is not there, admitted to it when
 * the caller agrees and there is room (once per value: at most 100 writes a day per dimension), else
 * counted as `(other)`.
 */
export class DynamoFormStats implements FormStats {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly random: () => number = Math.random,
  ) {}

  async count(siteId: string, attribution: Attribution, day: string, add: Partial<Record<StatMetric, number>>, options: CountOptions = {}): Promise<void> {
    const expiresAt = counterExpiry(day, STATS_RETENTION_DAYS);
    const update = addCountsUpdate(add, expiresAt);
    if (!update) return;
    const shard = keys.statShards[Math.floor(this.random() * keys.statShards.length)]!;
    const add1 = (dimension: string, value: string, onlyIfThere: boolean) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.stat(siteId, attribution.formId, shard, dimension, day, value),
          ...update,
          ...(onlyIfThere && { ConditionExpression: 'attribute_exists(PK)' }),
        }),
      );
    await Promise.all(
      cellsOf(attribution, add).map(async ({ dimension, value }) => {
        if (!(BOUNDED_DIMENSIONS as readonly string[]).includes(dimension) || value === NONE) return add1(dimension, value, false);
        try {
          return await add1(dimension, value, true);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        const admitted = await this.admit(siteId, attribution.formId, dimension, day, value, expiresAt, options.mayAdmit);
        return add1(dimension, admitted ? value : OTHER, false);
      }),
    );
  }

  /** Whether the day's values of this dimension take `value` (it is among them, or there is room for it). */
  private async admit(
    siteId: string,
    formId: string,
    dimension: string,
    day: string,
    value: string,
    expiresAt: number,
    mayAdmit?: () => Promise<boolean>,
  ): Promise<boolean> {
    // A value another shard let in today is in: no question asked. Else the caller's say, then the room.
    const Key = keys.statKeys(siteId, formId, dimension, day);
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key, ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'values' } }),
    );
    if ((Item?.values as Set<string> | undefined)?.has(value)) return true;
    if (mayAdmit && !(await mayAdmit())) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'ADD #v :v SET #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(#v) OR contains(#v, :value) OR size(#v) < :max',
          ExpressionAttributeNames: { '#v': 'values', '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':v': new Set([value]), ':value': value, ':max': MAX_KEYS_PER_DAY, ':ttl': expiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async read(siteId: string, formId: string, dimension: 'all' | StatDimension, from: string, to: string): Promise<StatCell[]> {
    const cells = new Map<string, StatCell>();
    const shards = await Promise.all(
      keys.statShards.map((shard) =>
        queryAll(this.client, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.statPartition(siteId, formId, shard),
            ':from': keys.statSortKey(dimension, from, ''),
            // '$' sorts right after '#': every value of the day `to`, whatever its first byte.
            ':to': `${dimension}#${to}$`,
          },
        }),
      ),
    );
    for (const item of shards.flat()) {
      const { day, value } = keys.parseStatSortKey(item.SK as string);
      const cell = cells.get(`${day}#${value}`) ?? { day, value, counts: {} };
      addCounts(cell.counts, Object.fromEntries(STAT_METRICS.map((m) => [m, item[m] as number | undefined])));
      cells.set(`${day}#${value}`, cell);
    }
    return [...cells.values()];
  }
}
