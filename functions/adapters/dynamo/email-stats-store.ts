import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EMAIL_METRICS, type EmailCounts, type EmailStatCell } from '../../core/email-stats.js';
import type { EmailStats } from '../../core/ports.js';
import { addCounts } from '../../core/stats.js';
import { keys } from './keys.js';
import { queryAll } from './query.js';
import { addCountsUpdate, counterExpiry } from './counters.js';
import { STATS_RETENTION_DAYS } from './stats-store.js';
import { TABLE } from './table.js';

/** How long an event's "counted" mark is kept: SES redelivers within hours, the events queue keeps a message 4 days. */
export const COUNTED_EVENT_DAYS = 7;

/**
 * Email counters in the table: one `ADD` UpdateItem (1 WCU) per count on one of 4 partitions of the site,
 * picked at random (an account sends at most a few hundred emails a second: a partition takes 1,000
 * writes a second). A count with an event id is a transaction with a put of the event's mark under the
 * condition it does not exist (4 WCU), so an SES event delivered twice counts once. A read is one Query per
 * partition over the range's days: its cost follows the days and the emails configured, never the leads.
 */
export class DynamoEmailStats implements EmailStats {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly random: () => number = Math.random,
  ) {}

  async count(siteId: string, day: string, email: string, add: EmailCounts, eventId?: string): Promise<'counted' | 'duplicate'> {
    const counts = addCountsUpdate(add, counterExpiry(day, STATS_RETENTION_DAYS));
    if (!counts) return 'counted';
    const shard = keys.emailStatShards[Math.floor(this.random() * keys.emailStatShards.length)]!;
    const update = { TableName: this.tableName, Key: keys.emailStat(siteId, shard, day, email), ...counts };
    if (eventId === undefined) {
      await retryConflicts(() => this.client.send(new UpdateCommand(update)));
      return 'counted';
    }
    try {
      await retryConflicts(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...keys.emailStatEvent(eventId), [TABLE.ttlAttribute]: Math.floor(Date.now() / 1000) + COUNTED_EVENT_DAYS * 86_400 },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              { Update: update },
            ],
          }),
        ),
      );
      return 'counted';
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
      throw error;
    }
  }

  async read(siteId: string, from: string, to: string): Promise<EmailStatCell[]> {
    const cells = new Map<string, EmailStatCell>();
    const shards = await Promise.all(
      keys.emailStatShards.map((shard) =>
        queryAll(this.client, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          // '$' sorts right after '#': every email of the day `to`.
          ExpressionAttributeValues: { ':pk': keys.emailStatPartition(siteId, shard), ':from': `${from}#`, ':to': `${to}$` },
        }),
      ),
    );
    for (const item of shards.flat()) {
      const sk = item.SK as string;
      const day = sk.slice(0, 10);
      const email = sk.slice(11);
      const cell = cells.get(sk) ?? { day, email, counts: {} };
      addCounts(cell.counts, Object.fromEntries(EMAIL_METRICS.map((m) => [m, item[m] as number | undefined])));
      cells.set(sk, cell);
    }
    return [...cells.values()];
  }
}

/** Tries of a count that meets another write of the same counter (a transaction holds it for a moment). */
export const COUNT_TRIES = 5;

/**
 * A counter is one item that every count of its email and day writes: a plain update that meets a
 * transaction on it (an SES event being counted) is refused as a conflict, and so is a transaction that
 * meets another. Neither changed anything: try again, up to {@link COUNT_TRIES} times, 10 to 60 ms apart
 * and growing. A mark found (the event counted before) is no conflict: it is answered at once.
 */
async function retryConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= COUNT_TRIES || !isConflict(error)) throw error;
      await new Promise((ok) => setTimeout(ok, 10 * attempt + Math.random() * 20));
    }
  }
}

const isConflict = (error: unknown): boolean =>
  (error as { name?: string }).name === 'TransactionConflictException' ||
  (error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed' &&
    (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict'));
