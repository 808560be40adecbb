import type { Context } from 'aws-lambda';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../functions/composition.js';
import { PREFLIGHT_ROUTES, ROUTES, type RouteGroup } from '../functions/handlers/endpoints/index.js';
import { unavailable, type HttpEvent, type HttpResult } from '../functions/handlers/http.js';
import { lambdaContext, matchRoute, toEvent, writeResult } from './api-gateway.js';
import { demoFile, isDemoPath } from './demo-files.js';
import type { LocalSes } from './ses.js';
import type { LocalOidc } from './oidc.js';
import type { consoleAssets } from './console-assets.js';
import { DEMO_FILE_CSP, LOCAL_PAGE_HEADERS, demoPageCsp } from './page-headers.js';
import type { WebhookInspector } from './webhook-inspector.js';
import type { LocalExportFiles } from './export-files.js';
import type { widgetAssets } from './widget-assets.js';

/** API Gateway refuses bodies over 10 MB; the handlers enforce the real 16 KB limit. */
const MAX_RAW_BODY = 1024 * 1024;

/** A queue as the admin routes see it: the local SQS queues and the stream's dead letters alike. */
export interface AdminQueue {
  stats(): object;
  deadLetters(): { id: string; receives: string; body: string }[];
  redrive(): Promise<number>;
}

/** What the front reads as the funnel starts: unset parts answer 503 (`/health` says "starting"). */
export interface FrontState {
  deps?: AppDeps;
  url: string;
  adminKey: string;
  inspector?: WebhookInspector;
  ses?: LocalSes;
  queues: () => Record<string, AdminQueue>;
  /** The widget's files, served as the CDN serves them on AWS. */
  widget?: ReturnType<typeof widgetAssets>;
  /** The local OpenID provider the console signs in with (`/oidc`). */
  oidc?: LocalOidc;
  /** The console's files at `/console`. */
  console?: ReturnType<typeof consoleAssets>;
  /** Background exports' files, downloaded by their signed links (`/local/exports/…`), as from S3. */
  exportFiles?: LocalExportFiles;
}

export type GroupHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

// Long by design: the request handlers share the front's state and groups; each is short.
/**
 * The local stand-in for API Gateway and the functions' URLs: routes each request of the endpoint table to
 * its route group's handler (fed the same API Gateway v2 event; pre-flights included, as deployed), answers
 * a function that runs out of time with 503, and serves the widget (as the CDN does on AWS), the demo, the
 * webhook inspector and the local queue admin.
 */
export function httpFront(state: FrontState, groups: Record<RouteGroup, GroupHandler>, functionTimeoutMs: number) {
  const all = [...ROUTES, ...PREFLIGHT_ROUTES];
  const routeKeys = all.map((r) => r.routeKey);
  const groupOf = new Map<string, RouteGroup>(all.map((r) => [r.routeKey, r.group]));
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    void res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', ...headers }).end(JSON.stringify(body));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    const deps = state.deps;
    // 200 only once the table exists and the handlers are wired; until then callers should wait.
    if (path === '/health') return send(res, deps ? 200 : 503, { status: deps ? 'ok' : 'starting' });
    if (!deps) return send(res, 503, { error: { code: 'starting', message: 'Funnel is starting' } }, { 'retry-after': '1' });
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (state.oidc?.handle(req, res)) return;
    if (path === '/') return void res.writeHead(302, { location: '/demo' }).end();
    if (state.inspector?.handles(method, path)) return state.inspector.handle(req, res, await readBody(req));
    if (path === '/local/queues' || path.startsWith('/local/queues/')) return queuesAdmin(req, res, method, path);
    if (method === 'GET' && state.exportFiles?.handles(path)) return state.exportFiles.serve(req, res);
    if (isDemoPath(path)) return serveDemo(path, res);
    const page = method === 'GET' || method === 'HEAD' ? state.console?.(path, req.headers['accept-encoding']) : undefined;
    if (page) return void res.writeHead(page.status, page.headers).end(method === 'HEAD' ? undefined : page.body);
    const asset = method === 'GET' || method === 'HEAD' ? state.widget?.(path, req.headers['accept-encoding'], req.headers['if-none-match']) : undefined;
    if (asset) return void res.writeHead(asset.status, asset.headers).end(method === 'HEAD' ? undefined : asset.body);
    const route = matchRoute(routeKeys, method, path);
    if (!route) {
      const known = pathExists(path);
      return send(res, known ? 405 : 404, {
        error: { code: known ? 'method_not_allowed' : 'not_found', message: known ? 'Method not allowed' : 'No such route' },
      });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { error: { code: 'payload_too_large', message: 'Body too large' } });
    const group = groupOf.get(route.routeKey)!;
    // As on AWS: a function that runs out of time is answered 503 by API Gateway (the work it started may
    // still finish; capture is idempotent, so the client's retry with the same submissionId is safe).
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), functionTimeoutMs)));
    const result = await Promise.race([groups[group](toEvent(req, body, route), lambdaContext(`funnel-${group}`, functionTimeoutMs)), timedOut]).finally(() =>
      clearTimeout(timer),
    );
    if (result === 'timeout') {
      deps.log.warn('function timed out, answered 503', { route: route.routeKey, timeoutMs: functionTimeoutMs });
      return writeResult(res, unavailable());
    }
    writeResult(res, group === 'mail' ? framedByMailViewer(result) : result);
  }

  /**
   * `npm run queues`: the local queues and the stream's dead letters, listed and redriven. The SQS console
   * and `aws sqs start-message-move-task` do this on AWS. Local only, and only with the dev API key.
   */
  async function queuesAdmin(req: IncomingMessage, res: ServerResponse, method: string, path: string) {
    if (!state.adminKey || req.headers.authorization !== `Bearer ${state.adminKey}`)
      return send(res, 401, { error: { code: 'unauthorized', message: 'The dev API key is required' } });
    const all = state.queues();
    if (method === 'GET' && path === '/local/queues') {
      const queues = Object.entries(all).map(([name, q]) => ({ name, ...q.stats(), deadLetters: q.deadLetters() }));
      return send(res, 200, { queues });
    }
    const name = decodeURIComponent(path.split('/')[3] ?? '');
    const queue = all[name];
    if (method === 'POST' && queue && path === `/local/queues/${encodeURIComponent(name)}/redrive`)
      return send(res, 200, { name, redriven: await queue.redrive() });
    return send(res, 404, { error: { code: 'not_found', message: `No queue "${name}". Queues: ${Object.keys(all).join(', ')}` } });
  }

  /**
   * The local mail viewer shows each email in a frame, so a link clicked there (unsubscribe, confirm) opens
   * inside it: the pages those links lead to may be framed by the viewer, and only locally and only by it.
   * Deployed, they keep `frame-ancestors 'none'`.
   */
  function framedByMailViewer(result: HttpResult): HttpResult {
    const csp = result.headers?.['content-security-policy'];
    if (typeof csp !== 'string' || !state.ses) return result;
    const viewer = new URL(state.ses.viewerUrl);
    const origins = [viewer.origin, `${viewer.protocol}//127.0.0.1:${viewer.port}`];
    return {
      ...result,
      headers: { ...result.headers, 'content-security-policy': csp.replace("frame-ancestors 'none'", `frame-ancestors ${origins.join(' ')}`) },
    };
  }

  async function serveDemo(path: string, res: ServerResponse) {
    const file = await demoFile(path, state.url);
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain', ...LOCAL_PAGE_HEADERS }).end('Not found');
    const csp = typeof file.body === 'string' && file.type.startsWith('text/html') ? demoPageCsp(file.body, state.url) : DEMO_FILE_CSP;
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...LOCAL_PAGE_HEADERS, 'content-security-policy': csp }).end(file.body);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error) => {
      state.deps?.log.error('local runtime error', { error: (error as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong' } }));
    });
  };
}

/** Whether any route, whatever its method, serves this path. */
function pathExists(path: string): boolean {
  return ROUTES.some((r) => matchRoute([r.routeKey], r.routeKey.split(' ')[0] ?? '', path) !== undefined);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RAW_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => ok(tooBig ? undefined : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}
