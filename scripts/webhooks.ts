import { existsSync, readFileSync } from 'node:fs';
import { apiError, apiKeyOf, apiUrlOf, CliError, dataDirOf, parseCli, runCli } from './cli.js';

export const USAGE = `Usage: npm run webhooks -- <command> [--api <url> --key <key>]

  list --endpoint <id> [--site <id>] [--limit <n>]   an endpoint's delivery log, newest first
  list --lead <leadId>                               a lead's deliveries
  show <deliveryId>                                  one delivery with its payload and tries
  replay <deliveryId>                                send it again now, with the same webhook-id
  secret <site>/<endpoint>                           the local signing secret of an endpoint

The API defaults to $FUNNEL_API_URL, else the local funnel running on FUNNEL_DATA_DIR (default .data/),
whose dev API key is used. Against a deployed stack: --api <ApiUrl> --key <API key> (or FUNNEL_API_URL and
FUNNEL_API_KEY).`;

// Long by design: one command-line entry with its sub-commands in order; each branch is short.
/**
 * Operate the sales webhooks through the API (the local funnel by default, or a deployed one):
 *   npm run webhooks -- list --endpoint crm [--site demo]        an endpoint's delivery log, newest first
 *   npm run webhooks -- list --lead <leadId>                     a lead's deliveries
 *   npm run webhooks -- show <deliveryId>                        one delivery with its payload and tries
 *   npm run webhooks -- replay <deliveryId>                      send it again now, same webhook-id
 *   npm run webhooks -- secret demo/crm                          the local signing secret of an endpoint
 * Against a deployed stack: --api <ApiUrl> --key <API key> (or FUNNEL_API_URL / FUNNEL_API_KEY). Locally
 * the running funnel is found through its data folder, and its dev key is used. Exit 1 on any error.
 */
export async function main(argv: string[], out = console.log, err = console.error, env: Record<string, string | undefined> = process.env): Promise<number> {
  const dataDir = dataDirOf(env);
  const parsed = parseCli(
    {
      args: argv,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        key: { type: 'string' },
        endpoint: { type: 'string' },
        site: { type: 'string' },
        lead: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  const { positionals, values } = parsed;
  const [command, arg] = positionals;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const usage = (problem?: string) => {
    err(problem ? `${problem}\n\n${USAGE}` : USAGE);
    return 1;
  };
  if (!command) return usage();
  if (!['list', 'show', 'replay', 'secret'].includes(command)) return usage(`Unknown command "${command}".`);
  if (command === 'list' && !values.endpoint && !values.lead)
    return usage("list needs --endpoint <id> (an endpoint's log) or --lead <leadId> (a lead's deliveries).");
  if ((command === 'show' || command === 'replay') && !arg) return usage(`${command} needs a delivery id (from \`list\`).`);
  if (command === 'secret') {
    const file = `${dataDir}/webhook-secrets.json`;
    const secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    const secret = arg ? secrets[arg] : undefined;
    if (!secret) {
      err(
        `No local secret for "${arg ?? ''}"${Object.keys(secrets).length ? `; known: ${Object.keys(secrets).join(', ')}` : ' (start the funnel once: npm start)'}. A deployed endpoint's secret is the Secrets Manager secret "<stackPrefix>-<stage>/webhooks/<site>/<endpoint>": whsec_<its value>.`,
      );
      return 1;
    }
    out(secret);
    return 0;
  }
  let api: string;
  try {
    api = apiUrlOf(values.api, env);
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  const key = apiKeyOf(api, values.key, env);
  if (!key) {
    err(`No API key for ${api}: pass --key <key> or set FUNNEL_API_KEY (create one with: npm run api-key -- create --site <siteId>).`);
    return 1;
  }
  const call = async (method: string, path: string) => {
    let res: Response;
    try {
      res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    } catch (error) {
      throw new CliError(
        `Cannot reach the API at ${api}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}. Is the funnel running there?`,
      );
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw apiError(res.status, body, { 'query.site': '--site', 'query.lead': '--lead', 'query.limit': '--limit', 'query.endpoint': '--endpoint' });
    return body as Record<string, unknown>;
  };
  try {
    if (command === 'list' && (values.endpoint || values.lead)) {
      const q = new URLSearchParams(
        Object.entries({ endpoint: values.endpoint, site: values.site, lead: values.lead, limit: values.limit }).flatMap(([k, v]) => (v ? [[k, v]] : [])),
      );
      const { deliveries } = (await call('GET', `/v1/webhooks/deliveries?${q}`)) as {
        deliveries: {
          deliveryId: string;
          eventAt: string;
          type: string;
          status: string;
          attempts: { status?: number; error?: string }[];
          nextAttemptAt?: string;
        }[];
      };
      out('| delivery (webhook-id) | event time | type | status | tries | last | next try |');
      out('|---|---|---|---|---|---|---|');
      for (const d of deliveries)
        out(
          `| ${d.deliveryId} | ${d.eventAt} | ${d.type} | ${d.status} | ${d.attempts.length} | ${d.attempts.at(-1)?.status ?? d.attempts.at(-1)?.error ?? ''} | ${d.nextAttemptAt ?? ''} |`,
        );
      return 0;
    }
    if ((command === 'show' || command === 'replay') && arg) {
      const result = await call(
        command === 'show' ? 'GET' : 'POST',
        `/v1/webhooks/deliveries/${encodeURIComponent(arg)}${command === 'replay' ? '/replay' : ''}`,
      );
      out(command === 'replay' ? `Replaying ${arg}: queued (status ${String(result.status)}).` : JSON.stringify(result, null, 2));
      return 0;
    }
  } catch (error) {
    err(error instanceof CliError ? error.message : `${(error as Error).message} (API ${api})`);
    return 1;
  }
  return usage();
}

if (import.meta.url === `file://${process.argv[1]}`) runCli(() => main(process.argv.slice(2)));
