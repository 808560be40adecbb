import type { Context } from 'aws-lambda';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { compose } from '../../functions/composition.js';
import { localEnv } from '../../functions/core/config.js';
import { makeFormsHandler } from '../../functions/handlers/forms.js';
import { apiEvent, ORIGIN } from '../support/builders.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLatencyProxy } from '../../bench/latency-proxy.js';
import { median, percentile } from '../../bench/stats.js';
import { localClient } from '../../local/dynamo.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * The capture's budget: two round trips (is the address a lead; then one transaction), the same for a new
 * address, a known one and a caught bot, so the time an answer takes tells a stranger nothing (issue 22).
 * Measured through the whole local runtime against a bare GetItem then TransactWriteItems of three items,
 * all behind a network of 250 ms a round trip. The wire dominates, so the ratio counts the round trips a
 * visitor waits for, not this machine's load: the same two are about 1.0-1.1, a third sequential one 1.5.
 * Budget: 1.3 at the median; new, known and bot within 15 % of each other. At 100 ms a CI run beside
 * another once measured 1.302 (the handler's CPU work on a starved machine is tens of milliseconds), which
 * 250 ms keeps well inside the budget. `npm run bench -- capture` prints the same at 0 and 5 ms.
 */
const DELAY_MS = 250;
const N = 20;
let funnel: RunningFunnel;
let proxy: Awaited<ReturnType<typeof startLatencyProxy>>;
let doc: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  const table = await freshTable();
  tableName = table.tableName;
  proxy = await startLatencyProxy(table.endpoint, DELAY_MS);
  const config = testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 100_000, windowSeconds: 60 }));
  funnel = await startFunnel({ port: 0, dynamoEndpoint: proxy.endpoint, tableName, rawConfig: config, logLevel: 'silent', dueCheckIntervalMs: 0 });
  doc = DynamoDBDocumentClient.from(localClient(proxy.endpoint));
}, 120_000);

afterAll(async () => {
  await funnel?.stop();
  await proxy?.stop();
});

describe('Capture budget', () => {
  it('a new address, a known one and a caught bot make the same requests: a read, then one transaction, the ceiling beside', { timeout: 60_000 }, async () => {
    // Prepare: the capture handler on the real adapters, its client recording when each request starts and
    // ends. Requests sent together overlap; a request awaited after another starts after it ended. This holds
    // however loaded the machine is: it is the code's shape, not its speed.
    const table = await freshTable();
    const client = localClient(table.endpoint);
    const sent: { command: string; start: number; end: number }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          sent.push({ command: context.commandName ?? '', start, end: performance.now() });
        }
      },
      { step: 'initialize' },
    );
    const config = testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 100_000, windowSeconds: 60 }));
    const deps = compose({
      tableName: table.tableName,
      dynamo: client,
      rawConfig: config,
      configEnv: localEnv(),
      tokenSecret: async () => 'x'.repeat(32),
      logLevel: 'silent',
    });
    const forms = makeFormsHandler(() => deps);
    const post = (email: string) =>
      forms(
        apiEvent('POST /v1/forms/{formId}/submissions', {
          path: { formId: 'ebook' },
          body: JSON.stringify(aSubmission().withEmail(email).build()),
          headers: { origin: ORIGIN },
        }),
        { awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as Context,
      );
    expect((await post('warm.up@acme.com')).statusCode).toBe(202); // the API key cache, connections
    // Act: a new address, the same address again (known), and a caught bot (honeypot) of a third
    const record = async (body: Record<string, unknown>) => {
      sent.length = 0;
      const res = await forms(
        apiEvent('POST /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body: JSON.stringify(body), headers: { origin: ORIGIN } }),
        { awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as Context,
      );
      expect(res.statusCode).toBe(202);
      return [...sent];
    };
    const paths = {
      new: await record(aSubmission().withEmail('two.trips@acme.com').build()),
      known: await record(aSubmission().withEmail('two.trips@acme.com').build()),
      bot: await record(aSubmission().withEmail('caught@acme.com').with('hp', 'x').build()),
    };
    // Assess: the longest chain of requests each starting after the one before ended
    const chain = (requests: typeof sent) => {
      const sorted = [...requests].sort((a, b) => a.end - b.end);
      const depth = new Map<(typeof sent)[number], number>();
      for (const r of sorted) depth.set(r, 1 + Math.max(0, ...sorted.filter((p) => p.end <= r.start).map((p) => depth.get(p) ?? 0)));
      return Math.max(0, ...depth.values());
    };
    for (const [kind, requests] of Object.entries(paths)) {
      // the read, the transaction after it, the form's ceiling beside them
      expect(requests.map((r) => r.command).sort(), kind).toEqual(['GetItemCommand', 'TransactWriteItemsCommand', 'UpdateItemCommand']);
      expect(chain(requests), kind).toBe(2);
    }
    client.destroy();
  });

  it(`a submission takes ≤ 1.3× a bare read and 3-item transaction at the median, new, known or bot alike (${DELAY_MS} ms a round trip)`, {
    timeout: 300_000,
  }, async () => {
    // Prepare
    const capture = async (email: string, extra: Record<string, unknown> = {}) => {
      const started = performance.now();
      const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify({ ...aSubmission().withEmail(email).build(), ...extra }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(202);
      return performance.now() - started;
    };
    const transact = async (i: number) => {
      const started = performance.now();
      const item = (sk: string) => ({ Put: { TableName: tableName, Item: { PK: `BUDGET#${i}`, SK: sk, data: 'x'.repeat(600) } } });
      await doc.send(new GetCommand({ TableName: tableName, Key: { PK: `BUDGET#${i}`, SK: 'LEAD' }, ConsistentRead: true }));
      await doc.send(new TransactWriteCommand({ TransactItems: [item('LEAD'), item('SUB'), item('COUNT')] }));
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await Promise.all([capture(`warm-${i}@acme.com`), transact(-i - 1)]); // connections, JIT
    // Act: interleaved, so the machine's load falls on all alike
    const runs = { new: [] as number[], known: [] as number[], bot: [] as number[], bare: [] as number[] };
    for (let i = 0; i < N; i++) {
      runs.new.push(await capture(`budget-${i}@acme-${i % 7}.com`));
      runs.known.push(await capture(`budget-${i}@acme-${i % 7}.com`));
      runs.bot.push(await capture(`bot-${i}@acme.com`, { hp: 'x' }));
      runs.bare.push(await transact(i));
    }
    // Assess: the median; the tail is the machine's (one stall of a loaded CI machine is the p99 of the
    // samples), and what makes a tail on AWS, another round trip, is ruled out by the test above
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<keyof typeof runs, number>;
    const detail = JSON.stringify({ m, p99: percentile(runs.new, 99) / percentile(runs.bare, 99) });
    console.log('capture medians (ms)', detail);
    expect(m.new / m.bare, detail).toBeLessThanOrEqual(1.3);
    for (const kind of ['known', 'bot'] as const) {
      expect(m[kind] / m.new, `${kind}: ${detail}`).toBeGreaterThanOrEqual(0.85);
      expect(m[kind] / m.new, `${kind}: ${detail}`).toBeLessThanOrEqual(1.15);
    }
  });
});
