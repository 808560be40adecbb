import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../functions/adapters/dynamo/batch.js';
import rawConfig from '../test/support/config.js';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { meterCapacity } from '../functions/adapters/dynamo/lead-scan.js';
import { indexItemOf } from '../functions/adapters/dynamo/console-store.js';
import { compose } from '../functions/composition.js';
import { localEnv, resolveConfig } from '../functions/core/config.js';
import { emailKey } from '../functions/core/email.js';
import { indexEntriesOf, LeadListQuery, type LeadCard } from '../functions/core/lead-index.js';
import type { Person } from '../functions/core/people.js';
import { FormReportQuery, OverviewQuery } from '../functions/core/stats.js';
import { formPreview, formReport, formsReport } from '../functions/use-cases/form-report.js';
import { handoffHealth } from '../functions/use-cases/handoff-desk.js';
import { deliverability } from '../functions/use-cases/email-desk.js';
import { configuredEmails } from '../functions/use-cases/email-preview.js';
import { emailsReport } from '../functions/use-cases/email-report.js';
import { InMemoryMailAccount } from '../functions/adapters/memory-mail.js';
import { DynamoEmailStats } from '../functions/adapters/dynamo/email-stats-store.js';
import { leadPage, listLeads, overview } from '../functions/use-cases/console.js';
import { exportLeadsCsv } from '../functions/use-cases/exports.js';
import { ensureTable, startDynamoLocal } from '../local/dynamo.js';
import { percentile, printTable, prng } from './stats.js';
import { storedLead } from './fixtures.js';

/**
 * `npm run bench -- console`: the console's API answers with 1,000 and with BENCH_CONSOLE_N (default
 * 100,000) stored leads, each stored as capture and the stream leave it (the lead, its submission, its
 * list entries): the overview for 30 days, a filtered page of the list, a lead page, a search, each read
 * BENCH_N times. Read units per page view (as DynamoDB Local reports them, which is what AWS bills) must
 * be equal at both sizes; the baseline, measured in the same run, is a bare GetItem of one lead.
 * Then the CSV export of the largest list it answers (10,000 rows), with the process's memory before and after.
 */
const SITE = 'demo';
const ADMIN: Person = { sub: 'bench', roles: ['admin'], siteIds: ['*'] };
const N = Number(process.env.BENCH_N ?? 200);

export async function benchConsole(): Promise<void> {
  const sizes = [1_000, Number(process.env.BENCH_CONSOLE_N ?? 100_000)];
  const dynamo = await startDynamoLocal();
  const rows: (string | number)[][] = [];
  const units: Record<string, number[]> = {};
  try {
    for (const size of sizes) {
      const tableName = `bench-console-${size}`;
      await ensureTable(dynamo.client, tableName);
      const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
      const started = performance.now();
      const seeded = await seed(doc, tableName, size);
      console.log(`\nseeded ${size} leads (${seeded} items) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      // The ebook form runs an A/B test, so its page reads its variants' counters too.
      const withTest = resolveConfig(rawConfig, localEnv());
      withTest.sites[0]!.forms.find((f) => f.id === 'ebook')!.variants = [{ id: 'a' }, { id: 'b' }];
      const deps = compose({
        tableName,
        dynamo: dynamo.client,
        rawConfig: withTest,
        configEnv: localEnv(),
        tokenSecret: async () => 'bench',
        logLevel: 'silent',
        mailAccount: new InMemoryMailAccount(),
      });
      for (let d = 0; d < 30; d++)
        await deps.stats.count(SITE, { formId: 'ebook', variant: d % 2 ? 'a' : 'b', source: 'newsletter', page: '/blog/funnels' }, day(d), {
          impressions: 100,
          submissions: 7,
          leads: 6,
          mql: 2,
          sql: 1,
        });
      // Thirty days of every email of the site and of its sequences, each day's numbers in all 4 partitions
      // (the most a page reads; in production a quiet day's cell sits in fewer).
      const cells = [...configuredEmails(deps.config.findSite(SITE)!).map((e) => e.email), 'sequence#ebook-nurture', 'sequence#trial-onboarding'];
      let turn = 0;
      const everyPartition = new DynamoEmailStats(doc, tableName, () => (turn++ % 4) / 4);
      for (let d = 0; d < 30; d++)
        for (const cell of cells)
          for (let k = 0; k < 4; k++) await everyPartition.count(SITE, day(d), cell, { sent: 25, delivered: 24, hardBounced: 1, enrolled: 3 });
      // A hundred deliveries to the webhook endpoint, half delivered: the hand-off page reads its newest 50.
      await deps.webhooks.create(
        Array.from({ length: 100 }, (_, i) => ({
          siteId: SITE,
          emailKey: emailKey(`reader${i}@acme.com`),
          deliveryId: `msg_bench${String(i).padStart(20, '0')}`,
          endpointId: 'crm',
          type: 'prospect.ready',
          leadId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          eventAt: `2026-11-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`,
          createdAt: '2026-11-01T00:00:00.000Z',
          body: '{}',
        })),
      );
      const meter = meterCapacity(dynamo.client);
      const lead = `00000000-0000-4000-8000-${String(Math.floor(size / 2)).padStart(12, '0')}`;
      const pages: [string, () => Promise<unknown>][] = [
        [
          'bare GetItem of one lead (baseline)',
          () => doc.send(new GetCommand({ TableName: tableName, Key: keys.lead(SITE, emailKey(`reader${Math.floor(size / 2)}@acme.com`)) })),
        ],
        ['overview, 30 days, by source', () => overview(deps, ADMIN, OverviewQuery.parse({ site: SITE, from: day(29), to: day(0), by: 'source' }))],
        ['forms, 30 days', () => formsReport(deps, ADMIN, { site: SITE, from: day(29), to: day(0) })],
        ['a form and its A/B test, 30 days, by page', () => formReport(deps, ADMIN, 'ebook', FormReportQuery.parse({ from: day(29), to: day(0) }))],
        ['a form’s live preview (each variant’s definition)', async () => formPreview(deps, ADMIN, 'ebook')],
        ['the hand-off desk (5 endpoints and destinations)', () => handoffHealth(deps, ADMIN, { site: SITE })],
        ['emails, 30 days (the demo site: 7 emails, 2 sequences)', () => emailsReport(deps, ADMIN, { site: SITE, from: day(29), to: day(0) })],
        ['deliverability (14 days of email counters)', () => deliverability(deps, ADMIN, { site: SITE })],
        ['leads: MQLs, newest first, 25 a page', () => listLeads(deps, ADMIN, LeadListQuery.parse({ site: SITE, stage: 'mql', limit: '25' }))],
        ['leads: campaign q4 and score ≥ 40 (two filters)', () => listLeads(deps, ADMIN, LeadListQuery.parse({ site: SITE, campaign: 'q4', minScore: '40' }))],
        ['a lead page', () => leadPage(deps, ADMIN, lead)],
        ['search "reader12"', () => listLeads(deps, ADMIN, LeadListQuery.parse({ site: SITE, q: 'reader12' }))],
      ];
      let baseline = 0;
      for (const [name, call] of pages) {
        const times: number[] = [];
        meter.reset();
        for (let i = 0; i < N; i++) {
          const t = performance.now();
          await call();
          times.push(performance.now() - t);
        }
        const perView = meter.readUnits / N;
        (units[name] ??= []).push(perView);
        const p99 = percentile(times, 99);
        if (name.includes('baseline')) baseline = p99;
        rows.push([
          `${name}, ${size.toLocaleString('en')} leads`,
          perView.toFixed(1),
          percentile(times, 50).toFixed(1),
          p99.toFixed(1),
          (p99 / baseline).toFixed(1),
        ]);
      }
      meter.stop();
      if (size === sizes.at(-1)) {
        const before = process.memoryUsage().rss;
        const t = performance.now();
        const csv = await exportLeadsCsv(deps, ADMIN, LeadListQuery.parse({ site: SITE }));
        console.log(
          `CSV export: ${csv.rows} rows (${(csv.csv.length / 1e6).toFixed(1)} MB${csv.truncated ? ', cut at the 10,000-row limit' : ''}) in ${((performance.now() - t) / 1000).toFixed(1)} s; RSS ${(before / 1e6).toFixed(0)} → ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
        );
      }
    }
  } finally {
    await dynamo.stop();
  }
  printTable(
    `Console API per page view (${N} views each; read units as DynamoDB Local bills them)`,
    ['page view', 'RCU / view', 'p50 ms', 'p99 ms', 'p99 ÷ baseline'],
    rows,
  );
  printTable(
    'Read units per page view, largest table against 1,000 leads (1.00: flat)',
    ['page view', 'ratio'],
    // A page that reads no table (the preview: the config's) is flat too, not 0 ÷ 0.
    Object.entries(units).map(([name, [small, large]]) => [name, small === large ? '1.00' : (large! / small!).toFixed(2)]),
  );
}

const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

/** The leads as capture and the stream store them: the lead item, its submission, its list entries. BatchWriteItem, 16 calls at once. */
async function seed(doc: DynamoDBDocumentClient, tableName: string, count: number): Promise<number> {
  const random = prng(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const consentText = 'Send me the occasional email about new guides and product news. Unsubscribe at any time.';
  function* items(): Generator<Record<string, unknown>> {
    for (let i = 0; i < count; i++) {
      const email = `reader${i}@acme.com`;
      const key = emailKey(email);
      const leadId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const createdAt = new Date(Date.now() - Math.floor(random() * 180 * 86_400_000)).toISOString();
      const stage = pick(['lead', 'lead', 'lead', 'mql', 'sql'] as const);
      const score = Math.floor(random() * 90);
      const company = pick(['Acme', 'Globex', 'Initech', 'Umbrella']);
      const campaign = pick(['q4', 'launch', 'webinar']);
      const consent = { granted: true, text: consentText, version: '2026-11-01', formId: 'ebook', at: createdAt };
      const source = {
        formId: 'ebook',
        at: createdAt,
        pageUrl: 'https://blog.example.com/blog/funnels',
        utm: { source: 'newsletter', medium: 'email', campaign },
      };
      yield storedLead(SITE, key, leadId, {
        email,
        firstName: 'Jane',
        company,
        createdAt,
        updatedAt: createdAt,
        firstSource: source,
        latestSource: source,
        consentMarketing: consent,
        stage,
        score: { fit: 10, engagement: score - 10, total: score, rulesVersion: 'bench', computedAt: createdAt, breakdown: [] },
      });
      const entry = {
        type: 'form_submitted',
        at: createdAt,
        submissionId: `${leadId}-s1`,
        formId: 'ebook',
        formKind: 'gated-content',
        utm: source.utm,
        consent,
      };
      yield { ...keys.submission(SITE, key, entry.submissionId), entity: 'submission', siteId: SITE, leadId, entry, answer: { status: 201 } };
      const card: LeadCard = {
        leadId,
        email,
        name: 'Jane',
        company,
        stage,
        score,
        createdAt,
        forms: ['ebook'],
        source: 'newsletter',
        medium: 'email',
        campaign,
        consent: 'granted',
      };
      for (const e of indexEntriesOf(card)) yield indexItemOf({ siteId: SITE, emailKey: key }, e, card);
    }
  }
  const source = items();
  let written = 0;
  const writer = async () => {
    for (;;) {
      const batch: Record<string, unknown>[] = [];
      for (let next = source.next(); !next.done; next = source.next()) if (batch.push(next.value) === 25) break;
      if (!batch.length) return;
      written += batch.length;
      await batchWriteAll(doc, tableName, { puts: batch });
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  return written;
}

/**
 * `npm run bench -- export`: the background CSV export of a whole list, 10,000 leads (the baseline, in
 * the same run) and BENCH_EXPORT_N (default 100,000), from DynamoDB Local's GSI2 to a file, as the export
 * function runs it. Only the list it reads is seeded (the newest-first entries). The process's resident
 * memory is sampled every 20 ms: streamed, its growth does not follow the list's length.
 */
export async function benchExport(): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { LocalExportFiles } = await import('../local/export-files.js');
  const { runLeadsExport, startLeadsExport } = await import('../functions/use-cases/exports.js');
  const sizes = [10_000, Number(process.env.BENCH_EXPORT_N ?? 100_000)];
  const dynamo = await startDynamoLocal();
  const dir = mkdtempSync(join(tmpdir(), 'funnel-bench-export-'));
  const rows: (string | number)[][] = [];
  try {
    for (const size of sizes) {
      const tableName = `bench-export-${size}`;
      await ensureTable(dynamo.client, tableName);
      const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
      await seedList(doc, tableName, size);
      const files = new LocalExportFiles({ directory: join(dir, String(size)), baseUrl: () => 'http://localhost' });
      const deps = compose({ tableName, dynamo: dynamo.client, rawConfig, configEnv: localEnv(), tokenSecret: async () => 'bench', logLevel: 'silent' });
      const jobDeps = { ...deps, exportFiles: files, exportQueue: { enqueue: async () => undefined } };
      const job = await startLeadsExport(jobDeps, ADMIN, LeadListQuery.parse({ site: SITE }));
      globalThis.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t = performance.now();
      await runLeadsExport(jobDeps, job.id, { finalAttempt: true });
      const seconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      const done = await jobDeps.exports.get(job.id);
      rows.push([
        `${size.toLocaleString('en')} leads`,
        done?.rows ?? 0,
        ((done?.bytes ?? 0) / 1e6).toFixed(1),
        seconds.toFixed(1),
        Math.round((done?.rows ?? 0) / seconds),
        (before / 1e6).toFixed(0),
        (peak / 1e6).toFixed(0),
        ((peak - before) / 1e6).toFixed(0),
      ]);
    }
  } finally {
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    'Background CSV export of a whole list (DynamoDB Local → file), resident memory sampled every 20 ms',
    ['list', 'rows', 'MB written', 'seconds', 'rows / s', 'RSS before MB', 'RSS peak MB', 'growth MB'],
    rows,
  );
}

/** The newest-first list entries of `count` leads (all an export of the unfiltered list reads). */
async function seedList(doc: DynamoDBDocumentClient, tableName: string, count: number): Promise<void> {
  const items: Record<string, unknown>[] = [];
  const flush = async () => {
    const batch = items.splice(0);
    await Promise.all(
      Array.from({ length: Math.ceil(batch.length / 25) }, (_, i) => batchWriteAll(doc, tableName, { puts: batch.slice(i * 25, i * 25 + 25) })),
    );
  };
  for (let i = 0; i < count; i++) {
    const email = `export${i}@acme.com`;
    const card: LeadCard = {
      leadId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      email,
      name: 'Jane',
      company: 'Acme',
      stage: 'lead',
      score: i % 90,
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      forms: ['ebook'],
      source: 'newsletter',
      medium: 'email',
      campaign: 'q4',
      consent: 'granted',
    };
    for (const e of indexEntriesOf(card).filter((e) => e.dimension === 'new')) items.push(indexItemOf({ siteId: SITE, emailKey: emailKey(email) }, e, card));
    if (items.length >= 400) await flush();
  }
  await flush();
}
