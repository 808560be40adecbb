import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  TrimmedDataAccessException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import { existsSync } from 'node:fs';
import { readJson, writeJson } from './files.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { STREAM_CONSUMER } from '../functions/adapters/dynamo/stream.js';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  /** Same endpoint and credentials as `dynamo`. */
  streams: DynamoDBStreamsClient;
  tableName: string;
  handler: StreamHandler;
  /** Records per invocation, as the event source mapping's BatchSize. */
  batchSize?: number;
  /** Attempts per batch before it goes to the dead-letter hook, as MaximumRetryAttempts + 1. @default as on AWS */
  maxAttempts?: number;
  pollIntervalMs?: number;
  /** Where a batch goes after its last attempt (the event source mapping's on-failure destination). */
  onDeadLetter?: (records: DynamoDBRecord[], error: unknown) => void;
  /**
   * Remember, per shard, the last record handled, and resume after it on the next start (as Lambda's event
   * source mapping does), instead of re-reading the stream from its oldest record.
   */
  checkpointFile?: string;
  /** Keep dead-lettered records on disk, for `deadLetters()` and `redrive()` after a restart. */
  deadLetterFile?: string;
}

export interface StreamPoller {
  /** Resolves once every record written so far has been handled (or dead-lettered). */
  idle(): Promise<void>;
  /** Records that failed every attempt: kept whole (unlike Lambda's on-failure destination), so they can be redriven. */
  deadLetters(): DynamoDBRecord[];
  /** Hand every dead letter to the handler again (once each); those that fail again stay. Returns how many succeeded. */
  redrive(): Promise<number>;
  stop(): Promise<void>;
}

// Long by design: one object whose methods (poll, idle, redrive, stop) share the shard state; each is short.
/**
 * Feed a table's DynamoDB stream to a Lambda-style handler the way an event source mapping does: in
 * order per shard, in batches, retrying a failed batch (from the first failed item when the handler
 * reports batch item failures), then handing it to a dead-letter hook so the shard moves on.
 *
 * With a checkpoint file it resumes each shard after the last record it handled (records written while
 * the runtime was down are read then, so nothing is lost); a shard it has no checkpoint for, or whose
 * checkpoint has been trimmed away, is read from TRIM_HORIZON (safe: every consumer is idempotent). A
 * failed batch is retried as Lambda retries it (bisected on errors), then dead-lettered whole.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { dynamo, streams, tableName, handler } = options;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? STREAM_CONSUMER.retryAttempts + 1;
  const checkpoints: Record<string, string> = options.checkpointFile && existsSync(options.checkpointFile) ? readJson(options.checkpointFile) : {};
  const dead: DynamoDBRecord[] = options.deadLetterFile && existsSync(options.deadLetterFile) ? readJson(options.deadLetterFile) : [];
  const saveCheckpoint = (shardId: string, sequenceNumber: string) => {
    checkpoints[shardId] = sequenceNumber;
    if (options.checkpointFile) writeJson(options.checkpointFile, checkpoints);
  };
  const deadLetter = (records: DynamoDBRecord[], error: unknown) => {
    dead.push(...records);
    if (options.deadLetterFile) writeJson(options.deadLetterFile, dead);
    options.onDeadLetter?.(records, error);
  };
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
        iterators.set(id, await iteratorFor(id));
      }
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
  }

  /** After the checkpoint when there is one still in the stream, else from the oldest record. */
  async function iteratorFor(shardId: string): Promise<string | undefined> {
    const after = checkpoints[shardId];
    if (after) {
      try {
        return (
          await streams.send(
            new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
          )
        ).ShardIterator;
      } catch {
        // Trimmed (older than the stream's 24 hours) or otherwise gone: read what is left.
      }
    }
    return (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  }

  /**
   * Hand records to the handler as Lambda does: retry from the first failed record when it reports batch
   * item failures; on a thrown error split the batch in two and retry each half (bisecting does not use up
   * attempts); after the last attempt, dead-letter what is left.
   */
  async function deliver(lambdaRecords: DynamoDBRecord[], attempt = 1): Promise<void> {
    let remaining = lambdaRecords;
    for (; remaining.length; attempt++) {
      try {
        const response = await handler({ Records: remaining });
        const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
        if (!failed) return;
        const from = remaining.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
        if (attempt >= maxAttempts) return deadLetter(remaining.slice(Math.max(0, from)), new Error('batch item failure'));
        remaining = remaining.slice(Math.max(0, from));
      } catch (error) {
        if (error instanceof Stopping) throw error;
        if (remaining.length > 1) {
          const half = Math.ceil(remaining.length / 2);
          await deliver(remaining.slice(0, half), attempt);
          return deliver(remaining.slice(half), attempt);
        }
        if (attempt >= maxAttempts) return deadLetter(remaining, error);
      }
      // Stopping: leave the batch unhandled and the checkpoint before it, for the next start.
      if (stopped) throw new Stopping();
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
      let page: GetRecordsCommandOutput;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (error) {
        // Expired (15 minutes unused), or trimmed: records gone from under the iterator (24 hours on AWS).
        // DynamoDB Local also says "trimmed" for an iterator taken on an empty shard once another table has
        // taken the next sequence numbers (it numbers records across tables). Either way: a new iterator,
        // after the checkpoint or from the oldest record left, on the next pass.
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          iterators.delete(shardId);
          continue;
        }
        throw error;
      }
      iterators.set(shardId, page.NextShardIterator);
      pending.push(...(page.Records ?? []));
      while (pending.length) {
        sawRecords = true;
        const batch = pending.splice(0, batchSize);
        await deliver(batch.map(toLambdaRecord(streamArn!)));
        // Handled or dead-lettered: either way the shard moves on, and a restart resumes after it.
        const last = batch.at(-1)?.dynamodb?.SequenceNumber;
        if (last) saveCheckpoint(shardId, last);
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
        if (!stopped && !(error instanceof Stopping))
          console.error(JSON.stringify({ level: 'ERROR', message: 'stream poller', error: (error as Error).message }));
      }
      if (!sawRecords) {
        const waiting = lastIdleCheck;
        lastIdleCheck = [];
        for (const resolve of waiting) resolve();
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
    deadLetters: () => [...dead],
    redrive: async () => {
      const records = dead.splice(0);
      let redriven = 0;
      for (const record of records) {
        try {
          const response = await handler({ Records: [record] });
          if (response?.batchItemFailures?.length) throw new Error('batch item failure');
          redriven++;
        } catch {
          dead.push(record);
        }
      }
      if (options.deadLetterFile) writeJson(options.deadLetterFile, dead);
      return redriven;
    },
    stop: async () => {
      stopped = true;
      for (const r of lastIdleCheck) r();
      await loop;
    },
  };
}

/** The poller was stopped while a batch was still failing: it is handed over to the next start. */
class Stopping extends Error {}

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
      ...(r.dynamodb?.Keys && { Keys: toLambdaImage(r.dynamodb.Keys) }),
      ...(r.dynamodb?.NewImage && { NewImage: toLambdaImage(r.dynamodb.NewImage) }),
      ...(r.dynamodb?.OldImage && { OldImage: toLambdaImage(r.dynamodb.OldImage) }),
      ...(r.dynamodb?.SequenceNumber && { SequenceNumber: r.dynamodb.SequenceNumber }),
      ...(r.dynamodb?.SizeBytes !== undefined && { SizeBytes: r.dynamodb.SizeBytes }),
      ...(r.dynamodb?.StreamViewType && { StreamViewType: r.dynamodb.StreamViewType }),
      ...(r.dynamodb?.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(r.dynamodb.ApproximateCreationDateTime.getTime() / 1000) }),
    },
  });

type LambdaImage = Record<string, LambdaAttributeValue>;
const toLambdaImage = (image: Record<string, StreamAttributeValue>): LambdaImage =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));

/** An attribute as Lambda's JSON carries it: binary values as base64 strings, as the event source mapping sends them. */
function toLambdaValue(v: StreamAttributeValue): LambdaAttributeValue {
  const base64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.B !== undefined) return { B: base64(v.B) };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map(base64) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) };
  throw new Error(`Unknown DynamoDB attribute type: ${Object.keys(v).join(',')}`);
}

/** A Streams client for DynamoDB Local (same fake credentials as the table client). */
export const localStreamsClient = (endpoint: string) =>
  new DynamoDBStreamsClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
