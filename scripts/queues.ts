import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findRunning } from '../local/instance.js';
import { apiError, CliError, dataDirOf, parseCli, runCli } from './cli.js';

export const USAGE = `Usage: npm run queues -- list
       npm run queues -- redrive <queue>

The running local funnel's queues: funnel-send (emails), funnel-webhooks (sales webhooks),
funnel-exports (the console's background CSV exports) and lead-activity-stream (table stream records its consumer could not handle). \`list\` shows what waits and
what was dead-lettered; \`redrive\` hands a queue's dead letters back to its consumer (every consumer is
idempotent: only what is missing happens). Queues are kept in the data folder (FUNNEL_DATA_DIR, default
.data/) and survive a restart. On AWS: the SQS console's "Start DLQ redrive" (see docs/deploy.md).`;

interface QueueView {
  name: string;
  queued?: number;
  inFlight?: number;
  deadLettered?: number;
  deadLetters: { id: string; receives: string; body: string }[];
}

/** The whole command; returns the exit code. */
export async function main(argv: string[], out = console.log, err = console.error, env: Record<string, string | undefined> = process.env): Promise<number> {
  const parsed = parseCli({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } }, USAGE);
  const { positionals, values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, name] = positionals;
  if (command !== 'list' && !(command === 'redrive' && name)) {
    err(command === 'redrive' ? `redrive needs a queue name (see \`list\`).\n\n${USAGE}` : command ? `Unknown command "${command}".\n\n${USAGE}` : USAGE);
    return 1;
  }
  const dataDir = dataDirOf(env);
  const running = findRunning(dataDir);
  if (!running?.url)
    throw new CliError(`No local funnel is running on ${dataDir}: start it with \`npm start\` (its queues are kept in the data folder and resume with it).`);
  const keyFile = `${dataDir}/dev-api-key`;
  const key = env.FUNNEL_API_KEY || (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  const call = async (method: string, path: string) => {
    const res = await fetch(`${running.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } }).catch((e: Error) => {
      throw new CliError(`Cannot reach the local funnel at ${running.url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
    });
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } } & Record<string, unknown>;
    if (!res.ok) throw apiError(res.status, body);
    return body;
  };
  if (command === 'redrive') {
    const { redriven } = (await call('POST', `/local/queues/${encodeURIComponent(name!)}/redrive`)) as { redriven: number };
    out(`${name}: ${redriven} dead letter(s) handed back to the consumer.`);
    return 0;
  }
  const { queues } = (await call('GET', '/local/queues')) as { queues: QueueView[] };
  out('| queue | waiting | in flight | dead letters |');
  out('|---|---|---|---|');
  for (const q of queues) out(`| ${q.name} | ${q.queued ?? '—'} | ${q.inFlight ?? '—'} | ${q.deadLetters.length} |`);
  for (const q of queues) for (const d of q.deadLetters) out(`dead letter in ${q.name}: ${d.id} (receives: ${d.receives}) ${d.body.slice(0, 200)}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
