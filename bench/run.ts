import { resolveConfig, localEnv } from '../functions/core/config.js';
import { GetCommand, PutCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import rawConfig from '../test/support/config.js';
import { localClient, startDynamoLocal } from '../local/dynamo.js';
import { startLatencyProxy } from './latency-proxy.js';
import { startFunnel } from '../local/runtime.js';
import { buildWidget, INLINE_GZIP_BUDGET_BYTES, LOADER_GZIP_BUDGET_BYTES } from '../widget/build.js';
import { DEFAULT_ENTRIES } from '../infra/funnel-app.js';
import { bundleBaseline, bundleLikeLambda } from './bundle.js';
import { benchDispatch } from './dispatch.js';
import { benchRescore } from './rescore.js';
import { benchConsole, benchExport } from './console.js';
import { benchWebhooks } from './webhooks.js';
import { simulateScale } from './scale.js';
import { benchScoring } from './scoring.js';
import { median, percentile, printTable } from './stats.js';

/**
 * `npm run bench`: each measurement is printed beside a baseline measured in the same run, because this
 * machine is shared and absolute times drift. Run with BENCH_N=<requests> to change the sample size.
 * `npm run bench -- scoring rescore` runs only the named benchmarks (widget, cold-start, capture, scoring, rescore, dispatch, webhooks, scale, console, export).
 */
const N = Number(process.env.BENCH_N ?? 300);

/**
 * A capture through the local runtime against a bare PutItem of the same body, on the same DynamoDB Local:
 * first as it is (DynamoDB Local answers in about a millisecond and works one request at a time, so this
 * counts the items a request touches), then behind a network that adds `NETWORK_MS` to every request (a
 * DynamoDB request spends its time on the wire), which counts the round trips a request waits for.
 */
const NETWORK_MS = Number(process.env.BENCH_NETWORK_MS ?? 5);

async function captureOverhead() {
  const dynamo = await startDynamoLocal();
  const rows: (string | number)[][] = [];
  for (const delayMs of [0, NETWORK_MS]) {
    const proxy = delayMs ? await startLatencyProxy(dynamo.endpoint, delayMs) : undefined;
    const endpoint = proxy?.endpoint ?? dynamo.endpoint;
    const config = resolveConfig(rawConfig, localEnv());
    for (const site of config.sites) site.rateLimit = { submissions: 100_000, windowSeconds: 60 };
    const tableName = `bench-${delayMs}`;
    const funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, rawConfig: config, logLevel: 'silent' });
    const doc = DynamoDBDocumentClient.from(localClient(endpoint));
    const url = `${funnel.url}/v1/forms/ebook/submissions`;
    const body = (i: number) =>
      JSON.stringify({
        submissionId: crypto.randomUUID(),
        fields: { email: `reader${i}-${delayMs}@acme-${i % 50}.com`, firstName: 'Jane', company: 'Acme', jobTitle: 'VP Marketing' },
        consent: { marketing: true },
        startedAt: Date.now() - 10_000,
        context: {
          pageUrl: 'https://blog.example.com/posts/funnels',
          referrer: 'https://www.google.com/',
          utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
        },
      });
    const capture = async (i: number) => {
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: funnel.url }, body: body(i) });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`capture answered ${res.status}`);
      return performance.now() - started;
    };
    const put = async (i: number) => {
      const started = performance.now();
      await doc.send(new PutCommand({ TableName: tableName, Item: { PK: `BENCH#${i}`, SK: 'X', data: body(i) } }));
      return performance.now() - started;
    };
    // Where the time goes: the read a capture makes (is the address a lead), then the same three items in
    // one bare transaction (the platform's floor for an all-or-nothing capture that answers every address
    // alike), and a request through the same HTTP front that touches no table.
    const transact = async (i: number) => {
      const started = performance.now();
      const item = (sk: string) => ({ Put: { TableName: tableName, Item: { PK: `BENCHTX#${i}`, SK: sk, data: body(i) } } });
      await doc.send(new GetCommand({ TableName: tableName, Key: { PK: `BENCHTX#${i}`, SK: 'LEAD' }, ConsistentRead: true }));
      await doc.send(new TransactWriteCommand({ TransactItems: [item('LEAD'), item('SUB'), item('COUNT')] }));
      return performance.now() - started;
    };
    const front = async () => {
      const started = performance.now();
      const res = await fetch(`${funnel.url}/v1/forms/ebook`, { headers: { origin: funnel.url } });
      await res.arrayBuffer();
      return performance.now() - started;
    };
    for (let i = 0; i < 30; i++) await Promise.all([capture(-i - 1), put(-i - 1), transact(-i - 1), front()]); // warm up JIT, connections, DynamoDB Local
    const captures: number[] = [];
    const puts: number[] = [];
    const transactions: number[] = [];
    const fronts: number[] = [];
    // Interleaved, so a noisy neighbour slows every side alike. Each request is timed alone: the work a
    // capture sets off through the table stream (scoring, its emails, its counts) is settled first, as it
    // runs elsewhere on AWS (its own Lambda, a table that scales) while DynamoDB Local does one request at a time.
    for (let i = 0; i < N; i++) {
      await funnel.settle();
      captures.push(await capture(i));
      await funnel.settle();
      puts.push(await put(i));
      transactions.push(await transact(i));
      fronts.push(await front());
    }
    await funnel.stop();
    await proxy?.stop();
    const label = delayMs ? `${delayMs} ms of network per round trip` : 'DynamoDB Local as it is';
    rows.push(
      [`POST submission (new lead), ${label}`, median(captures), percentile(captures, 99)],
      [`bare PutItem (baseline), ${label}`, median(puts), percentile(puts, 99)],
      [`ratio, ${label}`, median(captures) / median(puts), percentile(captures, 99) / percentile(puts, 99)],
      [`  bare GetItem, then TransactWriteItems of 3 items, ${label}`, median(transactions), percentile(transactions, 99)],
      [`  ratio to the bare transaction, ${label}`, median(captures) / median(transactions), percentile(captures, 99) / percentile(transactions, 99)],
      [`  GET /v1/forms/ebook (HTTP front, no table), ${label}`, median(fronts), percentile(fronts, 99)],
    );
  }
  await dynamo.stop();
  printTable(`Capture: POST submission through the local runtime vs a bare PutItem of the same body (n=${N})`, ['', 'median ms', 'p99 ms'], rows);
}

/** Bundle each route group like the CDK stack does (esbuild, ESM, minified, node24, SDK bundled) and time a fresh import. */
async function coldStartProxy() {
  const dir = mkdtempSync(join(tmpdir(), 'funnel-bench-'));
  const baseline = await bundleBaseline(dir);
  const importMs = (file: string) =>
    Number(
      execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`],
        {
          env: { ...process.env, TABLE_NAME: 'bench', AWS_REGION: 'us-east-1' },
        },
      ).toString(),
    );
  const runs = 15;
  const timed = (file: string) => median(Array.from({ length: runs }, () => importMs(file)));
  const rows: (string | number)[][] = [];
  const baselineMs = timed(join(dir, 'baseline.mjs'));
  for (const group of ['capture', 'leads', 'mail', 'webhooks', 'openapi'] as const) {
    const out = join(dir, `${group}.mjs`);
    const b = await bundleLikeLambda(DEFAULT_ENTRIES[group], out);
    const ms = group === 'capture' ? timed(out) : Number.NaN;
    rows.push([`${group} (${DEFAULT_ENTRIES[group].split('/').pop()})`, b.bytes, b.gzip, b.bytes / baseline.bytes, ms]);
  }
  rows.push(['DynamoDB client only (baseline)', baseline.bytes, baseline.gzip, 1, baselineMs]);
  const capture = rows[0]!;
  rows.push([
    'capture ratio (bytes, gzip, import)',
    (capture[1] as number) / baseline.bytes,
    (capture[2] as number) / baseline.gzip,
    Number.NaN,
    (capture[4] as number) / baselineMs,
  ]);
  rmSync(dir, { recursive: true, force: true });
  printTable(
    `Cold-start proxy: each route group's bundle, and the capture's import time in a fresh Node process (median of ${runs})`,
    ['', 'bytes', 'gzip bytes', 'bytes ratio', 'import ms'],
    rows,
  );
}

async function widgetSize() {
  const widget = await buildWidget({ minify: true });
  const { FormView } = await import('../functions/core/contracts.js');
  const { ConfigIndex, parseConfig } = await import('../functions/core/config.js');
  // The definition as `GET /v1/forms/ebook` sends it, its impression proof included.
  const { getForm } = await import('../functions/use-cases/get-form.js');
  const { HmacImpressionProofs } = await import('../functions/adapters/impression-proofs.js');
  const config = new ConfigIndex(parseConfig(rawConfig, localEnv()));
  const served = await getForm({ config, clock: { now: () => new Date() }, impressionProofs: new HmacImpressionProofs(async () => 'bench') }, 'ebook');
  const formJson = Buffer.from(JSON.stringify(FormView.parse(served)));
  const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length;
  printTable(
    'Widget: everything one snippet with a form loads',
    ['', 'bytes', 'gzip bytes'],
    [
      ...widget.files.map((f) => [`${f.path} (${f.cache})`, f.body.length, gz(f.body)]),
      ['GET /v1/forms/ebook (JSON)', formJson.length, gz(formJson)],
      ['total (a popup: all of it; an inline form: all but the frames)', widget.bytes + formJson.length, widget.gzipBytes + gz(formJson)],
    ],
  );
  // Each page's cost against its budget (issue 14's targets, checked in test/browser/widget-size.test.ts).
  const loader = widget.loaderGzipBytes;
  const inline = widget.inlineGzipBytes + gz(formJson);
  printTable(
    'Widget budgets (gzip bytes on the wire)',
    ['page', 'gzip bytes', 'budget', 'share of budget'],
    [
      ['the loader: every page with a snippet (all a tracking-only page loads)', loader, LOADER_GZIP_BUDGET_BYTES, loader / LOADER_GZIP_BUDGET_BYTES],
      ['inline form, all in: loader, form code, definition', inline, INLINE_GZIP_BUDGET_BYTES, inline / INLINE_GZIP_BUDGET_BYTES],
    ],
  );
  // What the CDN sends for each file (the local funnel serves them the same way), by what the browser accepts.
  const { widgetAssets } = await import('../local/widget-assets.js');
  const serve = widgetAssets(widget);
  const wire = (acceptEncoding: string) => widget.files.reduce((n, f) => n + serve(`/${f.path}`, acceptEncoding)!.body.length, 0);
  const identity = wire('identity');
  const rows: (string | number)[][] = [];
  for (const [label, accept] of [
    ['brotli (Accept-Encoding: gzip, deflate, br)', 'gzip, deflate, br'],
    ['gzip (Accept-Encoding: gzip, deflate)', 'gzip, deflate'],
    ['uncompressed (baseline)', 'identity'],
  ] as const) {
    const bytes = wire(accept);
    rows.push([label, bytes, bytes / identity]);
  }
  printTable('Widget: bytes on the wire for the loader and the form code', ['', 'bytes', 'ratio to uncompressed'], rows);
}

const BENCHMARKS: Record<string, () => Promise<void>> = {
  widget: widgetSize,
  'cold-start': coldStartProxy,
  capture: captureOverhead,
  scoring: benchScoring,
  rescore: benchRescore,
  dispatch: benchDispatch,
  webhooks: benchWebhooks,
  scale: async () => void (await simulateScale()),
  console: benchConsole,
  export: benchExport,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(1);
}
for (const [name, run] of Object.entries(BENCHMARKS)) if (chosen.length === 0 || chosen.includes(name)) await run();
