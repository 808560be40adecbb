import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startLocalQueue, type SqsHandler } from '../../local/queue.js';

/** A handler that records every batch it is given, answering with `answer(batch)`. */
function recorder(answer: (event: SQSEvent, call: number) => ReturnType<SqsHandler> = async () => undefined) {
  const batches: { bodies: string[]; receiveCounts: string[] }[] = [];
  const handler: SqsHandler = async (event) => {
    batches.push({ bodies: event.Records.map((r) => r.body), receiveCounts: event.Records.map((r) => r.attributes.ApproximateReceiveCount) });
    return answer(event, batches.length);
  };
  return { handler, batches };
}

describe('Local runtime: SQS stand-in (queue + event source mapping)', () => {
  it('delivers Lambda-shaped records in batches of at most batchSize', async () => {
    // Prepare
    const r = recorder();
    const queue = startLocalQueue({ name: 'q', handler: r.handler, batchSize: 3, maxConcurrency: 1 });
    // Act
    await queue.send(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    await queue.idle();
    // Assess
    expect(r.batches.map((b) => b.bodies.length)).toEqual([3, 3, 1]);
    expect(r.batches.flatMap((b) => b.bodies).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(queue.stats()).toMatchObject({ sent: 7, delivered: 7, retried: 0, inFlight: 0, queued: 0 });
    await queue.stop();
  });

  it('retries a failed batch with its receive count raised, after a backoff, until it succeeds', async () => {
    // Prepare
    const r = recorder(async (_event, call) => {
      if (call < 3) throw new Error('SES throttled');
    });
    const queue = startLocalQueue({ name: 'q', handler: r.handler, retryBaseMs: 20 });
    const started = Date.now();
    // Act
    await queue.send(['job']);
    await queue.idle();
    // Assess
    expect(r.batches.map((b) => b.receiveCounts)).toEqual([['1'], ['2'], ['3']]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(0.8 * (20 + 40));
    expect(queue.deadLetters()).toEqual([]);
    await queue.stop();
  });

  it('retries only the messages a batch reports as failed', async () => {
    // Prepare
    const r = recorder(async (event, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records.find((x) => x.body === 'b')!.messageId }] } : undefined,
    );
    const queue = startLocalQueue({ name: 'q', handler: r.handler, retryBaseMs: 5 });
    // Act
    await queue.send(['a', 'b', 'c']);
    await queue.idle();
    // Assess
    expect(r.batches.map((b) => b.bodies.sort())).toEqual([['a', 'b', 'c'], ['b']]);
    await queue.stop();
  });

  it('dead-letters a message after maxReceiveCount receives, and redrive() replays it', async () => {
    // Prepare
    let healthy = false;
    const dead: string[] = [];
    const r = recorder(async () => {
      if (!healthy) throw new Error('down');
    });
    const queue = startLocalQueue({
      name: 'q',
      handler: r.handler,
      maxReceiveCount: 3,
      retryBaseMs: 2,
      onDeadLetter: (m) => dead.push(...m.map((x) => x.body)),
    });
    // Act
    await queue.send(['poison']);
    await queue.idle();
    const afterFailures = r.batches.length;
    healthy = true;
    const redriven = await queue.redrive();
    await queue.idle();
    // Assess
    expect(afterFailures).toBe(3);
    expect(dead).toEqual(['poison']);
    expect(redriven).toBe(1);
    expect(r.batches.at(-1)).toEqual({ bodies: ['poison'], receiveCounts: ['1'] });
    expect(queue.deadLetters()).toEqual([]);
    await queue.stop();
  });

  it('honours delaySeconds', async () => {
    const r = recorder();
    const queue = startLocalQueue({ name: 'q', handler: r.handler });
    const started = Date.now();
    await queue.send(['later'], { delaySeconds: 0.2 });
    expect(r.batches).toHaveLength(0);
    await queue.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(r.batches).toHaveLength(1);
    await queue.stop();
  });

  it('keeps at most maxConcurrency batches in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const queue = startLocalQueue({
      name: 'q',
      batchSize: 1,
      maxConcurrency: 2,
      handler: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((ok) => setTimeout(ok, 10));
        inFlight--;
      },
    });
    // Act
    await queue.send(Array.from({ length: 8 }, (_, i) => String(i)));
    await queue.idle();
    // Assess
    expect(most).toBe(2);
    await queue.stop();
  });

  it('idle() waits for messages sent while a batch is in flight', async () => {
    // Prepare: the first batch sends a follow-up message, as the stream consumer queues mail jobs
    const seen: string[] = [];
    const queue = startLocalQueue({
      name: 'q',
      handler: async (event) => {
        for (const r of event.Records) {
          seen.push(r.body);
          if (r.body === 'first') await queue.send(['follow-up']);
        }
      },
    });
    // Act
    await queue.send(['first']);
    await queue.idle();
    // Assess
    expect(seen).toEqual(['first', 'follow-up']);
    await queue.stop();
  });

  it('delivers nothing after stop()', async () => {
    const r = recorder();
    const queue = startLocalQueue({ name: 'q', handler: r.handler });
    await queue.stop();
    await expect(queue.send(['x'])).rejects.toThrow(/stopped/);
    expect(r.batches).toHaveLength(0);
  });

  it('with a journal, survives a crash: what was waiting or in flight is delivered again, what was done is not, dead letters stay', async () => {
    // Prepare: a consumer that dies (never returns) on "b"; "a" is done; "dead" fails for good
    const journal = join(mkdtempSync(join(tmpdir(), 'queue-')), 'q.jsonl');
    const first = recorder(async (event) => {
      if (event.Records.some((r) => r.body === 'b')) await new Promise(() => undefined);
      if (event.Records.some((r) => r.body === 'dead')) throw new Error('refused');
    });
    const crashed = startLocalQueue({ name: 'q', handler: first.handler, batchSize: 1, maxConcurrency: 1, maxReceiveCount: 1, journal });
    await crashed.send(['a']);
    await crashed.send(['dead']);
    await crashed.idle();
    await crashed.send(['b', 'c']);
    await new Promise((r) => setTimeout(r, 50)); // "b" is in flight, "c" waits behind it: then the process dies
    // Act: a new process opens the same journal
    const second = recorder();
    const restarted = startLocalQueue({ name: 'q', handler: second.handler, batchSize: 10, maxConcurrency: 1, journal });
    await new Promise((r) => setTimeout(r, 20));
    await restarted.idle();
    // Assess
    expect(second.batches.flatMap((b) => b.bodies).sort()).toEqual(['b', 'c']);
    expect(restarted.deadLetters().map((d) => d.body)).toEqual(['dead']);
    expect(await restarted.redrive()).toBe(1);
    await restarted.idle();
    expect(second.batches.flatMap((b) => b.bodies)).toContain('dead');
    await restarted.stop();
    // A third start finds nothing left to do
    const third = recorder();
    const again = startLocalQueue({ name: 'q', handler: third.handler, journal });
    await new Promise((r) => setTimeout(r, 20));
    await again.idle();
    expect(third.batches).toEqual([]);
    expect(again.deadLetters()).toEqual([]);
    await again.stop();
  });

  it('with a journal, keeps on disk only what is still to do: a job handled (a lead since erased, the hash of its address) leaves the file at once', async () => {
    // Prepare: a job naming a lead's address hash, and one still waiting behind a slow consumer
    const journal = join(mkdtempSync(join(tmpdir(), 'queue-')), 'q.jsonl');
    const erased = 'a'.repeat(64);
    let release: () => void = () => undefined;
    const slow = new Promise<void>((ok) => (release = ok));
    const r = recorder(async (event) => {
      if (event.Records.some((m) => m.body.includes('waiting'))) await slow;
    });
    const queue = startLocalQueue({ name: 'q', handler: r.handler, batchSize: 1, maxConcurrency: 1, journal });
    // Act
    await queue.send([JSON.stringify({ type: 'submitted', emailKey: erased })]);
    await queue.idle();
    await queue.send([JSON.stringify({ type: 'waiting', emailKey: 'b'.repeat(64) })]);
    // Assess: the handled job is gone from the disk while the queue still runs (no restart)
    const text = readFileSync(journal, 'utf8');
    expect(text).not.toContain(erased);
    expect(text).toContain('b'.repeat(64));
    release();
    await queue.idle();
    expect(readFileSync(journal, 'utf8')).toBe('');
    await queue.stop();
  });
});
