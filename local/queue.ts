import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
  /**
   * Keep the queue on disk: an append-only journal of every send, retry, delivery and dead letter,
   * replayed at start. Without it the queue lives in memory.
   */
  journal?: string;
}

export interface LocalQueue {
  /** Queue messages, visible now or after `delaySeconds`. */
  send(bodies: string[], options?: { delaySeconds?: number }): Promise<void>;
  /**
   * Resolves once nothing is queued, waiting for a retry or in flight. With `ignoreDelayed`, messages that
   * are not visible yet (a retry after a backoff, a delayed send) do not count; with `ignoreDelayedOverMs`,
   * only those visible later than that from now (a job held back for minutes) do not.
   */
  idle(options?: { ignoreDelayed?: boolean; ignoreDelayedOverMs?: number }): Promise<void>;
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

// Long by design: one object whose methods (send, receive, redrive, idle, stop) share the queue's state; each is short.
/**
 * An in-process stand-in for an SQS queue and its Lambda event source mapping, for the local runtime: the
 * same handler gets Lambda-shaped `SQSEvent` batches; a thrown error fails the whole batch, reported
 * `batchItemFailures` fail just those messages; a failed message comes back after an exponential
 * backoff with its receive count raised, and after `maxReceiveCount` receives goes to the dead letters.
 * Delivery is at least once and unordered, as with a standard queue. With a `journal` the queue survives
 * a restart, kill -9 included: every change is appended (synchronously, before `send` returns, so a
 * producer that saw its send succeed can move on), and a message in flight at the crash is delivered again.
 */
export function startLocalQueue(options: LocalQueueOptions): LocalQueue {
  const batchSize = options.batchSize ?? 10;
  const maxReceiveCount = options.maxReceiveCount ?? LOCAL_QUEUE_DEFAULTS.maxReceiveCount;
  const retryBaseMs = options.retryBaseMs ?? LOCAL_QUEUE_DEFAULTS.retryBaseMs;
  const retryCapMs = options.retryCapMs ?? LOCAL_QUEUE_DEFAULTS.retryCapMs;
  const maxConcurrency = options.maxConcurrency ?? 2;
  const arn = `arn:aws:sqs:local:000000000000:${options.name}`;

  const journal = options.journal ? openJournal(options.journal) : undefined;
  let queued: Message[] = journal?.queued ?? [];
  const deadMessages: Message[] = journal?.dead ?? [];
  const inFlight = new Set<Promise<void>>();
  const counts = { sent: 0, delivered: 0, retried: 0, deadLettered: 0 };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Messages restored from the journal are delivered as soon as the consumer runs.
  if (queued.length) setImmediate(() => pump());
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
    const toDead: Message[] = [];
    let deleted = false;
    for (const m of batch) {
      if (!failedIds.has(m.id)) {
        counts.delivered++;
        journal?.append({ o: 'd', id: m.id });
        deleted = true;
        continue;
      }
      if (m.receives >= maxReceiveCount) {
        toDead.push(m);
        journal?.append({ o: 'x', id: m.id, receives: m.receives });
        continue;
      }
      counts.retried++;
      const backoff = Math.min(retryCapMs, retryBaseMs * 2 ** (m.receives - 1));
      m.visibleAt = Date.now() + backoff * (1 - LOCAL_QUEUE_DEFAULTS.jitter + Math.random() * 2 * LOCAL_QUEUE_DEFAULTS.jitter);
      journal?.append({ o: 'r', id: m.id, receives: m.receives, visibleAt: m.visibleAt });
      queued.push(m);
    }
    if (deleted) journal?.compact();
    if (toDead.length) {
      counts.deadLettered += toDead.length;
      deadMessages.push(...toDead);
      options.onDeadLetter?.(toDead.map(record));
    }
  }

  return {
    async send(bodies, sendOptions = {}) {
      if (stopped) throw new Error(`queue ${options.name} is stopped`);
      const now = Date.now();
      const visibleAt = now + (sendOptions.delaySeconds ?? 0) * 1000;
      for (const body of bodies) {
        const m = { id: randomUUID(), body, sentAt: now, receives: 0, visibleAt };
        journal?.append({ o: 's', id: m.id, body, sentAt: now, visibleAt });
        queued.push(m);
      }
      counts.sent += bodies.length;
      pump();
    },
    idle: async (idleOptions = {}) => {
      const horizon = idleOptions.ignoreDelayed ? 0 : idleOptions.ignoreDelayedOverMs;
      if (horizon === undefined) return isIdle() ? undefined : new Promise<void>((resolve) => idleWaiters.push(resolve));
      while (!stopped && (inFlight.size > 0 || queued.some((m) => m.visibleAt <= Date.now() + horizon))) await new Promise((ok) => setTimeout(ok, 10));
    },
    deadLetters: () => deadMessages.map(record),
    async redrive() {
      const messages = deadMessages.splice(0);
      const now = Date.now();
      for (const m of messages) {
        journal?.append({ o: 'v', id: m.id, visibleAt: now });
        queued.push({ ...m, receives: 0, visibleAt: now });
      }
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

type JournalEntry =
  | { o: 's'; id: string; body: string; sentAt: number; visibleAt: number }
  | { o: 'r'; id: string; receives: number; visibleAt: number }
  | { o: 'd'; id: string }
  | { o: 'x'; id: string; receives: number }
  | { o: 'v'; id: string; visibleAt: number };

/**
 * Replay a queue's journal into its queued and dead messages, rewrite it compacted (write, then rename: a
 * crash leaves the old or the new file, never half of one), and keep appending to it. A last line cut by
 * a crash is ignored: its change had not been acknowledged to anyone. `compact` rewrites it again: called
 * after a batch deleted messages, so a message handled (a job of a lead since erased, with the hash of
 * its address) leaves the disk with it, not at the next restart.
 */
function openJournal(path: string): { queued: Message[]; dead: Message[]; append(entry: JournalEntry): void; compact(): void } {
  mkdirSync(dirname(path), { recursive: true });
  const { queued, dead } = compactJournal(path);
  return { queued, dead, append: (entry) => appendFileSync(path, `${JSON.stringify(entry)}\n`), compact: () => void compactJournal(path) };
}

/** Rewrite a journal with only what is still queued or dead-lettered; answer those messages. */
function compactJournal(path: string): { queued: Message[]; dead: Message[] } {
  const live = new Map<string, Message & { dead?: boolean }>();
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    let e: JournalEntry;
    try {
      e = JSON.parse(line) as JournalEntry;
    } catch {
      continue;
    }
    const m = live.get(e.id);
    if (e.o === 's') live.set(e.id, { id: e.id, body: e.body, sentAt: e.sentAt, receives: 0, visibleAt: e.visibleAt });
    else if (!m) continue;
    else if (e.o === 'r') Object.assign(m, { receives: e.receives, visibleAt: e.visibleAt });
    else if (e.o === 'd') live.delete(e.id);
    else if (e.o === 'x') Object.assign(m, { receives: e.receives, dead: true });
    else if (e.o === 'v') Object.assign(m, { receives: 0, visibleAt: e.visibleAt, dead: false });
  }
  const queued: Message[] = [];
  const dead: Message[] = [];
  const compacted: string[] = [];
  for (const { dead: isDead, ...m } of live.values()) {
    compacted.push(JSON.stringify({ o: 's', id: m.id, body: m.body, sentAt: m.sentAt, visibleAt: m.visibleAt }));
    if (isDead) {
      dead.push(m);
      compacted.push(JSON.stringify({ o: 'x', id: m.id, receives: m.receives }));
    } else {
      // Waiting, or in flight when the process died: delivered again (at least once) once visible.
      queued.push(m);
      if (m.receives) compacted.push(JSON.stringify({ o: 'r', id: m.id, receives: m.receives, visibleAt: m.visibleAt }));
    }
  }
  writeFileSync(`${path}.tmp`, compacted.length ? `${compacted.join('\n')}\n` : '');
  renameSync(`${path}.tmp`, path);
  return { queued, dead };
}
