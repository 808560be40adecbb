import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import rawConfig from '../test/support/config.js';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { DEFAULT_SEGMENTS, DynamoLeadScan, meterCapacity, type CapacityMeter } from '../functions/adapters/dynamo/lead-scan.js';
import { compose } from '../functions/composition.js';
import { parseConfig, type FunnelConfigInput, resolveConfig, localEnv } from '../functions/core/config.js';
import type { FormSubmittedEntry, PageViewedEntry } from '../functions/core/contracts.js';
import { emailKey } from '../functions/core/email.js';
import type { ScoringInput } from '../functions/core/ports.js';
import type { ScoringRules } from '../functions/core/scoring/index.js';
import { decideRescore } from '../functions/use-cases/rescore-lead.js';
import { rescoreSite, type RescoreSummary } from '../functions/use-cases/rescore-site.js';
import { ensureTable, startDynamoLocal } from '../local/dynamo.js';
import { printTable, prng } from './stats.js';
import { storedLead } from './fixtures.js';

/**
 * Re-scoring a whole site (`npm run rescore`) against DynamoDB Local: BENCH_RESCORE_N leads (default
 * 100,000), stored the way capture stores them (lead item, its submissions and page views) and already
 * scored with the shipped rules, then re-scored with changed rules: once as a dry run, once for real. The
 * baseline, measured in the same run, is a bare parallel Scan of the same leads (what listing them costs).
 * DynamoDB Local reports consumed capacity from item sizes, consistency and transactions (2×), so the
 * units are what AWS would bill; its speed is not AWS's (one Java process on this machine).
 * Then projects the cost of re-scoring 1,000,000 such leads on AWS on-demand.
 */

/** us-east-1 on-demand (aws.amazon.com/dynamodb/pricing/on-demand, after the 1 Nov 2024 cut; check before relying on it). */
export const PRICES = { region: 'us-east-1', perMillionReadUnits: 0.125, perMillionWriteUnits: 0.625 } as const;

const SITE = 'demo';
const TABLE_NAME = 'bench-rescore';
const CONCURRENCY = Number(process.env.BENCH_RESCORE_CONCURRENCY ?? 16);

// Long by design: a benchmark reads top to bottom (set up, measure, print).
export async function benchRescore(): Promise<void> {
  const leadCount = Number(process.env.BENCH_RESCORE_N ?? 100_000);
  const oldConfig = parseConfig(rawConfig, localEnv());
  const oldRules = oldConfig.sites.find((s) => s.id === SITE)!.scoring!;
  // The change under test: a new version, a lower MQL bar, pricing visits worth more.
  const newConfig: FunnelConfigInput = resolveConfig(rawConfig, localEnv());
  const rules = newConfig.sites.find((s) => s.id === SITE)!.scoring!;
  rules.version = '2026-12-01-bench';
  rules.thresholds = { mql: { score: 30, fit: 10 }, sql: { score: 70, fit: 25 } };
  for (const rule of rules.engagement ?? []) if (rule.id === 'pricing-visit') rule.points = 12;

  // This DynamoDB Local holds ~460,000 items: the parallel collector makes it about 20% faster on this
  // 2-core machine (measured at 20,000 leads). Only its JVM gets the option; the environment is restored.
  const javaOptions = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = `${javaOptions ?? ''} -XX:+UseParallelGC`.trim();
  const dynamo = await startDynamoLocal().finally(() => {
    if (javaOptions === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = javaOptions;
  });
  try {
    await ensureTable(dynamo.client, TABLE_NAME);
    const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
    const meter = meterCapacity(dynamo.client);
    const now = new Date();

    const started = performance.now();
    const seeded = await seedLeads(doc, TABLE_NAME, leadCount, now, oldRules);
    const seedSeconds = (performance.now() - started) / 1000;
    const seedWrites = meter.writeUnits;
    console.log(
      `\nseeded ${leadCount} leads (${seeded.items} items, ${(seeded.bytes / 1e6).toFixed(0)} MB of attribute data) in ${seedSeconds.toFixed(0)} s, ${seedWrites} WCU; stages before: ${JSON.stringify(seeded.stages)}`,
    );

    const lister = new DynamoLeadScan({ client: doc, tableName: TABLE_NAME, segments: DEFAULT_SEGMENTS });
    const deps = compose({
      tableName: TABLE_NAME,
      dynamo: dynamo.client,
      rawConfig: newConfig,
      clock: { now: () => now },
      tokenSecret: async () => 'unused',
      logLevel: 'silent',
    });

    const measure = async <T>(run: () => Promise<T>) => {
      meter.reset();
      const t = performance.now();
      const result = await run();
      return { result, seconds: (performance.now() - t) / 1000, ...units(meter) };
    };
    const scan = await measure(async () => {
      let found = 0;
      for await (const page of lister.leadsOf(SITE)) found += page.leads.length;
      return found;
    });
    const dry = await measure(() => rescoreSite({ ...deps, lister }, { siteId: SITE, dryRun: true, concurrency: CONCURRENCY }));
    const real = await measure(() => rescoreSite({ ...deps, lister }, { siteId: SITE, concurrency: CONCURRENCY }));
    meter.stop();
    if (scan.result !== leadCount || dry.result.rescored !== leadCount || real.result.rescored !== leadCount || real.result.failed > 0) {
      throw new Error(
        `bench: expected ${leadCount} leads everywhere, got scan ${scan.result}, dry ${dry.result.rescored}, real ${real.result.rescored} (failed ${real.result.failed})`,
      );
    }

    const row = (label: string, m: { seconds: number; readUnits: number; writeUnits: number }) => [
      label,
      m.seconds,
      Math.round(leadCount / m.seconds),
      m.readUnits,
      m.writeUnits,
      m.readUnits / leadCount,
      m.writeUnits / leadCount,
    ];
    printTable(
      `Re-score: ${leadCount} stored leads (${seeded.items} items) in DynamoDB Local, ${CONCURRENCY} at once, ${DEFAULT_SEGMENTS} scan segments`,
      ['', 'seconds', 'leads/s', 'RCU', 'WCU', 'RCU per lead', 'WCU per lead'],
      [
        row('bare parallel Scan of the leads (baseline)', scan),
        row('npm run rescore -- --dry-run', dry),
        row('npm run rescore', real),
        ['dry run / baseline', dry.seconds / scan.seconds, '—', dry.readUnits / scan.readUnits, '—', '—', '—'],
        ['re-score / baseline', real.seconds / scan.seconds, '—', real.readUnits / scan.readUnits, '—', '—', '—'],
      ],
    );
    console.log(
      `stage changes: dry run would make ${changes(dry.result)}; the real run made ${changes(real.result)}; capacity units of the real run by operation: ${JSON.stringify(real.byOperation)}`,
    );

    // Capacity scales with the number of leads (the Scan with the table's size), so per-lead units × 1M.
    const projected = (m: { readUnits: number; writeUnits: number }) => {
      const reads = (m.readUnits / leadCount) * 1e6;
      const writes = (m.writeUnits / leadCount) * 1e6;
      const readCost = (reads / 1e6) * PRICES.perMillionReadUnits;
      const writeCost = (writes / 1e6) * PRICES.perMillionWriteUnits;
      return [Math.round(reads), Math.round(writes), `$${readCost.toFixed(2)}`, `$${writeCost.toFixed(2)}`, `$${(readCost + writeCost).toFixed(2)}`];
    };
    printTable(
      `Projected AWS cost of one re-score of 1,000,000 such leads (on-demand, ${PRICES.region}: $${PRICES.perMillionReadUnits} per million read units, $${PRICES.perMillionWriteUnits} per million write units)`,
      ['', 'read units', 'write units', 'reads', 'writes', 'total'],
      [
        ['listing only (the Scan)', ...projected(scan)],
        ['dry run', ...projected(dry)],
        ['re-score', ...projected(real)],
      ],
    );
  } finally {
    await dynamo.stop();
  }
}

const units = (meter: CapacityMeter) => ({ readUnits: meter.readUnits, writeUnits: meter.writeUnits, byOperation: { ...meter.byOperation } });
const changes = (s: RescoreSummary) => JSON.stringify(s.stageChanges);

// Long by design: builds realistic lead partitions item by item, as the table holds them.
/**
 * Write `count` leads of the demo site as capture stores them: the lead item (profile, sources, consent,
 * GSI1 keys), one or two submissions, zero to four page views, and what scoring them with `rules` left:
 * score, stage, the `STAGE#` items and the due check. BatchWriteItem, 25 items a call, 16 calls at once.
 * The same leads every time (a seeded generator).
 */
export async function seedLeads(doc: DynamoDBDocumentClient, tableName: string, count: number, now: Date, rules: ScoringRules) {
  const random = prng(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const titles = [
    'CEO',
    'VP Marketing',
    'Head of Growth',
    'Director of Engineering',
    'Marketing Manager',
    'Software Engineer',
    'Student',
    'Team Lead',
    'Founder',
    'Analyst',
    '',
  ];
  const sizes = ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+', ''];
  const domains = ['acme.com', 'gmail.com', 'globex.de', 'yahoo.co.uk', 'mailinator.com', 'initech.com', 'outlook.com', 'example.io'];
  const paths = [
    '/pricing',
    '/docs/api/leads',
    '/docs',
    '/blog/funnels',
    '/blog/scoring',
    '/customers/acme',
    '/integrations/hubspot',
    '/security',
    '/about',
    '/',
  ];
  const consentText = 'Send me the occasional email about new guides and product news. Unsubscribe at any time.';
  const stats = { items: 0, bytes: 0, stages: {} as Record<string, number> };

  function* items(): Generator<Record<string, unknown>> {
    for (let i = 0; i < count; i++) {
      const email = `reader${i}@${pick(domains)}`;
      const key = emailKey(email);
      const leadId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const ago = (maxDays: number) => new Date(now.getTime() - Math.floor(random() * maxDays * 86_400_000)).toISOString();
      const createdAt = ago(180);
      const consent = { granted: true, text: consentText, version: '2026-11-01', formId: 'ebook', at: createdAt };
      const source = {
        formId: 'ebook',
        at: createdAt,
        pageUrl: `https://blog.example.com${pick(paths)}`,
        referrer: 'https://www.google.com/',
        utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
      };
      const submissions: FormSubmittedEntry[] = [
        {
          type: 'form_submitted',
          at: createdAt,
          submissionId: `${leadId}-s1`,
          formId: 'ebook',
          formKind: 'gated-content',
          pageUrl: source.pageUrl,
          referrer: source.referrer,
          utm: source.utm,
          userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15',
          consent,
        },
      ];
      if (random() < 0.3) submissions.push({ ...submissions[0]!, at: ago(60), submissionId: `${leadId}-s2`, formId: 'trial', formKind: 'free-trial' });
      const views: PageViewedEntry[] = Array.from({ length: Math.floor(random() * 5) }, (_, v) => ({
        type: 'page_viewed',
        at: ago(60),
        eventId: `${leadId}-v${v}`,
        path: pick(paths),
        title: 'A page of the blog',
        referrer: 'https://blog.example.com/',
      }));
      const profile = { firstName: 'Jane', company: pick(['Acme', 'Globex', 'Initech', 'Umbrella']), jobTitle: pick(titles), companySize: pick(sizes) };
      for (const k of Object.keys(profile) as (keyof typeof profile)[]) if (!profile[k]) delete profile[k];

      const input: ScoringInput = {
        leadId,
        email,
        profile,
        stage: 'lead',
        events: [
          ...submissions.map((s) => ({ id: s.submissionId, type: 'form_submitted' as const, at: s.at, formId: s.formId, formKind: s.formKind })),
          ...views.map((v) => ({ id: v.eventId, type: 'page_viewed' as const, at: v.at, path: v.path })),
        ],
      };
      const scored = decideRescore(input, rules, now);
      stats.stages[scored.to] = (stats.stages[scored.to] ?? 0) + 1;
      const partition = { siteId: SITE, emailKey: key };
      yield storedLead(SITE, key, leadId, {
        email,
        ...profile,
        createdAt,
        updatedAt: submissions.at(-1)!.at,
        firstSource: source,
        latestSource: source,
        consentMarketing: consent,
        stage: scored.to,
        score: scored.score,
        ...(scored.decayCheckAt && { decayCheckAt: scored.decayCheckAt }),
      });
      for (const entry of submissions) {
        yield {
          ...keys.submission(SITE, key, entry.submissionId),
          entity: 'submission',
          siteId: SITE,
          leadId,
          entry,
          answer: { status: 201, leadId, next: { type: 'download', url: 'https://blog.example.com/playbook.pdf' } },
        };
      }
      for (const entry of views) yield { ...keys.event(SITE, key, entry.eventId), entity: 'event', siteId: SITE, leadId, entry };
      if (scored.change) yield { ...keys.stage(SITE, key, scored.change.to), entity: 'stage', siteId: SITE, entry: scored.change };
      if (scored.decayCheckAt) yield { ...keys.due(scored.decayCheckAt, partition.siteId, partition.emailKey), entity: 'due', siteId: SITE };
    }
  }

  const source = items();
  const nextBatch = () => {
    const batch: Record<string, unknown>[] = [];
    for (let next = source.next(); !next.done; next = source.next()) {
      batch.push(next.value);
      stats.bytes += JSON.stringify(next.value).length;
      if (batch.length === 25) break;
    }
    stats.items += batch.length;
    return batch;
  };
  const writer = async () => {
    for (let batch = nextBatch(); batch.length; batch = nextBatch()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length; attempt++) {
        if (attempt > 10) throw new Error('bench seed: BatchWriteItem kept returning unprocessed items');
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  return stats;
}
