import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoLeadIndex } from '../../functions/adapters/dynamo/console-store.js';
import { DynamoProspectStore } from '../../functions/adapters/dynamo/prospect-store.js';
import { LeadListQuery, planList } from '../../functions/core/lead-index.js';
import { DynamoLeadRepository } from '../../functions/adapters/dynamo/lead-repository.js';
import { DynamoFormStats } from '../../functions/adapters/dynamo/stats-store.js';
import { DynamoLeadScan, meterCapacity } from '../../functions/adapters/dynamo/lead-scan.js';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { FakeClock } from '../../functions/adapters/memory.js';
import { randomIds } from '../../functions/adapters/system.js';
import { ConfigIndex, parseConfig, type FunnelConfigInput, localEnv } from '../../functions/core/config.js';
import { emailKey } from '../../functions/core/email.js';
import { rescoreSite } from '../../functions/use-cases/rescore-site.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { freePort } from '../../local/dynamo.js';
import { main, parseRescoreArgs, UsageError } from '../../scripts/rescore.js';
import { LOCK_FILE } from '../../local/instance.js';
import { aSubmission, cloneSite, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

type Table = Awaited<ReturnType<typeof freshTable>>;
let table: Table;
const clock = new FakeClock();

/** The demo site plus a second site (`other`) with the same rules, so a re-score of one must not touch the other. */
const twoSites = (change?: (c: FunnelConfigInput) => void) =>
  testConfig((c) => {
    c.sites.push(cloneSite(c.sites[0]!, 'other')); // forms other-ebook, other-trial
    change?.(c);
  });
/** New rules: a new version and a lower MQL bar (score 20, fit 10). */
const loweredBar = (c: FunnelConfigInput) => {
  const scoring = c.sites[0]!.scoring!;
  scoring.version = '2026-12-01';
  scoring.thresholds = { mql: { score: 20, fit: 10 }, sql: { score: 80, fit: 25 } };
};

const deps = (raw: FunnelConfigInput) => ({
  config: new ConfigIndex(parseConfig(raw, localEnv())),
  clock,
  leads: new DynamoLeadRepository({ client: table.doc, tableName: table.tableName }),
  lister: new DynamoLeadScan({ client: table.doc, tableName: table.tableName, segments: 3 }),
  stats: new DynamoFormStats(table.doc, table.tableName),
  leadIndex: new DynamoLeadIndex({ client: table.doc, tableName: table.tableName }),
  prospects: new DynamoProspectStore({ client: table.doc, tableName: table.tableName }),
});
const allItems = async () => {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
};
const leadItem = async (siteId: string, email: string) =>
  (await allItems()).find((i) => i.PK === keys.leadPartition(siteId, emailKey(email)) && i.SK === 'LEAD')!;
const stageItems = async () => (await allItems()).filter((i) => String(i.SK).startsWith(keys.stagePrefix));

const emails = { vp: 'vp@acme.com', engineer: 'engineer@acme.com', student: 'student@gmail.com' };

beforeAll(async () => {
  table = await freshTable();
  // Capture through the real use case and repository: three demo leads and one lead of the other site.
  const fake = fakeDeps({ rawConfig: twoSites() });
  fake.deps.leads = new DynamoLeadRepository({ client: table.doc, tableName: table.tableName });
  fake.deps.ids = randomIds;
  fake.deps.clock = clock;
  const submit = (formId: string, email: string, jobTitle: string) =>
    submitForm(fake.deps, {
      formId,
      body: aSubmission().withEmail(email).withField('jobTitle', jobTitle).build(),
      origin: ORIGIN,
      clientIp: '203.0.113.9',
      userAgent: 'vitest',
    });
  await submit('ebook', emails.vp, 'VP Marketing'); // fit 35, total 45: MQL with the shipped rules
  await submit('ebook', emails.engineer, 'Software Engineer'); // fit 10, total 20: lead; MQL once the bar is 20/10
  await submit('ebook', emails.student, 'Student'); // total 10: lead either way
  await submit('other-ebook', emails.engineer, 'Software Engineer'); // same person on the other site
  // The site as scoring left it with the shipped rules (version 2026-11-01).
  const first = await rescoreSite(deps(twoSites()), { siteId: 'demo' });
  expect(first.stageChanges).toEqual({ 'lead→mql': 1 });
});

describe('Integration: re-scoring backfills the console lists', () => {
  it('leads stored before the lists existed (captured with no stream here) are listed after a re-score, with their stage', async () => {
    const page = await deps(twoSites()).leadIndex.page('demo', planList(LeadListQuery.parse({})), { limit: 10, maxRead: 200 });
    expect(page.cards.map((c) => [c.email, c.stage]).sort()).toEqual([
      [emails.engineer, 'lead'],
      [emails.student, 'lead'],
      [emails.vp, 'mql'],
    ]);
  });
});

describe('Integration: re-scoring a site against DynamoDB Local', () => {
  it('a dry run reports the stage changes new rules would make, and writes nothing', async () => {
    const before = await allItems();
    const meter = meterCapacity(table.client);
    try {
      const summary = await rescoreSite(deps(twoSites(loweredBar)), { siteId: 'demo', dryRun: true, concurrency: 2 });
      expect(summary).toMatchObject({
        rulesVersion: '2026-12-01',
        dryRun: true,
        leads: 3,
        rescored: 3,
        stageChanges: { 'lead→mql': 1 },
        unchanged: 2,
        failed: 0,
        previousVersions: { '2026-11-01': 3 },
      });
      expect(summary.listReadUnits).toBeGreaterThan(0);
      expect(meter.writeUnits).toBe(0);
      expect(meter.readUnits).toBeGreaterThanOrEqual(summary.listReadUnits + 3); // the Scan plus one consistent Query per lead
    } finally {
      meter.stop();
    }
    expect(await allItems()).toEqual(before);
  });

  it('a real run records the new rules version on every score and each stage change once, however often it runs; the other site is untouched', async () => {
    const otherBefore = await leadItem('other', emails.engineer);
    const first = await rescoreSite(deps(twoSites(loweredBar)), { siteId: 'demo' });
    const stagesAfterFirst = await stageItems();
    const second = await rescoreSite(deps(twoSites(loweredBar)), { siteId: 'demo' });

    expect(first).toMatchObject({ stageChanges: { 'lead→mql': 1 }, unchanged: 2, failed: 0 });
    expect(second).toMatchObject({ stageChanges: {}, unchanged: 3, scoreChanged: 0, previousVersions: { '2026-12-01': 3 } });
    expect(await stageItems()).toEqual(stagesAfterFirst);
    expect(
      stagesAfterFirst
        .map((i) => `${(i.entry as { from: string }).from}→${(i.entry as { to: string }).to}@${(i.entry as { rulesVersion: string }).rulesVersion}`)
        .sort(),
    ).toEqual(['lead→mql@2026-11-01', 'lead→mql@2026-12-01']);
    for (const email of Object.values(emails)) expect((await leadItem('demo', email)).score).toMatchObject({ rulesVersion: '2026-12-01' });
    expect(await leadItem('demo', emails.engineer)).toMatchObject({ stage: 'mql' });
    expect(await leadItem('other', emails.engineer)).toEqual(otherBefore);
    expect(otherBefore.score).toBeUndefined();
  });

  it('`npm run rescore` against an endpoint and table prints the table of what moved', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      rawConfig: twoSites((c) => (c.sites[0]!.scoring!.version = '2027-01-01')),
      progress: false,
    };
    const code = await main(['--site', 'demo', '--dry-run', '--endpoint', table.endpoint, '--table', table.tableName], io);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('Dry run (nothing is written)');
    expect(text).toMatch(/\| site +\| rules version +\| leads scanned +\| would change stage +\| unchanged +\| failed +\| seconds +\| RCU +\| WCU +\|/);
    expect(text).toMatch(/\| demo +\| 2027-01-01 +\| 3 +\| 0 +\| 3 +\| 0 +\| [\d.]+ +\| [\d.]+ +\| 0 +\|/);
    expect(text).toContain('demo: scores before this run by rules version: 2026-12-01: 3');
    expect(text).toContain('Nothing was written.');

    const missing = await main(['--endpoint', table.endpoint, '--table', 'no-such-table'], { ...io, out: () => {} });
    expect(missing).toBe(1);
    expect(err.at(-1)).toContain('No table "no-such-table"');
  });
});

describe('Script: npm run rescore on the local funnel', () => {
  it('goes through the running `npm start` (never a second DynamoDB Local on its files), and starts its own when none runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-rescore-'));
    const port = await freePort();
    // Ports of its own, the SES emulator's too: another test run on this machine may hold the default 8005.
    const env = { ...process.env, PORT: String(port), SES_PORT: String(await freePort()), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: '' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { env, stdio: 'pipe' });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((ok) => child.on('exit', ok));
    try {
      for (const deadline = Date.now() + 60_000; !log.includes('Ctrl-C stops everything'); ) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = `http://localhost:${port}`;
      const res = await fetch(`${url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify(aSubmission().withEmail('local@acme.com').build()),
      });
      expect(res.status).toBe(202);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);

      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { FUNNEL_DATA_DIR: dataDir }, progress: false };
      expect(await main(['--dry-run'], io)).toBe(0);
      expect(out.join('\n')).toContain('(the running npm start, pid ');
      expect(out.join('\n')).toMatch(/\| demo +\| 2026-11-01 +\| 1 +\|/);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
      out.length = 0;
      expect(await main(['--site', 'demo'], io)).toBe(0);
      expect(out.join('\n')).toContain('(started for this run)');
      expect(out.join('\n')).toMatch(/\| demo +\| 2026-11-01 +\| 1 +\|/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('Script: npm run rescore flags', () => {
  const config = new ConfigIndex(
    parseConfig(
      twoSites((c) => delete c.sites[1]!.scoring),
      localEnv(),
    ),
  );
  const parse = (...argv: string[]) => parseRescoreArgs(argv, config, {});

  it('defaults to every site with scoring rules, the local funnel and 16 at once', () => {
    expect(parse()).toEqual({ siteIds: ['demo'], dryRun: false, concurrency: 16, target: { kind: 'local', dataDir: '.data' } });
    expect(parseRescoreArgs([], config, { FUNNEL_DATA_DIR: '/tmp/x' }).target).toEqual({ kind: 'local', dataDir: '/tmp/x' });
    expect(parse('--site', 'demo', '--dry-run', '--concurrency', '4', '--table', 'Funnel-prod-Table')).toEqual({
      siteIds: ['demo'],
      dryRun: true,
      concurrency: 4,
      target: { kind: 'aws', tableName: 'Funnel-prod-Table' },
    });
    expect(parse('--endpoint', 'http://127.0.0.1:8000').target).toEqual({ kind: 'endpoint', endpoint: 'http://127.0.0.1:8000', tableName: 'funnel' });
  });

  it.each([
    [['--site', 'nope'], 'Unknown site "nope". Sites in test/support/config.ts: demo, other'],
    [['--site', 'other'], 'Site "other" has no scoring rules'],
    [['--concurrency', '0'], '--concurrency must be a whole number from 1 to 256, not "0"'],
    [['--concurrency', 'lots'], '--concurrency must be a whole number from 1 to 256'],
    [['--endpoint', 'localhost:8000'], '--endpoint must be an http(s) URL'],
    [['--table', 'a b'], '--table must be a DynamoDB table name'],
    [['--sight', 'demo'], "Unknown option '--sight'"],
    [['demo'], "Unexpected argument 'demo'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });

  it('refuses to run when no site has rules', () => {
    const none = new ConfigIndex(
      parseConfig(
        testConfig((c) => delete c.sites[0]!.scoring),
        localEnv(),
      ),
    );
    expect(() => parseRescoreArgs([], none, {})).toThrow('No site in test/support/config.ts has scoring rules');
  });

  it('exits 1 with a clear message from the command line, and 0 with --help', async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((ok) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/rescore.ts', ...args], { stdio: 'pipe' });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => ok({ code, out, err }));
      });
    const [bad, help] = await Promise.all([run('--site', 'nope'), run('--help')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Unknown site "nope". Sites in test/support/config.ts: demo');
    expect(bad.err).toContain('Usage: npm run rescore');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--dry-run');
  });
});
