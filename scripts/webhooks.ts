import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Operate the sales webhooks through the API (the local funnel by default, or a deployed one):
 *   npm run webhooks -- list --endpoint crm [--site demo]        an endpoint's delivery log, newest first
 *   npm run webhooks -- list --lead <leadId>                     a lead's deliveries
 *   npm run webhooks -- show <deliveryId>                        one delivery with its payload and tries
 *   npm run webhooks -- replay <deliveryId>                      send it again now, same webhook-id
 *   npm run webhooks -- secret demo/crm                          the local signing secret of an endpoint
 * Against a deployed stack: --api <ApiUrl> --key <API key> (or FUNNEL_API_URL / FUNNEL_API_KEY). Locally
 * the dev key in .data/dev-api-key and http://localhost:3000 (PORT) are used. Exit 1 on any error.
 */
export async function main(argv: string[], out = console.log, err = console.error, dataDir = process.env.FUNNEL_DATA_DIR ?? '.data'): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { api: { type: 'string' }, key: { type: 'string' }, endpoint: { type: 'string' }, site: { type: 'string' }, lead: { type: 'string' }, limit: { type: 'string' } } });
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  const { positionals, values } = parsed;
  const [command, arg] = positionals;
  if (command === 'secret') {
    const file = `${dataDir}/webhook-secrets.json`;
    const secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    const secret = arg ? secrets[arg] : undefined;
    if (!secret) {
      err(`No local secret for "${arg ?? ''}"${Object.keys(secrets).length ? `; known: ${Object.keys(secrets).join(', ')}` : ' (start the funnel once: npm start)'}. A deployed endpoint's secret is the Secrets Manager secret "WebhookSecret-<site>-<endpoint>" of the stateful stack: whsec_<its value>.`);
      return 1;
    }
    out(secret);
    return 0;
  }
  const api = (values.api ?? process.env.FUNNEL_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
  const key = values.key ?? process.env.FUNNEL_API_KEY ?? (existsSync(`${dataDir}/dev-api-key`) ? readFileSync(`${dataDir}/dev-api-key`, 'utf8').trim() : undefined);
  if (!key) {
    err('No API key: pass --key, set FUNNEL_API_KEY, or start the local funnel once (it writes .data/dev-api-key).');
    return 1;
  }
  const call = async (method: string, path: string) => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${res.status}: ${(body as { error?: { message?: string } }).error?.message ?? res.statusText}`);
    return body as Record<string, unknown>;
  };
  try {
    if (command === 'list' && (values.endpoint || values.lead)) {
      const q = new URLSearchParams(Object.entries({ endpoint: values.endpoint, site: values.site, lead: values.lead, limit: values.limit }).flatMap(([k, v]) => (v ? [[k, v]] : [])));
      const { deliveries } = (await call('GET', `/v1/webhooks/deliveries?${q}`)) as { deliveries: { deliveryId: string; eventAt: string; type: string; status: string; attempts: { status?: number; error?: string }[]; nextAttemptAt?: string }[] };
      out('| delivery (webhook-id) | event time | type | status | tries | last | next try |');
      out('|---|---|---|---|---|---|---|');
      for (const d of deliveries) out(`| ${d.deliveryId} | ${d.eventAt} | ${d.type} | ${d.status} | ${d.attempts.length} | ${d.attempts.at(-1)?.status ?? d.attempts.at(-1)?.error ?? ''} | ${d.nextAttemptAt ?? ''} |`);
      return 0;
    }
    if ((command === 'show' || command === 'replay') && arg) {
      const result = await call(command === 'show' ? 'GET' : 'POST', `/v1/webhooks/deliveries/${encodeURIComponent(arg)}${command === 'replay' ? '/replay' : ''}`);
      out(command === 'replay' ? `Replaying ${arg}: queued (status ${String(result.status)}).` : JSON.stringify(result, null, 2));
      return 0;
    }
  } catch (error) {
    err(`${(error as Error).message} (API ${api})`);
    return 1;
  }
  err('Usage: npm run webhooks -- list --endpoint <id> [--site <id>] | list --lead <leadId> | show <deliveryId> | replay <deliveryId> | secret <site>/<endpoint>   [--api <url> --key <key>]');
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await main(process.argv.slice(2)));
