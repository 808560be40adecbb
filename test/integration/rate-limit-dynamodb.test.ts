import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../functions/adapters/memory.js';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo/rate-limiter.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

const running: RunningFunnel[] = [];
afterAll(() => Promise.all(running.map((f) => f.stop())));

describe('DynamoRateLimiter on DynamoDB Local', () => {
  it('counts hits in a fixed window shared by every limiter on the table, at 1 WCU a hit', async () => {
    // Prepare: two "environments" with their own limiter object on one table
    const { client, tableName } = await freshTable();
    const clock = new FakeClock(new Date('2026-12-01T10:00:10.000Z'));
    let wcu = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        wcu += (out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        return out;
      },
      { step: 'initialize' },
    );
    const doc = DynamoDBDocumentClient.from(client);
    const [a, b] = [new DynamoRateLimiter({ client: doc, tableName, clock }), new DynamoRateLimiter({ client: doc, tableName, clock })];
    // Act: five hits alternately through both, limit 4 a minute
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await (i % 2 ? b : a).hit('submit#demo#client', 4, 60));
    // Assess
    expect(answers.map((x) => x.allowed)).toEqual([true, true, true, true, false]);
    expect(answers[4]).toEqual({ allowed: false, retryAfterSeconds: 50 });
    // 1 WCU per counted hit. A refused hit is a failed condition, which AWS also bills as 1 WCU but which
    // DynamoDB does not report on the exception.
    expect(wcu).toBe(4);
    // A hit taken back (a replay) frees its place
    const again = await a.hit('submit#demo#other', 1, 60);
    expect((await a.hit('submit#demo#other', 1, 60)).allowed).toBe(false);
    if (again.allowed) await again.undo();
    expect((await b.hit('submit#demo#other', 1, 60)).allowed).toBe(true);
    clock.advance(50_000);
    expect(await a.hit('submit#demo#client', 4, 60)).toMatchObject({ allowed: true });
  });

  it('spreads a high limit over shards (at most 200 hits a second an item) and still holds it in total', async () => {
    // Prepare: 400 a second needs two shards of 200; pin the shard a hit lands on
    const { doc, tableName } = await freshTable();
    const clock = new FakeClock(new Date('2026-12-01T10:00:00.000Z'));
    let shard = 0;
    const limiter = new DynamoRateLimiter({ client: doc, tableName, clock, random: () => shard / 2 });
    const hits = async (n: number) => {
      let allowed = 0;
      for (let i = 0; i < n; i += 20)
        allowed += (await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => limiter.hit('form#demo#ebook', 400, 1)))).filter(
          (r) => r.allowed,
        ).length;
      return allowed;
    };
    // Act + Assess: each shard takes its half, no more; together they take the limit
    expect(await hits(210)).toBe(200);
    shard = 1;
    expect(await hits(210)).toBe(200);
  });
});

describe('Submission limits on the local runtime', () => {
  it('limits one client hammering two runtimes that share a table, as Lambda environments share one', { timeout: 60_000 }, async () => {
    // Prepare: two funnels on one table, 6 submissions per client per window
    const { endpoint, tableName } = await freshTable();
    const rawConfig = testConfigFn((c) => (c.sites[0]!.rateLimit = { submissions: 6, windowSeconds: 600 }));
    for (let i = 0; i < 2; i++)
      running.push(await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', rawConfig, dueCheckIntervalMs: 0 }));
    const [one, two] = running as [RunningFunnel, RunningFunnel];
    const post = (funnel: RunningFunnel, body: unknown) =>
      fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify(body),
      });
    // The counter's windows start on multiples of 600 s: a burst that straddled one would count in two
    // windows (seen in a CI run at 08:30:00), so start well inside one.
    const windowMs = 600_000;
    const left = windowMs - (Date.now() % windowMs);
    if (left < 30_000) await new Promise((ok) => setTimeout(ok, left + 100));
    // Act: ten new submissions from the same address, alternating between the two runtimes
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await post(i % 2 ? two : one, aSubmission().withEmail(`hammer${i}@acme.com`).build())).status);
    // Assess: six accepted in all, then 429 on both
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429, 429, 429]);
    const limited = await post(one, aSubmission().build());
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
