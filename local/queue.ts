import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface LocalQueueOptions {
  /** Names the queue in each record's `eventSourceARN`. */
  name: string;
  handler: SqsHandler;
  /** Records per invocation, as the event source mapping's BatchSize. @default 10 */
  batchSize?: number;
  /** Receives before a message moves to the dead letters, as the redrive policy's maxReceiveCount. @default 10 */
  maxReceiveCount?: number;
  /** A failed message is visible again after base × 2^(receives − 1) ms (capped, with ±20% jitter). @default 1000 */
  retryBaseMs?: number;
  /** @default 60000 */
  retryCapMs?: number;
  /** Batches in flight at once, as the event source mapping's maximum concurrency. @default 2 */
  maxConcurrency?: number;
  /** Where a message goes after its last receive (the dead-letter queue). */
  onDeadLetter?: (messages: SQSRecord[]) => void;
}

export interface LocalQueue {
  /** Queue messages, visible now or after `delaySeconds`. */
  send(bodies: string[], options?: { delaySeconds?: number }): Promise<void>;
  /**
   * Resolves once nothing is queued, waiting for a retry or in flight. With `ignoreDelayed`, messages that
   * are not visible yet (a retry after a backoff, a delayed send) do not count.
   */
  idle(options?: { ignoreDelayed?: boolean }): Promise<void>;
  deadLetters(): SQSRecord[];
  /** Move every dead letter back to the queue (SQS's DLQ redrive): the replay path. Returns how many. */
  redrive(): Promise<number>;
  stop(): Promise<void>;
  stats(): { sent: number; delivered: number; retried: number; deadLettered: number; inFlight: number; queued: number };
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receives: number;
  firstReceivedAt?: number;
  visibleAt: number;
}

/** Retries of a failed message: after base × 2^(receives − 1) ms, capped, ±20% jitter; then the dead letters. */
export const LOCAL_QUEUE_DEFAULTS = { maxReceiveCount: 10, retryBaseMs: 1000, retryCapMs: 60_000, jitter: 0.2 } as const;

/** The shortest time from a message's first receive to its last, given the jitter: how long it can wait for a lease. */
export function minimumRetrySpanMs(o: { maxReceiveCount: number; retryBaseMs: number; retryCapMs: number; jitter: number } = LOCAL_QUEUE_DEFAULTS): number {
  let total = 0;
  for (let receives = 1; receives < o.maxReceiveCount; receives++) total += Math.min(o.retryCapMs, o.retryBaseMs * 2 ** (receives - 1)) * (1 - o.jitter);
  return total;
}

/**
 * An in-process stand-in for an SQS queue and its Lambda event source mapping, for the local runtime: the
 * same handler gets Lambda-shaped `SQSEvent` batches; a thrown error fails the whole batch, reported
 * `batchItemFailures` fail just those messages; a failed message comes back after an exponential
 * backoff with its receive count raised, and after `maxReceiveCount` receives goes to the dead letters.
 * Delivery is at least once and unordered, as with a standard queue. Messages live in memory: what the
 * local runtime puts here comes from the table stream or the due index, both replayed after a restart.
 */
export function startLocalQueue(options: LocalQueueOptions): LocalQueue {
  const batchSize = options.batchSize ?? 10;
  const maxReceiveCount = options.maxReceiveCount ?? LOCAL_QUEUE_DEFAULTS.maxReceiveCount;
  const retryBaseMs = options.retryBaseMs ?? LOCAL_QUEUE_DEFAULTS.retryBaseMs;
  const retryCapMs = options.retryCapMs ?? LOCAL_QUEUE_DEFAULTS.retryCapMs;
  const maxConcurrency = options.maxConcurrency ?? 2;
  const arn = `arn:aws:sqs:local:000000000000:${options.name}`;

  let queued: Message[] = [];
  const dead: SQSRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const counts = { sent: 0, delivered: 0, retried: 0, deadLettered: 0 };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const isIdle = () => queued.length === 0 && inFlight.size === 0;
  const notifyIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const record = (m: Message): SQSRecord => ({
    messageId: m.id,
    receiptHandle: `${m.id}#${m.receives}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receives),
      SentTimestamp: String(m.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(m.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'local',
  });

  /** Deliver what is visible, up to the concurrency; schedule a wake-up for what becomes visible later. */
  function pump() {
    if (stopped) return;
    clearTimeout(timer);
    timer = undefined;
    const now = Date.now();
    while (inFlight.size < maxConcurrency) {
      const visible = queued.filter((m) => m.visibleAt <= now).slice(0, batchSize);
      if (visible.length === 0) break;
      const ids = new Set(visible.map((m) => m.id));
      queued = queued.filter((m) => !ids.has(m.id));
      for (const m of visible) {
        m.receives++;
        m.firstReceivedAt ??= now;
      }
      const run = deliver(visible).finally(() => {
        inFlight.delete(run);
        pump();
        notifyIdle();
      });
      inFlight.add(run);
    }
    const next = Math.min(...queued.map((m) => m.visibleAt));
    if (Number.isFinite(next) && inFlight.size < maxConcurrency) {
      timer = setTimeout(pump, Math.max(0, next - Date.now()));
      timer.unref();
    }
  }

  async function deliver(batch: Message[]): Promise<void> {
    let failedIds: Set<string>;
    try {
      const response = await options.handler({ Records: batch.map(record) });
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(batch.map((m) => m.id));
    }
    const toDead: SQSRecord[] = [];
    for (const m of batch) {
      if (!failedIds.has(m.id)) {
        counts.delivered++;
        continue;
      }
      if (m.receives >= maxReceiveCount) {
        toDead.push(record(m));
        continue;
      }
      counts.retried++;
      const backoff = Math.min(retryCapMs, retryBaseMs * 2 ** (m.receives - 1));
      m.visibleAt = Date.now() + backoff * (1 - LOCAL_QUEUE_DEFAULTS.jitter + Math.random() * 2 * LOCAL_QUEUE_DEFAULTS.jitter);
      queued.push(m);
    }
    if (toDead.length) {
      counts.deadLettered += toDead.length;
      dead.push(...toDead);
      options.onDeadLetter?.(toDead);
    }
  }

  return {
    async send(bodies, sendOptions = {}) {
      if (stopped) throw new Error(`queue ${options.name} is stopped`);
      const now = Date.now();
      const visibleAt = now + (sendOptions.delaySeconds ?? 0) * 1000;
      for (const body of bodies) queued.push({ id: randomUUID(), body, sentAt: now, receives: 0, visibleAt });
      counts.sent += bodies.length;
      pump();
    },
    idle: async (idleOptions = {}) => {
      if (!idleOptions.ignoreDelayed) return isIdle() ? undefined : new Promise<void>((resolve) => idleWaiters.push(resolve));
      while (!stopped && (inFlight.size > 0 || queued.some((m) => m.visibleAt <= Date.now()))) await new Promise((ok) => setTimeout(ok, 10));
    },
    deadLetters: () => [...dead],
    async redrive() {
      const messages = dead.splice(0);
      const now = Date.now();
      for (const r of messages) queued.push({ id: r.messageId, body: r.body, sentAt: now, receives: 0, visibleAt: now });
      pump();
      return messages.length;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
    stats: () => ({ ...counts, inFlight: inFlight.size, queued: queued.length }),
  };
}
