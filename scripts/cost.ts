import { fileURLToPath } from 'node:url';
import { CliError, parseCli, runCli } from './cli.js';
import { costTable, estimate, type Usage } from './cost/model.js';

const USAGE = `Estimate Funnel's monthly AWS bill, per service, before deploying.

  npm run cost -- --leads 10000 --emails-per-lead 5 [--page-views 500000] [--impressions 100000] [--tracked-views 30000]
                  [--submissions-per-lead 1.2] [--qualified-share 0.1] [--webhook-endpoints 1 (endpoints and CRM destinations)]
                  [--months-kept 12] [--waf] [--tracing]

Prices: scripts/cost/prices.ts (us-east-1, dated). Per-operation capacity: measured locally (scripts/cost/model.ts).`;

/** Run the cost CLI; returns its exit code. */
export function main(argv: string[], out: (s: string) => void = console.log): number {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        leads: { type: 'string' },
        'emails-per-lead': { type: 'string' },
        'page-views': { type: 'string' },
        impressions: { type: 'string' },
        'tracked-views': { type: 'string' },
        'submissions-per-lead': { type: 'string' },
        'qualified-share': { type: 'string' },
        'webhook-endpoints': { type: 'string' },
        'months-kept': { type: 'string' },
        waf: { type: 'boolean' },
        tracing: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const num = (flag: keyof typeof values, fallback?: number, max = 1e12): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max)
      throw new CliError(`--${flag} must be a number from 0 to ${max}, not "${raw}"\n\n${USAGE}`);
    return n;
  };
  const leads = num('leads');
  if (leads === undefined) throw new CliError(`--leads is required\n\n${USAGE}`);
  const usage: Usage = {
    leads,
    emailsPerLead: num('emails-per-lead', 5, 1000)!,
    ...optional('pageViews', num('page-views')),
    ...optional('impressions', num('impressions')),
    ...optional('trackedViews', num('tracked-views')),
    ...optional('submissionsPerLead', num('submissions-per-lead', undefined, 100)),
    ...optional('qualifiedShare', num('qualified-share', undefined, 1)),
    ...optional('webhookEndpoints', num('webhook-endpoints', undefined, 100)),
    ...optional('monthsKept', num('months-kept', undefined, 120)),
    ...(values.waf && { waf: true }),
    ...(values.tracing && { tracing: true }),
  };
  out(costTable(estimate(usage), usage));
  return 0;
}

const optional = <K extends string>(key: K, value: number | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, number>));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
