import { fileURLToPath } from 'node:url';
import { LOCAL_CONSOLE, signInLocally } from '../local/oidc.js';
import { loadConfigFile } from '../local/config-file.js';
import { DEPLOYED, localEnv, parseConfig } from '../functions/core/config.js';
import type { FormView } from '../functions/core/contracts.js';
import { TEST_EMAIL_DOMAIN } from '../functions/core/email.js';
import { apiError, apiKeyOf, apiUrlOf, CliError, parseCli, runCli } from './cli.js';

/** The config file (config/funnel.config.ts, or FUNNEL_CONFIG). */
const rawConfig = await loadConfigFile();

export const USAGE = `Usage: npm run smoke -- --api <ApiUrl> --key <API key> [--widget <WidgetUrl>] [--console <ConsoleUrl>] [--console-token <access token>] [--form <formId>] [--endpoint <id>] [--destination <id>]... [--timeout <seconds>]

Smoke-test a deployment (or the local funnel, the default): the API and the widget (its entry and the
module it imports, from --widget, else from the API as the local funnel serves it) answer, a form is
served, a test lead is captured, read back with the API key, its delivery email is accepted by SES (to the
SES mailbox simulator, success@${TEST_EMAIL_DOMAIN}), a signed test webhook (webhook.test) reaches the
webhook endpoint (--endpoint, else the first of the form's site in the config) and each CRM destination
(--destination, repeatable, else every destination of the form's site), then the test lead is erased
(which erases it at the destinations too).
The console (--console, else the API's own /console/ as the local funnel serves it): its page under its
Content-Security-Policy, its OpenID issuer's discovery document, and its API refusing a request without a
token; then a person reads the overview: signed in as the local provider's viewer, or with the access token
of --console-token (or FUNNEL_CONSOLE_TOKEN) for a deployed console. A lead at the
simulator is test data: never scored, qualified, handed to sales or counted. Exit 0 with a short report,
or 1 naming the first step that failed.`;

interface Step {
  name: string;
  run: () => Promise<string | undefined>;
}

/** Run the smoke test; returns its exit code. */
export async function main(argv: string[], out = console.log, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        api: { type: 'string' },
        key: { type: 'string' },
        widget: { type: 'string' },
        console: { type: 'string' },
        'console-token': { type: 'string' },
        form: { type: 'string' },
        endpoint: { type: 'string' },
        destination: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const api = apiUrlOf(values.api, env);
  const key = apiKeyOf(api, values.key, env);
  if (!key) throw new CliError(`No API key for ${api}: pass --key <key> or set FUNNEL_API_KEY (create one with: npm run api-key -- create --site <siteId>).`);
  const timeoutMs = Number(values.timeout ?? 60) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a number of seconds, not "${values.timeout}"`);
  const formId = values.form ?? 'ebook';
  const endpoint = values.endpoint ?? firstEndpointOf(formId);
  const destinations = values.destination?.length
    ? values.destination.map((id) => ({ id, kind: destinationsOf(formId).find((d) => d.id === id)?.kind ?? 'destination' }))
    : destinationsOf(formId);
  const widget = (values.widget ?? env.FUNNEL_WIDGET_URL ?? api).replace(/\/+$/, '');
  const consoleUrl = (values.console ?? env.FUNNEL_CONSOLE_URL ?? `${api}/console/`).replace(/\/*$/, '/');
  let issuer: string | undefined;
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `success+smoke-${runId}@${TEST_EMAIL_DOMAIN}`;

  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { ...(auth && { authorization: `Bearer ${key}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }).catch((error: Error) => {
      throw new Error(`cannot reach ${api}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    });
    const text = await res.text();
    const json = (() => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })();
    return { status: res.status, json, text };
  };
  const expectStatus = (r: { status: number; json?: Record<string, unknown> }, ...wanted: number[]) => {
    // The API's whole answer: its message and each field's problem.
    if (!wanted.includes(r.status)) throw new Error(`answered ${apiError(r.status, r.json).message}`);
  };

  let form: FormView | undefined;
  let leadId: string | undefined;
  /** Queue the test event to an endpoint or destination and wait for its delivery: its last answer, or why it failed. */
  const testDelivery = async (endpointId: string): Promise<string> => {
    const queued = await call('POST', '/v1/webhooks/test', { lead: leadId, endpoint: endpointId });
    expectStatus(queued, 202);
    const deliveryId = queued.json?.deliveryId as string;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await call('GET', `/v1/webhooks/deliveries/${deliveryId}`);
      expectStatus(r, 200);
      const attempts = (r.json?.attempts ?? []) as { status?: number; error?: string; latencyMs?: number }[];
      const last = attempts.at(-1);
      const outcome = last ? [last.status && `HTTP ${last.status}`, last.error].filter(Boolean).join(': ') || 'no answer' : 'not tried yet';
      if (r.json?.status === 'delivered') return `${deliveryId}: ${outcome}${last?.latencyMs !== undefined ? ` in ${last.latencyMs} ms` : ''}`;
      if (r.json?.status === 'dead' || r.json?.status === 'failed') throw new Error(`${deliveryId} ${String(r.json.status)}: ${outcome}`);
      if (Date.now() > deadline) throw new Error(`${deliveryId} not delivered within ${timeoutMs / 1000} s (last try: ${outcome})`);
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  };

  const steps: Step[] = [
    { name: 'the API answers (GET /v1/openapi.json)', run: async () => void expectStatus(await call('GET', '/v1/openapi.json', undefined, false), 200) },
    {
      name: `the widget is served (${widget}/widget.js and its module)`,
      run: async () => {
        const get = (url: string) =>
          fetch(url).catch((error: Error) => {
            throw new Error(`cannot reach ${url}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
          });
        const entry = await get(`${widget}/widget.js`);
        if (entry.status !== 200) throw new Error(`${widget}/widget.js answered ${entry.status}`);
        const modulePath = /"(chunks\/[\w-]+\.js)"/.exec(await entry.text())?.[1];
        if (!modulePath) throw new Error(`${widget}/widget.js names no module: is it the widget?`);
        const module = await get(`${widget}/${modulePath}`);
        if (module.status !== 200) throw new Error(`${widget}/${modulePath} answered ${module.status}`);
        if (!module.headers.get('cache-control')?.includes('immutable')) throw new Error(`${modulePath} is not cached as immutable`);
        return modulePath;
      },
    },
    {
      name: `the console is served (${consoleUrl}), its issuer publishes its discovery document, its API asks for sign-in`,
      run: async () => {
        const get = (url: string, init?: RequestInit) =>
          fetch(url, init).catch((error: Error) => {
            throw new Error(`cannot reach ${url}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
          });
        const page = await get(consoleUrl);
        if (page.status !== 200 || !(await page.text()).includes('<div id="app">')) throw new Error(`${consoleUrl} answered ${page.status}, not the console`);
        if (!page.headers.get('content-security-policy')?.includes("script-src 'self'")) throw new Error(`${consoleUrl} has no strict Content-Security-Policy`);
        const settings = (await (await get(`${consoleUrl}config.json`)).json()) as { issuer?: string };
        if (!settings.issuer) throw new Error(`${consoleUrl}config.json names no issuer`);
        const discovery = await get(`${settings.issuer}/.well-known/openid-configuration`);
        const document = (await discovery.json().catch(() => ({}))) as { issuer?: string };
        if (discovery.status !== 200 || document.issuer !== settings.issuer)
          throw new Error(`the issuer ${settings.issuer} publishes no discovery document of its own`);
        const anonymous = await get(`${new URL(consoleUrl).origin}/v1/console/me`);
        if (anonymous.status !== 401) throw new Error(`the console's API answered ${anonymous.status} without a token, not 401`);
        issuer = settings.issuer;
        return settings.issuer;
      },
    },
    {
      name: 'a person signed in reads the overview',
      run: async () => {
        const origin = new URL(consoleUrl).origin;
        const local = issuer === `${origin}${LOCAL_CONSOLE.path}`;
        const token = values['console-token'] ?? env.FUNNEL_CONSOLE_TOKEN ?? (local ? (await signInLocally(origin, 'viewer')).access_token : undefined);
        if (!token) return 'skipped: pass --console-token <access token> (docs/console.md) to read it as a person';
        const as = (path: string) => fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const me = await as('/v1/console/me');
        if (me.status !== 200) throw new Error(`the console's API refused the person's token (${me.status})`);
        const person = (await me.json()) as { email?: string; sub: string; sites: { id: string }[] };
        const site = person.sites[0]?.id;
        if (!site) throw new Error(`${person.email ?? person.sub} may see no site`);
        const overview = await as(`/v1/console/overview?site=${encodeURIComponent(site)}`);
        if (overview.status !== 200) throw new Error(`the overview answered ${overview.status} to ${person.email ?? person.sub}`);
        const { totals } = (await overview.json()) as { totals: { impressions: number; submissions: number } };
        return `${person.email ?? person.sub}: ${site}, ${totals.impressions} impressions and ${totals.submissions} submissions in 30 days`;
      },
    },
    {
      name: `form "${formId}" is served`,
      run: async () => {
        const r = await call('GET', `/v1/forms/${encodeURIComponent(formId)}`, undefined, false);
        expectStatus(r, 200);
        form = r.json as unknown as FormView;
        return `${form.fields.length} fields`;
      },
    },
    {
      name: `a test lead is captured (${email})`,
      run: async () => {
        const r = await call('POST', `/v1/forms/${encodeURIComponent(formId)}/submissions`, testSubmission(form!, email), false);
        expectStatus(r, 202);
        return r.json?.submissionId as string;
      },
    },
    {
      name: 'the lead reads back with the API key',
      run: async () => {
        // The capture's answer names no lead (it must not tell a known address from a new one): the key finds it.
        const r = await call('GET', `/v1/leads?${new URLSearchParams({ email, site: form!.siteId })}`);
        expectStatus(r, 200);
        if (r.json?.email !== email) throw new Error(`read back ${String(r.json?.email)}, not ${email}`);
        leadId = r.json.leadId as string;
        return `lead ${leadId}`;
      },
    },
    {
      name: 'its delivery email is accepted by SES',
      run: async () => {
        // A form the config gives a delivery (or confirmation) email must send one; one it gives none (the
        // demo's pricing-guide bar) sends nothing. A form this config does not know (a deployment of
        // another) may send nothing either, so it is given a few seconds only.
        const sends = formSendsEmail(formId);
        if (sends === false) return 'skipped: this form sends no email (no email.delivery in the config)';
        const deadline = Date.now() + (sends ? timeoutMs : Math.min(timeoutMs, 5000));
        for (;;) {
          const r = await call('GET', `/v1/leads/${leadId}`);
          expectStatus(r, 200);
          const timeline = (r.json?.timeline ?? []) as { type: string; kind?: string; reason?: string }[];
          const failed = timeline.find((e) => e.type === 'email_failed');
          if (failed) throw new Error(`SES refused it: ${failed.reason ?? 'no reason given'}`);
          if (timeline.some((e) => e.type === 'email_sent')) return 'accepted';
          if (Date.now() > deadline && !sends) return 'none sent (this form may send no email)';
          if (Date.now() > deadline) throw new Error(`no email sent within ${timeoutMs / 1000} s (is the sender's domain verified? see the send queue)`);
          await new Promise((ok) => setTimeout(ok, 1000));
        }
      },
    },
    {
      name: `a signed test webhook is delivered${endpoint ? ` to endpoint "${endpoint}"` : ''}`,
      run: async () => (endpoint ? testDelivery(endpoint) : 'skipped: the form\u2019s site has no webhook endpoint (or give --endpoint)'),
    },
    // Each CRM or chat destination takes the test lead as its vendor's API answers (a sandbox: docs/hand-off.md).
    ...destinations.map(({ id, kind }) => ({ name: `the test lead reaches destination "${id}" (${kind})`, run: () => testDelivery(id) })),
    {
      name: 'the test lead is erased',
      run: async () => {
        expectStatus(await call('DELETE', `/v1/leads/${leadId}`), 204);
        expectStatus(await call('GET', `/v1/leads/${leadId}`), 404);
        return undefined;
      },
    },
  ];

  out(`Smoke test of ${api}`);
  for (const step of steps) {
    const started = performance.now();
    try {
      const note = await step.run();
      out(`  ok    ${step.name}${note ? `: ${note}` : ''} (${Math.round(performance.now() - started)} ms)`);
    } catch (error) {
      out(`  FAIL  ${step.name}: ${(error as Error).message}`);
      if (leadId && step.name !== 'the test lead is erased') await call('DELETE', `/v1/leads/${leadId}`).catch(() => undefined);
      return 1;
    }
  }
  out('All steps passed.');
  return 0;
}

/** A submission a form accepts: the simulator address, and a plausible value for every other field. */
export function testSubmission(form: FormView, email: string) {
  const fields: Record<string, string> = {};
  for (const f of form.fields) {
    if (f.name === 'email') fields.email = email;
    else if (f.options?.length) fields[f.name] = f.options[0]!;
    else if (f.required || f.name === 'firstName') fields[f.name] = f.name === 'firstName' ? 'Smoke' : 'Funnel smoke test';
  }
  return {
    submissionId: crypto.randomUUID(),
    fields,
    ...(form.consent && { consent: { marketing: true } }),
    // As the widget does: when the form was shown, in server time (a submission without it is taken for a bot's).
    startedAt: form.serverTime - 10_000,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));

/** Whether the config gives this form a delivery or confirmation email (undefined: the config has no such form). */
function formSendsEmail(formId: string): boolean | undefined {
  for (const env of [localEnv(), DEPLOYED])
    for (const site of parseConfig(rawConfig, env).sites) {
      const form = site.forms.find((f) => f.id === formId);
      if (form) return Boolean(form.email?.delivery || form.email?.confirmation);
    }
  return undefined;
}

/** The site that has this form, in the config's local or deployed view. */
function siteOfForm(formId: string) {
  for (const env of [localEnv(), DEPLOYED]) for (const site of parseConfig(rawConfig, env).sites) if (site.forms.some((f) => f.id === formId)) return site;
  return undefined;
}
/** The destinations of the site that has this form. */
function destinationsOf(formId: string): { id: string; kind: string }[] {
  return (siteOfForm(formId)?.destinations ?? []).map((d) => ({ id: d.id, kind: d.kind }));
}
/** The first webhook endpoint of the site that has this form. */
function firstEndpointOf(formId: string): string | undefined {
  return siteOfForm(formId)?.webhooks?.[0]?.id;
}
