import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LifecycleStage } from '../../core/contracts.js';
import { keys } from './keys.js';

const LEAD_SK = keys.leadSortKey;

/**
 * Segments scanned at once. Many, because DynamoDB Local re-reads a segment from its start for every page
 * (measured on 200,000 items: 12.7 s with 16 segments, 3.1 s with 64, 2.0 s with 128); on AWS a segment
 * more costs nothing (read units depend on the data read, not on the number of requests).
 */
export const DEFAULT_SEGMENTS = 64;

/** One lead found by the scan: its partition, and what its stored score says (projected, so nearly free). */
export interface ScannedLead {
  siteId: string;
  emailKey: string;
  stage: LifecycleStage;
  /** The rules version of the stored score; absent when the lead was never scored. */
  rulesVersion?: string;
  /** The stored total, to count how many scores a re-score changes. */
  total?: number;
}

/** One page of one segment's Scan, with the read units it consumed. */
export interface ScannedPage {
  leads: ScannedLead[];
  /** Read capacity this Scan request consumed (every item it read, not only the leads it returned). */
  readUnits: number;
}

/**
 * Every lead of a site, by a parallel Scan of the table (`Segment`/`TotalSegments`), keys and score
 * version only, paginated.
 *
 * A Scan, not an index: this serves an offline, operator-run job (`npm run rescore`), a few times a year.
 * A "leads by site" GSI would make the job read only lead items, but every lead write would then pay a GSI
 * write forever, to save a scan that runs rarely. The Scan reads every item of the table (submissions,
 * events, other sites) and is billed for all of it (eventually consistent: 0.5 RRU per 4 KB); the filter
 * only shortens what comes back. No request path scans: the deployed functions have no `dynamodb:Scan`.
 *
 * Segments (default {@link DEFAULT_SEGMENTS}) run in parallel; each page is handed out as soon as it arrives, and a segment waits before
 * reading further while the consumer has more than two pages per segment unread (bounded memory).
 */
export class DynamoLeadScan {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly segments: number;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; segments?: number }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.segments = options.segments ?? DEFAULT_SEGMENTS;
    if (!Number.isInteger(this.segments) || this.segments < 1 || this.segments > 1_000_000)
      throw new RangeError('segments must be a whole number from 1 to 1,000,000');
  }

  /**
   * The site's leads, page by page, in no particular order.
   * @example for await (const page of scan.leadsOf('demo')) console.log(page.leads.length, page.readUnits)
   */
  leadsOf(siteId: string): AsyncIterable<ScannedPage> {
    return mergeSegments(this.segments, (segment, startKey) => this.page(siteId, segment, startKey));
  }

  private async page(siteId: string, segment: number, ExclusiveStartKey: Record<string, unknown> | undefined) {
    const out = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: this.segments,
        FilterExpression: '#sk = :lead AND #site = :site',
        ProjectionExpression: '#pk, #stage, #score.#version, #score.#total',
        ExpressionAttributeNames: {
          '#pk': 'PK',
          '#sk': 'SK',
          '#site': 'siteId',
          '#stage': 'stage',
          '#score': 'score',
          '#version': 'rulesVersion',
          '#total': 'total',
        },
        ExpressionAttributeValues: { ':lead': LEAD_SK, ':site': siteId },
        ReturnConsumedCapacity: 'TOTAL',
        ExclusiveStartKey,
      }),
    );
    const leads: ScannedLead[] = [];
    for (const item of out.Items ?? []) {
      const ref = keys.parseLeadPartition(item.PK as string);
      if (!ref || ref.siteId !== siteId) continue;
      const score = item.score as { rulesVersion?: string; total?: number } | undefined;
      leads.push({
        ...ref,
        stage: (item.stage as LifecycleStage | undefined) ?? 'lead',
        ...(score?.rulesVersion !== undefined && { rulesVersion: score.rulesVersion }),
        ...(score?.total !== undefined && { total: score.total }),
      });
    }
    return { page: { leads, readUnits: unitsOf(out.ConsumedCapacity) }, next: out.LastEvaluatedKey };
  }
}

/** Run `total` paginated segments at once and yield their pages as they arrive, with a bounded backlog. */
async function* mergeSegments<T>(
  total: number,
  fetch: (segment: number, startKey: Record<string, unknown> | undefined) => Promise<{ page: T; next: Record<string, unknown> | undefined }>,
): AsyncGenerator<T> {
  const ready: T[] = [];
  const maxBacklog = total * 2;
  let running = total;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  const wakeProducers: (() => void)[] = [];
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const segment = async (n: number) => {
    let startKey: Record<string, unknown> | undefined;
    do {
      while (ready.length >= maxBacklog && !stopped) await new Promise<void>((ok) => wakeProducers.push(ok));
      if (stopped) return;
      const { page, next } = await fetch(n, startKey);
      ready.push(page);
      wake();
      startKey = next;
    } while (startKey && !stopped);
  };
  for (let n = 0; n < total; n++) {
    segment(n)
      .catch((error: unknown) => {
        failure ??= { error };
        stopped = true;
      })
      .finally(() => {
        running--;
        wake();
      });
  }
  try {
    for (;;) {
      if (failure) throw failure.error;
      const page = ready.shift();
      if (page !== undefined) {
        wakeProducers.shift()?.();
        yield page;
        continue;
      }
      if (running === 0) return;
      await new Promise<void>((ok) => (wakeConsumer = ok));
    }
  } finally {
    // The consumer stopped early (or a segment failed): let every waiting segment see it and finish.
    stopped = true;
    for (const ok of wakeProducers.splice(0)) ok();
  }
}

/** What a response says it consumed (one object, or one per table for batch and transaction calls). */
function unitsOf(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number {
  if (!consumed) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

/** Capacity consumed through one client, split into reads and writes (the way on-demand bills them). */
export interface CapacityMeter {
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Units by operation, e.g. `{ Query: 1200, TransactWriteItems: 300 }`. */
  readonly byOperation: Readonly<Record<string, number>>;
  reset(): void;
  /** Remove the middleware; the counts stay readable. */
  stop(): void;
}

const READS = /^(Get|BatchGet|TransactGet|Query|Scan)/;
const WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

/**
 * Count the capacity every data call on this client consumes: asks each call for
 * `ReturnConsumedCapacity: INDEXES` (table and GSIs, as AWS bills them) unless the call already asks, and
 * sums what comes back. A document client shares its middleware stack with the client it was made from, so
 * metering either meters both. DynamoDB Local reports capacity too (item sizes, consistency, transactions
 * at 2×), so local runs measure what AWS would bill. Calls that fail (a lost condition) report nothing.
 * @example const meter = meterCapacity(client); await job(); console.log(meter.readUnits, meter.writeUnits); meter.stop();
 */
export function meterCapacity(client: Pick<DynamoDBDocumentClient, 'middlewareStack'>): CapacityMeter {
  const name = `capacity-meter-${Math.random().toString(36).slice(2)}`;
  let readUnits = 0;
  let writeUnits = 0;
  let byOperation: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const kind = READS.test(operation) ? 'read' : WRITES.test(operation) ? 'write' : undefined;
      const input = args.input as Record<string, unknown>;
      if (kind && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      if (kind) {
        const units = unitsOf((result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
        if (kind === 'read') readUnits += units;
        else writeUnits += units;
        byOperation[operation] = (byOperation[operation] ?? 0) + units;
      }
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    get readUnits() {
      return readUnits;
    },
    get writeUnits() {
      return writeUnits;
    },
    get byOperation() {
      return byOperation;
    },
    reset() {
      readUnits = 0;
      writeUnits = 0;
      byOperation = {};
    },
    stop() {
      client.middlewareStack.remove(name);
    },
  };
}
