import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, Limit, RateLimiter } from '../../core/ports.js';
import { keys } from './keys.js';
import { TABLE } from './table.js';

/**
 * A fixed-window counter in the table, shared by every Lambda environment (and every local runtime on the
 * same table), so a limit is the same however many environments serve the requests and survives their
 * cold starts. One conditional UpdateItem per hit (1 WCU: the item is tiny); a hit over the limit is a
 * failed condition (still 1 WCU) and changes nothing. Items expire by TTL a window after they close.
 *
 * A high limit is spread over shards (at most 200 hits a second per item), so a form's ceiling never makes
 * one hot item: each hit goes to a random shard, each shard allows its share of the limit.
 */
/**
 * The conditional update that counts one hit of a limit in the current window (spread over shards when
 * the limit is high), and how long until the window ends. Used alone (`DynamoRateLimiter.hit`) or inside a
 * transaction with the write it guards (capture).
 */
export function counterHit(tableName: string, limit: Limit, nowMs: number, random: () => number = Math.random) {
  const windowMs = limit.windowSeconds * 1000;
  const start = Math.floor(nowMs / windowMs) * windowMs;
  const shards = Math.max(1, Math.ceil(limit.limit / limit.windowSeconds / MAX_HITS_PER_SECOND_PER_ITEM));
  const shard = Math.floor(random() * shards);
  const Key = keys.rateCount(shards > 1 ? `${limit.key}#${shard}` : limit.key, new Date(start).toISOString());
  return {
    update: {
      TableName: tableName,
      Key,
      UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':one': 1, ':limit': Math.ceil(limit.limit / shards), ':ttl': Math.ceil((start + 2 * windowMs) / 1000) },
    },
    retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000)),
  };
}

export class DynamoRateLimiter implements RateLimiter {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string; clock: Clock; random?: () => number }) {}

  async hit(
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<{ allowed: true; undo(): Promise<void> } | { allowed: false; retryAfterSeconds: number }> {
    const counter = counterHit(this.options.tableName, { key, limit, windowSeconds }, this.options.clock.now().getTime(), this.options.random);
    try {
      await this.options.client.send(new UpdateCommand(counter.update));
      return { allowed: true, undo: () => this.undo(counter.update.Key) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { allowed: false, retryAfterSeconds: counter.retryAfterSeconds };
    }
  }

  /** Take one hit back (1 WCU), never below zero, never creating a counter. */
  private async undo(Key: Record<string, string>): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key,
          UpdateExpression: 'ADD #n :minus',
          ConditionExpression: '#n > :zero',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** DynamoDB allows 1,000 writes a second per partition; a fifth of that leaves room for bursts. */
export const MAX_HITS_PER_SECOND_PER_ITEM = 200;
