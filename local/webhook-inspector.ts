import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readJson, writeJson } from './files.js';
import { LOCAL_PAGE_HEADERS } from './page-headers.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { AppDeps } from '../functions/composition.js';
import type { FunnelConfig } from '../functions/core/config.js';
import { handoffTargets } from '../functions/core/destinations/targets.js';
import type { VendorMock } from './vendor-mock.js';

// Light and dark as the visitor's system is; on a phone the page is the screen's width and each table
// scrolls sideways on its own.
const INSPECTOR_CSS =
  ':root{color-scheme:light dark}body{font:14px/1.4 system-ui,sans-serif;margin:1rem}table{display:block;overflow-x:auto;border-collapse:collapse;margin-bottom:2rem}td,th{border-bottom:1px solid #e5e7eb;padding:.35rem;text-align:left;vertical-align:top}code,small{overflow-wrap:anywhere}.ok{color:#047857}.bad{color:#b91c1c}pre{max-width:60rem;overflow:auto}@media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}td,th{border-color:#374151}.ok{color:#34d399}.bad{color:#fca5a5}a{color:#93c5fd}}';
/**
 * The inspector shows payloads a receiver got (names, companies, addresses): no script may run on it, no
 * other site may frame it, and its one stylesheet is allowed by its hash, not by 'unsafe-inline'.
 */
const INSPECTOR_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(INSPECTOR_CSS).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** One request the demo receiver got, with the result of verifying its signature. */
export interface ReceivedWebhook {
  receivedAt: string;
  endpoint: string;
  webhookId: string;
  type?: string;
  leadEmail?: string;
  /** `valid`, or why the official `standardwebhooks` library refused it. */
  verification: string;
  body: string;
}

export interface WebhookInspector {
  handles(method: string, path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void>;
  received(): ReceivedWebhook[];
}

const RECEIVER = /^\/demo\/webhooks\/([a-z0-9-]{1,63})$/;
const KEEP = 500;

// Long by design: one object whose request handlers share the received deliveries; each is short.
/**
 * The local stand-in for a sales system: `POST /demo/webhooks/<name>` receives webhooks (any endpoint of
 * the config whose URL is that path) and checks each signature with the official `standardwebhooks`
 * library, as a real receiver would; `GET /webhooks` is the inspector page (what arrived, verified or
 * not, and each endpoint's delivery log); `GET /webhooks.json` the same as JSON.
 */
export function startWebhookInspector(options: {
  secrets: Record<string, string>;
  config: FunnelConfig;
  deps: () => AppDeps;
  /** A file in the data folder that keeps what arrived across restarts (none: kept in memory only). */
  journal?: string;
  /** The vendors' validating mock the CRM destinations send to: what it received is shown too. */
  vendorMock?: Pick<VendorMock, 'received'>;
}): WebhookInspector {
  const received: ReceivedWebhook[] = options.journal && existsSync(options.journal) ? readJson<ReceivedWebhook[]>(options.journal) : [];
  const endpointFor = (path: string) => {
    for (const site of options.config.sites) {
      for (const e of site.webhooks ?? []) if (new URL(e.url).pathname === path) return { siteId: site.id, endpointId: e.id };
    }
    return undefined;
  };

  async function receive(path: string, req: IncomingMessage, res: ServerResponse, body: string) {
    const endpoint = endpointFor(path);
    const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
    let verification = 'no endpoint in the config has this URL';
    if (endpoint) {
      const secret = options.secrets[`${endpoint.siteId}/${endpoint.endpointId}`];
      try {
        if (!secret) throw new Error('no secret for this endpoint');
        new Webhook(secret).verify(body, headers);
        verification = 'valid';
      } catch (error) {
        verification = (error as Error).message;
      }
    }
    let type: string | undefined;
    let leadEmail: string | undefined;
    try {
      const json = JSON.parse(body) as { type?: string; data?: { lead?: { email?: string } } };
      type = json.type;
      leadEmail = json.data?.lead?.email;
    } catch {
      /* shown as is */
    }
    received.unshift({
      receivedAt: new Date().toISOString(),
      endpoint: endpoint ? `${endpoint.siteId}/${endpoint.endpointId}` : path,
      webhookId: headers['webhook-id'] ?? '',
      ...(type && { type }),
      ...(leadEmail && { leadEmail }),
      verification,
      body,
    });
    received.length = Math.min(received.length, KEEP);
    // Written before the receiver answers: what it acknowledged survives a restart, or a kill.
    if (options.journal) writeJson(options.journal, received);
    res.writeHead(200, { 'content-type': 'application/json', ...LOCAL_PAGE_HEADERS }).end('{"received":true}');
  }

  async function page(res: ServerResponse, asJson: boolean) {
    const logs = await Promise.all(
      options.config.sites.flatMap((site) =>
        handoffTargets(site).map(async (t) => ({
          endpoint: `${site.id}/${t.id}`,
          url: t.kind === 'webhook' ? t.endpoint.url : `${t.destination.kind} destination${options.vendorMock ? ' (the validating mock)' : ''}`,
          deliveries: await options.deps().webhooks.forEndpoint(site.id, t.id, { limit: 50 }),
        })),
      ),
    );
    const vendorRequests = [...(options.vendorMock?.received ?? [])].reverse();
    if (asJson)
      return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...LOCAL_PAGE_HEADERS }).end(
        JSON.stringify({
          received,
          destinations: vendorRequests,
          endpoints: logs.map((l) => ({ ...l, deliveries: l.deliveries.map(({ body: _, emailKey: __, ...d }) => d) })),
        }),
      );
    const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const rows = received
      .map(
        (r) =>
          `<tr><td>${esc(r.receivedAt)}</td><td>${esc(r.endpoint)}</td><td><code>${esc(r.webhookId)}</code></td><td>${esc(r.type)}</td><td>${esc(r.leadEmail)}</td><td class="${r.verification === 'valid' ? 'ok' : 'bad'}">${r.verification === 'valid' ? '✔ signature valid' : `✘ ${esc(r.verification)}`}</td><td><details><summary>body</summary><pre>${esc(JSON.stringify(JSON.parse(r.body || 'null'), null, 2))}</pre></details></td></tr>`,
      )
      .join('');
    const vendorRows = vendorRequests
      .map(
        (r) =>
          `<tr><td>${esc(r.at)}</td><td>${esc(r.vendor)}</td><td><code>${esc(`${r.method} ${r.path}`)}</code></td><td class="${r.valid ? 'ok' : 'bad'}">${r.valid ? '✔ matches the API description' : `✘ ${esc(r.problems.join('; '))}`}</td><td>${r.status}</td><td><details><summary>body</summary><pre>${esc(JSON.stringify(r.body ?? null, null, 2))}</pre></details></td></tr>`,
      )
      .join('');
    const destinationsSection = options.vendorMock
      ? `<h2>Destinations: what the vendors' validating mock received</h2><p>Every request to HubSpot, Salesforce, Pipedrive and Slack, checked against the vendor's API description before it is answered.</p><table><tr><th>received</th><th>vendor</th><th>request</th><th>check</th><th>answered</th><th></th></tr>${vendorRows || '<tr><td colspan="6">Nothing yet.</td></tr>'}</table>`
      : '';
    const log = logs
      .map(
        (l) =>
          `<h2>Delivery log: ${esc(l.endpoint)} <small>${esc(l.url)}</small></h2><table><tr><th>event time</th><th>delivery (webhook-id)</th><th>type</th><th>status</th><th>tries</th><th>last</th><th>next try</th></tr>` +
          l.deliveries
            .map(
              (d) =>
                `<tr><td>${esc(d.eventAt)}</td><td><code>${esc(d.deliveryId)}</code></td><td>${esc(d.type)}</td><td>${esc(d.status)}</td><td>${d.attempts.length}</td><td>${esc(d.attempts.at(-1) ? `${d.attempts.at(-1)!.status ?? d.attempts.at(-1)!.error ?? ''} in ${d.attempts.at(-1)!.latencyMs} ms` : '')}</td><td>${esc(d.nextAttemptAt)}</td></tr>`,
            )
            .join('') +
          '</table>',
      )
      .join('');
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...LOCAL_PAGE_HEADERS,
        'content-security-policy': INSPECTOR_CSP,
      })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Funnel: webhook inspector</title><meta http-equiv="refresh" content="5"><style>${INSPECTOR_CSS}</style></head><body>` +
          `<h1>Webhook inspector</h1><p>What the local endpoints received (newest first; refreshes every 5 s), each signature checked with the official <code>standardwebhooks</code> library.</p>` +
          `<table><tr><th>received</th><th>endpoint</th><th>webhook-id</th><th>type</th><th>lead</th><th>verify signature</th><th></th></tr>${rows || '<tr><td colspan="7">Nothing yet: qualify a lead (e.g. a VP at a business address downloads the ebook, then visits /pricing).</td></tr>'}</table>${destinationsSection}${log}</body></html>`,
      );
  }

  return {
    handles: (method, path) => (method === 'POST' && RECEIVER.test(path)) || (method === 'GET' && (path === '/webhooks' || path === '/webhooks.json')),
    handle: async (req, res, body) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'POST') return receive(path, req, res, (body ?? Buffer.alloc(0)).toString('utf8'));
      return page(res, path === '/webhooks.json');
    },
    received: () => [...received],
  };
}
