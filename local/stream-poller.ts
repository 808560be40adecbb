import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  /** Same endpoint and credentials as `dynamo`. */
  streams: DynamoDBStreamsClient;
  tableName: string;
  handler: StreamHandler;
  /** Records per invocation, as the event source mapping's BatchSize. */
  batchSize?: number;
  /** Attempts per batch before it goes to the dead-letter hook, as MaximumRetryAttempts + 1. */
  maxAttempts?: number;
  pollIntervalMs?: number;
  /** Where a batch goes after its last attempt (the event source mapping's on-failure destination). */
  onDeadLetter?: (records: DynamoDBRecord[], error: unknown) => void;
}

export interface StreamPoller {
  /** Resolves once every record written so far has been handled (or dead-lettered). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Feed a table's DynamoDB stream to a Lambda-style handler the way an event source mapping does: in
 * order per shard, in batches, retrying a failed batch (from the first failed item when the handler
 * reports batch item failures), then handing it to a dead-letter hook so the shard moves on.
 *
 * It starts at TRIM_HORIZON: after a restart the last 24 hours are handled again, which is safe because
 * every consumer is idempotent, and nothing written while the runtime was down is lost.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { dynamo, streams, tableName, handler } = options;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 3;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream`);

  let stopped = false;
  let lastIdleCheck: (() => void)[] = [];
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  const pending: StreamRecord[] = [];

  async function discoverShards() {
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }));
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId!;
        if (iterators.has(id) || finished.has(id)) continue;
        // A child shard starts only after its parent is read to the end, to keep per-item order.
        if (shard.ParentShardId && iterators.has(shard.ParentShardId)) continue;
        const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
        iterators.set(id, ShardIterator);
      }
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
  }

  async function deliver(records: StreamRecord[]) {
    let remaining = records.map(toLambdaRecord(streamArn!));
    for (let attempt = 1; remaining.length; attempt++) {
      try {
        const response = await handler({ Records: remaining });
        const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
        if (!failed) return;
        // As with ReportBatchItemFailures: retry from the first failed record on.
        const from = remaining.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
        if (attempt >= maxAttempts) return options.onDeadLetter?.(remaining.slice(Math.max(0, from)), new Error('batch item failure'));
        remaining = remaining.slice(Math.max(0, from));
      } catch (error) {
        if (attempt >= maxAttempts) return options.onDeadLetter?.(remaining, error);
      }
      await sleep(Math.min(2000, 50 * 2 ** attempt));
    }
  }

  async function pollOnce(): Promise<boolean> {
    let sawRecords = false;
    await discoverShards();
    for (const [shardId, iterator] of iterators) {
      if (!iterator) {
        iterators.delete(shardId);
        finished.add(shardId);
        continue;
      }
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          iterators.delete(shardId); // rediscovered (from TRIM_HORIZON) on the next pass
          continue;
        }
        throw error;
      }
      iterators.set(shardId, page.NextShardIterator);
      pending.push(...(page.Records ?? []));
      while (pending.length) {
        sawRecords = true;
        await deliver(pending.splice(0, batchSize));
      }
    }
    return sawRecords;
  }

  const loop = (async () => {
    while (!stopped) {
      let sawRecords = false;
      try {
        sawRecords = await pollOnce();
      } catch (error) {
        if (!stopped) console.error(JSON.stringify({ level: 'ERROR', message: 'stream poller', error: (error as Error).message }));
      }
      if (!sawRecords) {
        const waiting = lastIdleCheck;
        lastIdleCheck = [];
        waiting.forEach((resolve) => resolve());
        await sleep(pollIntervalMs);
      }
    }
  })();

  return {
    // "Idle" = one full pass over every shard found nothing new, after this call was made.
    idle: () =>
      new Promise<void>((resolve) => {
        let passes = 0;
        const check = () => (++passes >= 2 ? resolve() : lastIdleCheck.push(check));
        lastIdleCheck.push(check);
      }),
    stop: async () => {
      stopped = true;
      lastIdleCheck.forEach((r) => r());
      await loop;
    },
  };
}

/** A DynamoDB Streams API record in the shape Lambda hands to a function. */
const toLambdaRecord =
  (streamArn: string) =>
  (r: StreamRecord): DynamoDBRecord => ({
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(r.dynamodb?.Keys && { Keys: r.dynamodb.Keys as never }),
      ...(r.dynamodb?.NewImage && { NewImage: r.dynamodb.NewImage as never }),
      ...(r.dynamodb?.OldImage && { OldImage: r.dynamodb.OldImage as never }),
      ...(r.dynamodb?.SequenceNumber && { SequenceNumber: r.dynamodb.SequenceNumber }),
      ...(r.dynamodb?.SizeBytes !== undefined && { SizeBytes: r.dynamodb.SizeBytes }),
      ...(r.dynamodb?.StreamViewType && { StreamViewType: r.dynamodb.StreamViewType }),
      ...(r.dynamodb?.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(r.dynamodb.ApproximateCreationDateTime.getTime() / 1000) }),
    },
  });

/** A Streams client for DynamoDB Local (same fake credentials as the table client). */
export const localStreamsClient = (endpoint: string) =>
  new DynamoDBStreamsClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
