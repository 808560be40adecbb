import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FormView } from '../../functions/core/contracts.js';
import { DEFAULT_STRINGS, Display } from '../../functions/core/presentation.js';
import { demoFile } from '../../local/demo-files.js';
import { buildWidget } from '../../widget/build.js';
import { widgetAssets } from '../../local/widget-assets.js';

/**
 * Browser-test support: launch Debian's Chromium, open a page, and a fake Funnel API that serves the real
 * widget bundle and records what it is sent.
 *
 * @example
 * const browser = await launchBrowser();
 * const { page } = await openPage(browser, `${funnel.url}/demo`);
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** For describe/hook timeouts: starting Chromium on a busy two-core machine can take a while. */
export const BROWSER_TIMEOUT_MS = 60_000;

export const launchBrowser = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors and console errors, for `expect(errors).toEqual([])`. */
  errors: string[];
}

/**
 * A fresh context (no shared cookies or storage) with one page at `url`, loaded. `init` runs in every page of
 * the context before its own scripts (e.g. to fake `navigator.doNotTrack`).
 * @example const { page, errors } = await openPage(browser, url, { referer: 'https://news.example.com/' });
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: { referer?: string; init?: () => void; setup?: (context: BrowserContext) => Promise<unknown> } = {},
): Promise<OpenedPage> {
  // A fixed time zone, so what the widget reports is known (the default would be this machine's).
  const context = await browser.newContext({ timezoneId: 'Europe/Berlin' });
  if (options.init) await context.addInitScript(options.init);
  await options.setup?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A failed resource names itself only in its location.
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.location().url ? `${m.text()} (${m.location().url})` : m.text())));
  await page.goto(url, { waitUntil: 'load', ...(options.referer && { referer: options.referer }) });
  return { page, context, errors };
}

/** A scripted answer to the next POST: a status and JSON body, or a dropped connection. */
export type FakeResponse = { status: number; body?: unknown } | 'network-error';

export interface RecordedSubmission {
  formId: string;
  body: any;
  headers: IncomingHttpHeaders;
}

/** One `POST /v1/events` as the tracker sent it: the parsed body and the headers (the content type is text/plain). */
export interface RecordedEvent {
  body: any;
  headers: IncomingHttpHeaders;
}

export interface FakeApi {
  /** The API base URL (`http://127.0.0.1:port`). */
  url: string;
  /** The blog's origin (`http://localhost:port`): same server, another origin, so every call is cross-origin like production. */
  pageOrigin: string;
  /** Every POST received, in order, including those answered with an error or a dropped connection. */
  submissions: RecordedSubmission[];
  /** Every GET of a form definition, by form id. */
  formGets: string[];
  /** Every `POST /v1/events` received, in order, including those answered with an error. */
  events: RecordedEvent[];
  /** Every impression received by `POST /v1/impressions` (one per form shown), with the request's headers. */
  impressions: { impression: Record<string, unknown>; contentType: string | undefined }[];
  /** What `POST /v1/forms/{id}/known` answers for a visitor token (none: no field known). */
  known: Record<string, string[]>;
  /** The visitor tokens handed out so far (one per submission with marketing consent); the only ones accepted. */
  tokens: Set<string>;
  forms: Record<string, FormView>;
  /** Answer form definitions as a CDN that kept them this many seconds would (`Age`, exposed to the page). 0: none. */
  formAgeSeconds: number;
  /** Answer the next POSTs of submissions with these, in order; after that, the default answer (like the real API). */
  respondWith(...responses: FakeResponse[]): void;
  /** The same for the next `POST /v1/events`; the default is `202 recorded` (or `duplicate`), `401` for an unknown token. */
  respondToEventsWith(...responses: FakeResponse[]): void;
  /** A page served at `{pageOrigin}{path}`; `{{API_URL}}` is replaced by the API URL, as the local runtime does. */
  setPage(path: string, html: string, headers?: Record<string, string>): void;
  reset(): void;
  close(): Promise<void>;
}

/** Fixed far in the past, so a widget that used the visitor's clock instead of server time is caught. */
export const SERVER_TIME = Date.UTC(2020, 0, 1);

/** The demo blog's forms as `GET /v1/forms/{id}` describes them (mirrors the demo site of local/demo/site.ts; the trial inline here). */
export const formFixtures = (): Record<string, FormView> => ({
  ebook: {
    id: 'ebook',
    siteId: 'demo',
    kind: 'gated-content',
    title: 'Get the ebook: The Serverless Funnel Playbook',
    description: 'Forty pages on turning blog readers into qualified pipeline. Free, in your inbox.',
    submitLabel: 'Get the ebook',
    fields: [
      { name: 'email', label: 'Work email', required: true, type: 'email', autocomplete: 'email', placeholder: 'you@company.com', maxLength: 254 },
      { name: 'firstName', label: 'First name', required: false, type: 'text', autocomplete: 'given-name', maxLength: 100 },
      { name: 'company', label: 'Company', required: false, type: 'text', autocomplete: 'organization', maxLength: 200 },
      { name: 'jobTitle', label: 'Job title', required: false, type: 'text', autocomplete: 'organization-title', maxLength: 150 },
    ],
    consent: {
      marketing: { text: 'Send me the occasional email about new guides and product news. Unsubscribe at any time.', version: '2026-11-01', required: false },
    },
    leadMagnet: { title: 'The Serverless Funnel Playbook', format: 'ebook' },
    doubleOptIn: false,
    display: Display.parse({}),
    strings: { ...DEFAULT_STRINGS },
    serverTime: SERVER_TIME,
  },
  trial: {
    id: 'trial',
    siteId: 'demo',
    kind: 'free-trial',
    title: 'Start your 14-day free trial',
    submitLabel: 'Start free trial',
    fields: [
      { name: 'email', label: 'Work email', required: true, type: 'email', autocomplete: 'email', maxLength: 254 },
      { name: 'firstName', label: 'First name', required: true, type: 'text', autocomplete: 'given-name', maxLength: 100 },
      { name: 'lastName', label: 'Last name', required: false, type: 'text', autocomplete: 'family-name', maxLength: 100 },
      { name: 'company', label: 'Company', required: true, type: 'text', autocomplete: 'organization', maxLength: 200 },
      {
        name: 'companySize',
        label: 'Company size',
        required: false,
        type: 'select',
        autocomplete: 'off',
        options: ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+'],
      },
    ],
    consent: { marketing: { text: 'Email me tips for getting the most out of my trial. Unsubscribe at any time.', version: '2026-11-01', required: false } },
    doubleOptIn: false,
    display: Display.parse({}),
    strings: { ...DEFAULT_STRINGS },
    serverTime: SERVER_TIME,
  },
  // The demo page's popup (exit intent): nothing shows until the pointer leaves the window.
  newsletter: {
    id: 'newsletter',
    siteId: 'demo',
    kind: 'gated-content',
    title: 'Before you go: one funnel teardown a week',
    submitLabel: 'Send me the teardowns',
    fields: [{ name: 'email', label: 'Email', required: true, type: 'email', autocomplete: 'email', maxLength: 254 }],
    leadMagnet: { title: "This week's teardown", format: 'report' },
    doubleOptIn: false,
    display: Display.parse({ mode: 'popup', trigger: { exitIntent: true } }),
    strings: { ...DEFAULT_STRINGS },
    serverTime: SERVER_TIME,
  },
});

/** The tracking-only snippet: no `data-funnel-form`, so it mounts nothing and only sends page views. */
const TRACKING_SNIPPET = '<script async src="{{API_URL}}/widget.js" data-funnel-api="{{API_URL}}"></script>';

/**
 * A blog page with one snippet per form id, optional tracking-only snippets and optional hostile CSS.
 * @example blogPage({ forms: ['ebook', 'trial'], css: '* { color: red !important }' })
 * @example blogPage({ forms: [], trackingSnippets: 1, title: 'Pricing' }) // a page without a form
 */
export function blogPage(options: { forms: string[]; css?: string; before?: string; after?: string; title?: string; trackingSnippets?: number }): string {
  const snippet = (id: string) => `<script async src="{{API_URL}}/widget.js" data-funnel-form="${id}" data-funnel-api="{{API_URL}}"></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${options.title ?? 'Blog'}</title><style>${options.css ?? ''}</style></head>
<body><main><h1>A post</h1>${options.before ?? ''}<p>Prose before.</p>${options.forms.map((f) => `<section>${snippet(f)}</section>`).join('<p>More prose.</p>')}${TRACKING_SNIPPET.repeat(options.trackingSnippets ?? 0)}${options.after ?? ''}</main></body></html>`;
}

/**
 * Start a fake Funnel API on a free port: `/widget.js` and its module (the real build), `GET /v1/forms/{id}`,
 * `POST /v1/forms/{id}/submissions` and `POST /v1/events` (recorded, answered like the real API), CORS,
 * test pages and the demo.
 */
export async function startFakeApi(): Promise<FakeApi> {
  const widget = widgetAssets(await buildWidget({ minify: true }));
  let queue: FakeResponse[] = [];
  let eventQueue: FakeResponse[] = [];
  const eventIds = new Set<string>();
  const pages = new Map<string, { html: string; headers: Record<string, string> }>();
  const answers = new Map<string, unknown>();
  const forms = formFixtures();
  let apiUrl = '';
  let pageOrigin = '';

  /**
   * What the real API answers: 400 on a bad email, 202 with the same answer to a repeated submission id, and
   * a visitor token only when the visitor gave marketing consent.
   */
  const defaultAnswer = (formId: string, body: any): { status: number; body: unknown } => {
    const email = body?.fields?.email;
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) {
      return {
        status: 400,
        body: { error: { code: 'validation_failed', message: 'Invalid fields.email', fields: { 'fields.email': 'must be a valid email address' } } },
      };
    }
    const earlier = answers.get(body.submissionId);
    if (earlier) return { status: 202, body: earlier };
    const answer =
      formId === 'trial'
        ? { submissionId: body.submissionId, next: { type: 'redirect', url: `${pageOrigin}/demo/welcome` }, message: 'Your trial workspace is ready.' }
        : {
            submissionId: body.submissionId,
            next: { type: 'download', url: `${pageOrigin}/demo/assets/serverless-funnel-playbook.pdf` },
            message: 'Thanks! Your ebook is ready.',
          };
    if (body.consent?.marketing === true) {
      const visitorToken = `v2.sealed-${api.tokens.size + 1}`;
      api.tokens.add(visitorToken);
      Object.assign(answer, { visitorToken });
    }
    answers.set(body.submissionId, answer);
    return { status: 202, body: answer };
  };

  /** `POST /v1/events` as the real API answers it: 401 for a token it never issued, `duplicate` for a known eventId. */
  const defaultEventAnswer = (body: any): { status: number; body: unknown } => {
    if (!api.tokens.has(body?.visitorToken)) return { status: 401, body: { error: { code: 'invalid_visitor_token', message: 'Invalid visitor token' } } };
    if (eventIds.has(body.eventId)) return { status: 202, body: { status: 'duplicate' } };
    eventIds.add(body.eventId);
    return { status: 202, body: { status: 'recorded' } };
  };

  const api: FakeApi = {
    url: '',
    pageOrigin: '',
    submissions: [],
    formGets: [],
    formAgeSeconds: 0,
    events: [],
    impressions: [],
    known: {},
    tokens: new Set(),
    forms,
    respondWith: (...responses) => void queue.push(...responses),
    respondToEventsWith: (...responses) => void eventQueue.push(...responses),
    setPage: (path, html, headers = {}) => void pages.set(path, { html, headers }),
    reset() {
      queue = [];
      eventQueue = [];
      api.submissions.length = 0;
      api.formGets.length = 0;
      api.formAgeSeconds = 0;
      api.events.length = 0;
      api.impressions.length = 0;
      api.known = {};
      api.tokens.clear();
      // A test may change a definition: the next one gets the fixtures again.
      api.forms = formFixtures();
      eventIds.clear();
      answers.clear();
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', vary: 'Origin' };
    const json = (status: number, body: unknown) => res.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'OPTIONS') {
      return void res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET,POST,OPTIONS', 'access-control-allow-headers': 'content-type' }).end();
    }
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const asset = widget(path);
    if (asset) return void res.writeHead(asset.status, asset.headers).end(asset.body);
    const html = (text: string, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(text.replaceAll('{{API_URL}}', apiUrl));
    if (pages.has(path)) return html(pages.get(path)!.html, pages.get(path)!.headers);
    if (path.startsWith('/demo')) {
      const file = await demoFile(path, apiUrl);
      return file ? void res.writeHead(200, { 'content-type': file.type }).end(file.body) : void res.writeHead(404).end();
    }
    const get = /^\/v1\/forms\/([^/]+)$/.exec(path);
    if (get && req.method === 'GET') {
      const id = decodeURIComponent(get[1]!);
      api.formGets.push(id);
      const form = api.forms[id];
      if (form && api.formAgeSeconds)
        return void res
          .writeHead(200, { ...cors, 'content-type': 'application/json', age: String(api.formAgeSeconds), 'access-control-expose-headers': 'Age' })
          .end(JSON.stringify(form));
      return form ? json(200, { ...form }) : json(404, { error: { code: 'unknown_form', message: `No form ${id}` } });
    }
    const readJson = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    };
    if (path === '/v1/impressions' && req.method === 'POST') {
      const body = await readJson();
      for (const impression of body.impressions) api.impressions.push({ impression, contentType: req.headers['content-type'] });
      return void res.writeHead(204, cors).end();
    }
    const known = /^\/v1\/forms\/([^/]+)\/known$/.exec(path);
    if (known && req.method === 'POST') return json(200, { known: api.known[(await readJson()).visitorToken] ?? [] });
    if (path === '/v1/events' && req.method === 'POST') {
      // The tracker sends text/plain (a CORS-simple request): the body is JSON whatever the content type says.
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
      }
      api.events.push({ body, headers: req.headers });
      const scripted = eventQueue.shift();
      if (scripted === 'network-error') return void req.socket.end('HTTP/1.1 ???\r\n\r\n');
      const answer = scripted ?? defaultEventAnswer(body);
      return json(answer.status, answer.body ?? { error: { code: 'scripted', message: `Scripted ${answer.status}` } });
    }
    const post = /^\/v1\/forms\/([^/]+)\/submissions$/.exec(path);
    if (post && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
      }
      const formId = decodeURIComponent(post[1]!);
      api.submissions.push({ formId, body, headers: req.headers });
      const scripted = queue.shift();
      // Not a bare socket close: Chromium silently resends a request whose reused connection closed before any
      // byte came back, which would hide the failure from the widget. A broken status line is a hard failure.
      if (scripted === 'network-error') return void req.socket.end('HTTP/1.1 ???\r\n\r\n');
      const answer = scripted ?? defaultAnswer(formId, body);
      return json(answer.status, answer.body ?? { error: { code: 'scripted', message: `Scripted ${answer.status}` } });
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  apiUrl = api.url = `http://127.0.0.1:${port}`;
  pageOrigin = api.pageOrigin = `http://localhost:${port}`;
  return api;
}
