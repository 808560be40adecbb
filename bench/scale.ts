import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import rawConfig from '../test/support/config.js';
import { localEnv, resolveConfig } from '../functions/core/config.js';
import { startDynamoLocal } from '../local/dynamo.js';
import { startFunnel } from '../local/runtime.js';
import { printTable } from './stats.js';

/** Writes of one partition key, counted by the metering proxy. */
export interface KeyWrites {
  /** The partition key with its lead, day shard or window made generic: `SITE#<site>#EMAIL#<lead>`. */
  pattern: string;
  /** Distinct partitions of that pattern, and the most write units one of them took. */
  partitions: number;
  maxUnits: number;
  totalUnits: number;
}

/**
 * A proxy in front of DynamoDB Local that meters the write units of every item written, by partition
 * key, as AWS bills them (1 per item put, updated or deleted; 2 per item in a transaction; items under
 * 1 KB). It sees every writer at once: capture, the stream consumer, the sender, the scheduler, hand-off.
 */
export async function startMeteringProxy(target: string) {
  const upstream = new URL(target);
  const units = new Map<string, number>();
  const add = (pk: unknown, n: number) => typeof pk === 'string' && units.set(pk, (units.get(pk) ?? 0) + n);
  const pkOf = (item: Record<string, { S?: string }> | undefined) => item?.PK?.S;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      try {
        const input = JSON.parse(body.toString('utf8') || '{}');
        if (op === 'PutItem') add(pkOf(input.Item), 1);
        if (op === 'UpdateItem' || op === 'DeleteItem') add(pkOf(input.Key), 1);
        if (op === 'BatchWriteItem')
          for (const reqs of Object.values(input.RequestItems ?? {}) as { PutRequest?: { Item: never }; DeleteRequest?: { Key: never } }[][])
            for (const r of reqs) add(pkOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key), 1);
        if (op === 'TransactWriteItems')
          for (const t of input.TransactItems ?? []) add(pkOf(t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key ?? t.ConditionCheck?.Key), 2);
      } catch {
        // not JSON: not a write we meter
      }
      const forward = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    units,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** The shape of a partition key, with what varies per lead, day, shard or window replaced. */
export const keyPattern = (pk: string): string =>
  pk
    .replace(/EMAIL#[0-9a-f]{64}/, 'EMAIL#<lead>')
    .replace(/^DUE#\d{4}-\d{2}-\d{2}#[0-9a-f]$/, 'DUE#<day>#<shard>')
    .replace(/^((?:WHLOG|PROSPECTS)#[^#]+#[^#]+)#[0-9a-f]$/, '$1#<shard>')
    .replace(/#\d{4}-\d{2}-\d{2}T[\d:.]+Z$/, '#<window>')
    .replace(/^RATE#(submit|invalid)#([^#]+)#[A-Za-z0-9_-]{22}/, 'RATE#$1#$2#<client>')
    .replace(/#\d+#<window>$/, '#<shard>#<window>')
    .replace(/LEADID#[0-9a-f-]+/, 'LEADID#<id>');

/** Group metered partitions by pattern: how many partitions, the hottest one, and the total. */
export function byPattern(units: ReadonlyMap<string, number>): KeyWrites[] {
  const groups = new Map<string, KeyWrites>();
  for (const [pk, n] of units) {
    const pattern = keyPattern(pk);
    const g = groups.get(pattern) ?? { pattern, partitions: 0, maxUnits: 0, totalUnits: 0 };
    g.partitions++;
    g.maxUnits = Math.max(g.maxUnits, n);
    g.totalUnits += n;
    groups.set(pattern, g);
  }
  return [...groups.values()].sort((a, b) => b.maxUnits - a.maxUnits);
}

/** DynamoDB's write throughput per partition: 1,000 write units a second. */
export const PARTITION_WRITE_UNITS_PER_SECOND = 1000;

/**
 * The load simulation of docs/scale.md: `n` readers submit the ebook form (one form: the worst case for
 * its keys), each with consent, through the local funnel as a browser would; every consumer runs to the
 * end (stream re-scores, delivery emails, enrolments, due steps). Writes are metered per partition key and
 * projected to `rate` submissions a second: a key's share of a run, times the rate.
 */
export async function simulateScale(n = Number(process.env.BENCH_SCALE_N ?? 400), rate = 1000) {
  const dynamo = await startDynamoLocal();
  const meter = await startMeteringProxy(dynamo.endpoint);
  const config = resolveConfig(rawConfig, localEnv());
  // One office behind one address would be limited per client: the simulation is many readers, so lift it.
  for (const site of config.sites) site.rateLimit = { submissions: 1_000_000, windowSeconds: 60 };
  const funnel = await startFunnel({ port: 0, dynamoEndpoint: meter.endpoint, tableName: 'scale', rawConfig: config, logLevel: 'silent' });
  try {
    meter.units.clear();
    const origin = new URL(funnel.url).origin;
    const started = performance.now();
    const submit = (i: number) =>
      fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({
          submissionId: crypto.randomUUID(),
          fields: { email: `reader${i}@company${i % 97}.com`, firstName: 'Jane', company: 'Acme', jobTitle: 'VP Marketing' },
          consent: { marketing: true },
          startedAt: Date.now() - 10_000,
          context: { pageUrl: 'https://blog.example.com/posts/funnels', utm: { source: 'newsletter', campaign: 'q4' } },
        }),
      }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 20) statuses.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => submit(i + j)))));
    await funnel.settle();
    const seconds = (performance.now() - started) / 1000;
    const accepted = statuses.filter((s) => s === 202).length;
    const groups = byPattern(meter.units);
    const total = groups.reduce((t, g) => t + g.totalUnits, 0);
    printTable(
      `Scale: writes per partition key, ${accepted} new leads on one form (every consumer run to the end, ${seconds.toFixed(1)} s on DynamoDB Local), projected to ${rate} submissions a second`,
      ['partition key', 'partitions', 'units per submission (hottest partition)', `units/s at ${rate}/s (hottest)`, 'of the 1,000/s a partition takes'],
      groups.map((g) => {
        const perSubmission = g.maxUnits / accepted;
        const projected = perSubmission * rate;
        return [
          g.pattern,
          g.partitions,
          perSubmission.toFixed(3),
          Math.round(projected),
          `${((projected / PARTITION_WRITE_UNITS_PER_SECOND) * 100).toFixed(0)}%`,
        ];
      }),
    );
    console.log(`${(total / accepted).toFixed(1)} write units per new lead in all (capture, re-score, delivery email, enrolment, due step)`);
    return { accepted, groups, total };
  } finally {
    await funnel.stop();
    await meter.stop();
    await dynamo.stop();
  }
}
