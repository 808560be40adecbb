import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configFileName, loadConfigFile } from '../local/config-file.js';
import { DynamoLeadScan, meterCapacity } from '../functions/adapters/dynamo/lead-scan.js';
import { compose } from '../functions/composition.js';
import { ConfigIndex, DEPLOYED, InvalidConfigError, localEnv, parseConfig } from '../functions/core/config.js';
import { rescoreSite, type RescoreSummary, type Transition } from '../functions/use-cases/rescore-site.js';
import { findRunning } from '../local/instance.js';
import { connect, LOCAL_TABLE, runCli, type Connection, type Target } from './cli.js';

/** The config file (config/funnel.config.ts, or FUNNEL_CONFIG). */
const rawDefaultConfig = await loadConfigFile();

/**
 * `npm run rescore`: re-score every lead of a site with the rules now in `config/funnel.config.ts`,
 * replaying each lead's stored submissions and page views. `--dry-run` writes nothing and prints how many
 * leads would change stage: a backtest of new rules before they go live.
 *
 *   npm run rescore -- --dry-run                      # the local funnel (data in .data/), every site with rules
 *   npm run rescore -- --site demo                    # apply
 *   npm run rescore -- --site demo --table <TableName output> --dry-run   # a deployed table (AWS credentials from the environment)
 *
 * Exit codes: 0 done; 1 bad flags, config or table; 2 done, but some leads failed (re-run: it is idempotent).
 */

export const USAGE = `Usage: npm run rescore -- (--all | --site <siteId>...) [--dry-run] [--concurrency <n>] [--table <TableName> [--endpoint <url>]]

  --all               every site with scoring rules (the default when other flags are given)
  --site <id>         a site to re-score (repeatable)
  --dry-run           decide every score and stage, write nothing; print the stage changes that would happen
  --concurrency <n>   leads re-scored at once (default ${16}, at most 256)
  --table <name>      a deployed table (the stack's TableName output), reached with the AWS credentials and
                      region of the environment (AWS_PROFILE, AWS_REGION, ...)
  --endpoint <url>    another DynamoDB endpoint (e.g. a DynamoDB Local); table "funnel" unless --table

Without --table or --endpoint: the local funnel's data (FUNNEL_DATA_DIR, default .data/), through the
running \`npm start\` if there is one.`;

const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 256;

export interface RescoreArgs {
  siteIds: string[];
  dryRun: boolean;
  concurrency: number;
  target: Target;
}

/** A flag or config problem: printed with its message, exit 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Read and check the flags against the config. Pure: no I/O.
 * @example parseRescoreArgs(['--site', 'demo', '--dry-run'], config, {}).dryRun // true
 * @throws UsageError naming the problem (an unknown site names the valid ones)
 */
export function parseRescoreArgs(argv: string[], config: ConfigIndex, env: Record<string, string | undefined>): RescoreArgs {
  const options = {
    site: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    table: { type: 'string' },
    endpoint: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');

  const sites = config.config.sites;
  const withRules = sites.filter((s) => s.scoring).map((s) => s.id);
  let siteIds = values.site ?? withRules;
  siteIds = [...new Set(siteIds)];
  for (const id of siteIds) {
    const site = config.findSite(id);
    if (!site) throw new UsageError(`Unknown site "${id}". Sites in ${configFileName()}: ${sites.map((s) => s.id).join(', ')}`);
    if (!site.scoring)
      throw new UsageError(
        `Site "${id}" has no scoring rules (add \`scoring\` to it in ${configFileName()}). Sites with rules: ${withRules.join(', ') || 'none'}`,
      );
  }
  if (siteIds.length === 0) throw new UsageError(`No site in ${configFileName()} has scoring rules: nothing to re-score.`);

  let concurrency = DEFAULT_CONCURRENCY;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not "${values.concurrency}"`);
    }
  }

  let target: Target;
  if (values.endpoint !== undefined) {
    if (!/^https?:\/\/[^\s/]+/i.test(values.endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, not "${values.endpoint}"`);
    target = { kind: 'endpoint', endpoint: values.endpoint, tableName: values.table ?? LOCAL_TABLE };
  } else if (values.table !== undefined) {
    target = { kind: 'aws', tableName: values.table };
  } else {
    target = { kind: 'local', dataDir: env.FUNNEL_DATA_DIR || '.data' };
  }
  if ('tableName' in target && !/^[a-zA-Z0-9_.-]{3,255}$/.test(target.tableName))
    throw new UsageError(`--table must be a DynamoDB table name, not "${target.tableName}"`);
  return { siteIds, dryRun: values['dry-run'], concurrency, target };
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Another config than `config/funnel.config.ts` (tests). */
  rawConfig?: unknown;
  env?: Record<string, string | undefined>;
  /** Progress lines on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

// Long by design: one command-line entry (parse, confirm, run, report) read top to bottom.
/** The whole command; returns the exit code. */
export async function main(argv: string[], io: Io = { out: console.log, err: console.error }): Promise<number> {
  const env = io.env ?? process.env;
  if (argv.length === 0) {
    io.err(USAGE);
    return 1;
  }
  let config: ConfigIndex;
  let args: RescoreArgs;
  try {
    // A deployed table has the deployed sites; the local funnel's data has the local ones.
    const deployed = argv.some((a) => a === '--table' || a.startsWith('--table='));
    config = new ConfigIndex(parseConfig(io.rawConfig ?? rawDefaultConfig, deployed ? DEPLOYED : localEnv(findRunning(env.FUNNEL_DATA_DIR || '.data')?.url)));
    args = parseRescoreArgs(argv, config, env);
  } catch (error) {
    if (error instanceof UsageError && !error.message) {
      io.out(USAGE); // --help
      return 0;
    }
    if (error instanceof InvalidConfigError) io.err(error.message);
    else if (error instanceof UsageError) io.err(`${error.message}\n\n${USAGE}`);
    else throw error;
    return 1;
  }

  let connection: Connection;
  try {
    connection = await connect(args.target);
  } catch (error) {
    io.err((error as Error).message);
    return 1;
  }
  try {
    const { client, tableName } = connection;
    io.out(
      `${args.dryRun ? 'Dry run (nothing is written)' : 'Re-scoring'}: table "${tableName}" at ${connection.description}, concurrency ${args.concurrency}.`,
    );

    const deps = compose({
      tableName,
      dynamo: client,
      rawConfig: config.config,
      tokenSecret: async () => Promise.reject(new Error('re-scoring signs no visitor tokens')),
      logLevel: 'silent',
    });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const lister = new DynamoLeadScan({ client: doc, tableName });
    const meter = meterCapacity(client);
    const showProgress = io.progress ?? process.stderr.isTTY === true;
    const rows: Row[] = [];
    for (const siteId of args.siteIds) {
      meter.reset();
      const started = performance.now();
      let lastPrint = 0;
      let summary: RescoreSummary;
      try {
        summary = await rescoreSite(
          { ...deps, lister },
          {
            siteId,
            dryRun: args.dryRun,
            concurrency: args.concurrency,
            onProgress: ({ done, failed }) => {
              if (!showProgress || performance.now() - lastPrint < 1000) return;
              lastPrint = performance.now();
              process.stderr.write(`\r  ${siteId}: ${done} leads${failed ? `, ${failed} failed` : ''}…`);
            },
          },
        );
      } catch (error) {
        // The listing itself failed (throttling past the SDK's retries, a lost connection): nothing more to do.
        if (rows.length) for (const line of report(rows, args.dryRun)) io.out(line);
        io.err(`Re-scoring site "${siteId}" stopped: ${(error as Error).name}: ${(error as Error).message}`);
        return 1;
      } finally {
        if (showProgress) process.stderr.write('\r\x1b[K');
      }
      rows.push({ summary, seconds: (performance.now() - started) / 1000, readUnits: meter.readUnits, writeUnits: meter.writeUnits });
    }
    meter.stop();
    for (const line of report(rows, args.dryRun)) io.out(line);
    const failed = rows.reduce((n, r) => n + r.summary.failed, 0);
    if (failed > 0) {
      io.err(`${failed} lead(s) failed; the others are done. Re-run to retry them (re-scoring is idempotent).`);
      return 2;
    }
    return 0;
  } finally {
    await connection.close();
  }
}

interface Row {
  summary: RescoreSummary;
  seconds: number;
  readUnits: number;
  writeUnits: number;
}

const TRANSITION_ORDER: Transition[] = ['lead→mql', 'lead→sql', 'mql→sql', 'sql→lead', 'mql→lead', 'sql→mql'];

/** The result table, the previous rules versions, the failures and what to do next. */
export function report(rows: Row[], dryRun: boolean): string[] {
  const seen = new Set(rows.flatMap((r) => Object.keys(r.summary.stageChanges)));
  const transitions = TRANSITION_ORDER.filter((t) => seen.has(t));
  const prefix = dryRun ? 'would ' : '';
  const header = [
    'site',
    'rules version',
    'leads scanned',
    ...(transitions.length ? transitions.map((t) => `${prefix}${t}`) : [`${prefix}change stage`]),
    'unchanged',
    'failed',
    'seconds',
    'RCU',
    'WCU',
  ];
  const body = rows.map(({ summary: s, seconds, readUnits, writeUnits }) => [
    s.siteId,
    s.rulesVersion,
    String(s.leads),
    ...(transitions.length ? transitions.map((t) => String(s.stageChanges[t] ?? 0)) : ['0']),
    String(s.unchanged),
    String(s.failed),
    seconds.toFixed(1),
    units(readUnits),
    units(writeUnits),
  ]);
  const lines = ['', ...table(header, body), ''];
  for (const { summary: s } of rows) {
    const versions = Object.entries(s.previousVersions).map(([v, n]) => `${v === 'none' ? 'never scored' : v}: ${n}`);
    lines.push(
      `${s.siteId}: scores before this run by rules version: ${versions.join(', ') || '—'}; ${s.scoreChanged} score(s) ${dryRun ? 'would change' : 'changed'}${s.missing ? `; ${s.missing} lead(s) gone meanwhile` : ''}.`,
    );
    for (const f of s.failures) lines.push(`  failed: site ${f.ref.siteId}, lead ${f.ref.emailKey}: ${f.error}`);
    if (s.failed > s.failures.length) lines.push(`  … and ${s.failed - s.failures.length} more`);
  }
  lines.push(
    dryRun
      ? 'Nothing was written. Run again without --dry-run to apply.'
      : `Every score re-computed here records its rules version (${rows.map((r) => `${r.summary.siteId}: ${r.summary.rulesVersion}`).join(', ')}).`,
  );
  return lines;
}

const units = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
