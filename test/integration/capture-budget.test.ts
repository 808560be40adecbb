import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
 * runtime against a bare TransactWriteItems of three items, both behind a network of 100 ms a round trip.
 * The wire dominates, so the ratio counts the round trips a visitor waits for, not this machine's load:
 * one is about 1.0-1.1, a second one sequential (the form counters once were) is 2.0. Budget: 1.3 at the
 * median, 1.6 at p99. `npm run bench -- capture` prints the same at 0 and 5 ms.
 */
const DELAY_MS = 100;
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
  it(`a new lead's submission waits for one round trip: ≤ 1.3× a bare 3-item transaction at the median, ≤ 1.6× at p99 (${DELAY_MS} ms a round trip)`, {
    timeout: 180_000,
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
    // Assess
    const ratios = { median: median(captures) / median(transactions), p99: percentile(captures, 99) / percentile(transactions, 99) };
    expect(ratios.median, JSON.stringify({ captures, transactions })).toBeLessThanOrEqual(1.3);
    expect(ratios.p99, JSON.stringify({ captures, transactions })).toBeLessThanOrEqual(1.6);
  });
});
