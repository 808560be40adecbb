import type { Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import rawDefaultConfig from '../config/funnel.config.js';
import { DynamoApiKeyStore } from '../functions/adapters/dynamo/api-key-store.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { compose, type AppDeps } from '../functions/composition.js';
import { localEnv, parseConfig, type FunnelConfig } from '../functions/core/config.js';
import type { Clock } from '../functions/core/ports.js';
import { makeFormsHandler } from '../functions/handlers/forms.js';
import { makeDueChecksHandler } from '../functions/handlers/due-checks.js';
import { makeLeadActivityHandler } from '../functions/handlers/lead-activity.js';
import { makeLeadsHandler } from '../functions/handlers/leads.js';
import { makeMailLinksHandler } from '../functions/handlers/mail-links.js';
import { makeDeliverWebhooksHandler } from '../functions/handlers/deliver-webhooks.js';
import { makeWebhooksApiHandler } from '../functions/handlers/webhooks-api.js';
import { HttpWebhookSender } from '../functions/adapters/webhooks/http-sender.js';
import { newWebhookSecret } from '../functions/adapters/webhooks/signer.js';
import { SignedWebhookTransport } from '../functions/adapters/webhooks/transport.js';
import { startWebhookInspector, type WebhookInspector } from './webhook-inspector.js';
import { makeSendEmailHandler } from '../functions/handlers/send-email.js';
import { SesMailer } from '../functions/adapters/ses/mailer.js';
import type { MailQueue, WebhookQueue } from '../functions/core/ports.js';
import { unavailable, type HttpEvent, type HttpResult } from '../functions/handlers/http.js';
import { handler as openApiHandler } from '../functions/handlers/openapi.js';
import { ROUTES, type RouteGroup } from '../functions/handlers/endpoints/index.js';
import { makeWidgetHandler } from '../functions/handlers/widget.js';
import { hashApiKey } from '../functions/use-cases/read-leads.js';
import { lambdaContext, matchRoute, toEvent, writeResult } from './api-gateway.js';
import { demoFile, isDemoPath } from './demo-files.js';
import { ensureTable, localClient, startDynamoLocal, type LocalDynamo } from './dynamo.js';
import { startLocalQueue, type LocalQueue } from './queue.js';
import { startLocalSes, type LocalSes } from './ses.js';
import { localStreamsClient, startStreamPoller, type StreamPoller } from './stream-poller.js';
import { join } from 'node:path';

/** API Gateway refuses bodies over 10 MB; the handlers enforce the real 16 KB limit. */
const MAX_RAW_BODY = 1024 * 1024;

export interface FunnelOptions {
  /** 0 picks a free port. Default 3000. */
  port?: number;
  host?: string;
  /** Keep DynamoDB Local's data here between runs; in memory when absent. */
  dataDir?: string;
  /** Use an already running DynamoDB Local instead of starting one (the tests' global setup). */
  dynamoEndpoint?: string;
  tableName?: string;
  /** The dev API key; generated when absent. */
  apiKey?: string;
  /** Signs visitor tokens; generated when absent (tokens then do not survive a restart). */
  tokenSecret?: string;
  /** Another config than `config/funnel.config.ts` (tests): an object, or a function of where it runs (called with this funnel's URL). */
  rawConfig?: unknown;
  clock?: Clock;
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** How often the scheduled due checks (nurture steps, decay re-scores) run, as EventBridge runs them on AWS. Default 60 s; 0 = never (tests call `runDueChecks`). */
  dueCheckIntervalMs?: number;
  /** Port of the SES emulator (its API and mail viewer). Default 0: a free port. */
  sesPort?: number;
  /** First retry delay of a failed mail job (doubling each time, as SQS redelivers with our backoff). Default 1 s. */
  mailRetryBaseMs?: number;
  /** Webhook signing secrets by `site/endpoint`; generated for every configured endpoint when absent. */
  webhookSecrets?: Record<string, string>;
  /** How long an API function may run before the caller gets 503, as API Gateway answers a Lambda timeout. Default 10 s (the stack's). */
  functionTimeoutMs?: number;
}

/** The API functions' timeout in the stack (`StatelessStack`, 10 s). */
const FUNCTION_TIMEOUT_MS = 10_000;

export interface RunningFunnel {
  url: string;
  apiKey: string;
  tableName: string;
  dynamoEndpoint: string;
  deps: AppDeps;
  widgetGzipBytes: number;
  /** What a browser that accepts brotli receives for /widget.js. */
  widgetBrotliBytes: number;
  /** Resolves once the async consumers have handled everything written so far (for tests and demos). */
  settle(): Promise<void>;
  /** Run the scheduled due checks now (they also run every `dueCheckIntervalMs`). */
  runDueChecks(): Promise<{ rescored: number; queued: number; failed: number }>;
  /** The SES emulator every email goes to, with its viewer. */
  ses: LocalSes;
  /** The sender's queue (SQS on AWS): its dead letters can be redriven. */
  mailQueue: LocalQueue;
  /** The webhook sender's queue (SQS on AWS). */
  webhookQueue: LocalQueue;
  /** The table stream's consumer (the event source mapping on AWS): its dead letters can be redriven. */
  streamPoller: StreamPoller;
  /** Signing secrets of the webhook endpoints, by `site/endpoint`. */
  webhookSecrets: Record<string, string>;
  /** What the demo receiver (`/demo/webhooks/<name>`) got, and the inspector page at `/webhooks`. */
  inspector: WebhookInspector;
  stop(): Promise<void>;
}

/** The same handlers as Lambda, fed the same API Gateway v2 events, plus the demo page and the widget. */
export async function startFunnel(options: FunnelOptions = {}): Promise<RunningFunnel> {
  // Validate the config before starting anything, so a mistake costs nothing but its message. It is read
  // again once the port is known: its links follow the URL the funnel runs at.
  const rawConfig = options.rawConfig ?? rawDefaultConfig;
  parseConfig(rawConfig, localEnv(`http://localhost:${options.port ?? 3000}`));
  const tableName = options.tableName ?? 'funnel';
  const { buildWidget } = await import('../widget/build.js');
  const widget = await buildWidget({ minify: true });

  let dynamo: LocalDynamo | undefined;
  let client: DynamoDBClient;
  if (options.dynamoEndpoint) {
    client = localClient(options.dynamoEndpoint);
  } else {
    dynamo = await startDynamoLocal(options.dataDir ? { dataDir: options.dataDir } : {});
    client = dynamo.client;
  }
  const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;

  let deps: AppDeps | undefined;
  const getDeps = () => {
    if (!deps) throw new Error('not started');
    return deps;
  };
  /** One handler per route group, as one Lambda function per group serves them on AWS. */
  const groups: Record<RouteGroup, (event: HttpEvent, context: Context) => Promise<HttpResult>> = {
    capture: makeFormsHandler(getDeps),
    leads: makeLeadsHandler(getDeps),
    openapi: openApiHandler,
    widget: makeWidgetHandler(() => widget.code),
    mail: makeMailLinksHandler(getDeps),
    webhooks: makeWebhooksApiHandler(getDeps),
  };
  const routeKeys = ROUTES.map((r) => r.routeKey);
  const groupOf = new Map<string, RouteGroup>(ROUTES.map((r) => [r.routeKey, r.group]));
  let url = '';
  let adminKey = '';
  /** Every local queue and the stream's dead letters, by name, in one shape for the admin routes. */
  let localQueues: () => Record<string, { stats(): object; deadLetters(): { id: string; receives: string; body: string }[]; redrive(): Promise<number> }> =
    () => ({});
  let ses: LocalSes | undefined;
  let mailQueue: LocalQueue | undefined;
  let webhookQueue: LocalQueue | undefined;
  let inspector: WebhookInspector | undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      getDeps().log.error('local runtime error', { error: (error as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong' } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    if (path === '/health') {
      // 200 only once the table exists and the handlers are wired; until then callers should wait.
      return void res.writeHead(deps ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: deps ? 'ok' : 'starting' }));
    }
    if (!deps)
      return void res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
        .end(JSON.stringify({ error: { code: 'starting', message: 'Funnel is starting' } }));
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (path === '/') return void res.writeHead(302, { location: '/demo' }).end();
    if (inspector?.handles(method, path)) return inspector.handle(req, res, await readBody(req));
    if (path === '/local/queues' || path.startsWith('/local/queues/')) return queuesAdmin(req, res, method, path);
    if (isDemoPath(path)) return serveDemo(path, res);

    if (method === 'OPTIONS') return preflight(req, res, path);
    const route = matchRoute(routeKeys, method, path);
    if (!route) {
      const known = pathExists(path);
      const status = known ? 405 : 404;
      return void res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: known ? 'method_not_allowed' : 'not_found', message: known ? 'Method not allowed' : 'No such route' } }));
    }
    const body = await readBody(req);
    if (body === undefined)
      return void res
        .writeHead(413, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'payload_too_large', message: 'Body too large' } }));
    const group = groupOf.get(route.routeKey)!;
    // As on AWS: a function that runs out of time is answered 503 by API Gateway (the work it started may
    // still finish; capture is idempotent, so the client's retry with the same submissionId is safe).
    const timeoutMs = options.functionTimeoutMs ?? FUNCTION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs)));
    const result = await Promise.race([groups[group](toEvent(req, body, route), lambdaContext(`funnel-${group}`, timeoutMs)), timedOut]).finally(() =>
      clearTimeout(timer),
    );
    if (result === 'timeout') {
      getDeps().log.warn('function timed out, answered 503', { route: route.routeKey, timeoutMs });
      return writeResult(res, unavailable());
    }
    writeResult(res, group === 'mail' ? framedByMailViewer(result) : result);
  }

  /**
   * `npm run queues`: the local queues and the stream's dead letters, listed and redriven. The SQS console
   * and `aws sqs start-message-move-task` do this on AWS. Local only, and only with the dev API key.
   */
  async function queuesAdmin(req: IncomingMessage, res: ServerResponse, method: string, path: string) {
    const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!adminKey || req.headers.authorization !== `Bearer ${adminKey}`)
      return send(401, { error: { code: 'unauthorized', message: 'The dev API key is required' } });
    const all = localQueues();
    if (method === 'GET' && path === '/local/queues') {
      return send(200, {
        queues: Object.entries(all).map(([name, q]) => ({
          name,
          ...q.stats(),
          deadLetters: q.deadLetters().map((d) => ({ id: d.id, receives: d.receives, body: d.body })),
        })),
      });
    }
    const name = decodeURIComponent(path.split('/')[3] ?? '');
    const queue = all[name];
    if (method === 'POST' && queue && path === `/local/queues/${encodeURIComponent(name)}/redrive`) return send(200, { name, redriven: await queue.redrive() });
    return send(404, { error: { code: 'not_found', message: `No queue "${name}". Queues: ${Object.keys(all).join(', ')}` } });
  }

  /**
   * The local mail viewer shows each email in a frame, so a link clicked there (unsubscribe, confirm) opens
   * inside it: the pages those links lead to may be framed by the viewer, and only locally and only by it.
   * Deployed, they keep `frame-ancestors 'none'`.
   */
  function framedByMailViewer(result: HttpResult): HttpResult {
    const csp = result.headers?.['content-security-policy'];
    if (typeof csp !== 'string') return result;
    if (!ses) return result;
    const viewer = new URL(ses.viewerUrl);
    const origins = [viewer.origin, `${viewer.protocol}//127.0.0.1:${viewer.port}`];
    return {
      ...result,
      headers: { ...result.headers, 'content-security-policy': csp.replace("frame-ancestors 'none'", `frame-ancestors ${origins.join(' ')}`) },
    };
  }

  /** API Gateway answers CORS pre-flights itself in production; this mirrors that configuration. */
  function preflight(req: IncomingMessage, res: ServerResponse, path: string) {
    const origin = req.headers.origin;
    const routeExists = pathExists(path);
    const headers: Record<string, string> = { vary: 'Origin' };
    if (routeExists && origin && getDeps().config.allOrigins().includes(origin)) {
      Object.assign(headers, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET,POST,OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
    }
    res.writeHead(204, headers).end();
  }

  async function serveDemo(path: string, res: ServerResponse) {
    const file = await demoFile(path, url);
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body);
  }

  const port = options.port ?? 3000;
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
    });
  } catch (error) {
    await dynamo?.stop();
    client.destroy();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is already in use. Stop whatever is using it, or start Funnel on another port: PORT=3001 npm start`);
    }
    throw error;
  }
  const actualPort = (server.address() as { port: number }).port;
  url = `http://localhost:${actualPort}`;

  try {
    await ensureTable(client, tableName);
    // The config's links follow this URL (`env.baseUrl`); the runtime's own origin, under either loopback
    // name, may embed every site's forms, so the demo pages work whichever name the browser used.
    const userConfig = parseConfig(rawConfig, localEnv(url));
    const config: FunnelConfig = {
      sites: userConfig.sites.map((s) => ({ ...s, allowedOrigins: [...new Set([...s.allowedOrigins, url, `http://127.0.0.1:${actualPort}`])] })),
    };
    const webhookSecrets = { ...options.webhookSecrets };
    for (const site of config.sites) for (const e of site.webhooks ?? []) webhookSecrets[`${site.id}/${e.id}`] ??= newWebhookSecret();
    inspector = startWebhookInspector({ secrets: webhookSecrets, config, deps: getDeps });
    const deadLetters: unknown[] = [];
    // With a data folder (npm start), queues, stream checkpoints and stream dead letters live beside the
    // database, so a restart (kill -9 included) loses nothing and re-reads nothing it had handled.
    const journalOf = (name: string) => (options.dataDir ? { journal: join(options.dataDir, `queue-${name}.jsonl`) } : {});
    webhookQueue = startLocalQueue({
      ...journalOf('funnel-webhooks'),
      name: 'funnel-webhooks',
      handler: makeDeliverWebhooksHandler(getDeps),
      batchSize: 10,
      maxReceiveCount: 10,
      maxConcurrency: 5,
      retryBaseMs: options.mailRetryBaseMs ?? 1000,
      onDeadLetter: (messages) => getDeps().log.error('dead letter: deliver-webhooks', { messages: messages.length }),
    });
    const hooks = webhookQueue;
    const localWebhookQueue: WebhookQueue = {
      enqueue: (jobs, opts) =>
        hooks.send(
          jobs.map((job) => JSON.stringify(job)),
          opts,
        ),
      deadLetter: async (notice) => {
        deadLetters.push(notice);
        getDeps().log.error('webhook dead-lettered', notice);
      },
    };
    const tokenSecret = options.tokenSecret ?? randomBytes(32).toString('base64url');
    ses = await startLocalSes({ port: options.sesPort ?? 0 });
    // The sender runs behind a queue with SQS's semantics: batches, retries with backoff, a dead-letter list.
    mailQueue = startLocalQueue({
      ...journalOf('funnel-send'),
      name: 'funnel-send',
      handler: makeSendEmailHandler(getDeps),
      batchSize: 10,
      maxReceiveCount: 10,
      maxConcurrency: 2,
      retryBaseMs: options.mailRetryBaseMs ?? 1000,
      onDeadLetter: (messages) => getDeps().log.error('dead letter: send-email', { messages: messages.length }),
    });
    const queue = mailQueue;
    const localMailQueue: MailQueue = { enqueue: (jobs) => queue.send(jobs.map((job) => JSON.stringify(job))) };
    deps = compose({
      tableName,
      dynamo: client,
      rawConfig: config,
      tokenSecret: async () => tokenSecret,
      mailer: new SesMailer({ client: ses.client, configurationSetName: 'funnel-local' }),
      mailQueue: localMailQueue,
      publicApiUrl: url,
      sendConcurrency: 2,
      webhookQueue: localWebhookQueue,
      webhookSecrets: {
        secretOf: async (siteId, endpointId) =>
          webhookSecrets[`${siteId}/${endpointId}`] ?? Promise.reject(new Error(`no webhook secret for ${siteId}/${endpointId}`)),
      },
      // A laptop: http to localhost is allowed (the demo receiver); still no redirects, still a 10 s timeout.
      webhookTransport: new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: true, allowHttp: 'localhost' })),
      ...(options.clock && { clock: options.clock }),
      logLevel: options.logLevel ?? 'warn',
    });
    const apiKey = options.apiKey ?? `fnl_dev_${randomBytes(24).toString('base64url')}`;
    // The table stream feeds the same consumer Lambda runs, the way an event source mapping would.
    const poller = await startStreamPoller({
      ...(options.dataDir && {
        checkpointFile: join(options.dataDir, 'stream-checkpoints.json'),
        deadLetterFile: join(options.dataDir, 'stream-dead-letters.json'),
      }),
      dynamo: client,
      streams: localStreamsClient(dynamoEndpoint),
      tableName,
      handler: makeLeadActivityHandler(getDeps),
      onDeadLetter: (records, error) => getDeps().log.error('dead letter: lead-activity', { records: records.length, error: (error as Error).message }),
    });
    adminKey = apiKey;
    const sqs = (q: LocalQueue) => ({
      stats: () => q.stats(),
      redrive: () => q.redrive(),
      deadLetters: () => q.deadLetters().map((r) => ({ id: r.messageId, receives: r.attributes.ApproximateReceiveCount, body: r.body })),
    });
    localQueues = () => ({
      'funnel-send': sqs(queue),
      'funnel-webhooks': sqs(hooks),
      'lead-activity-stream': {
        stats: () => ({ deadLettered: poller.deadLetters().length }),
        redrive: () => poller.redrive(),
        deadLetters: () => poller.deadLetters().map((r) => ({ id: r.eventID ?? '', receives: 'all', body: JSON.stringify(r.dynamodb?.Keys ?? {}) })),
      },
    });
    const dueChecks = makeDueChecksHandler(getDeps);
    const dueInterval = options.dueCheckIntervalMs ?? 60_000;
    let dueRun: Promise<unknown> = Promise.resolve();
    const runDue = () => (dueRun = dueRun.then(dueChecks)) as Promise<{ rescored: number; queued: number; failed: number }>;
    const dueTimer =
      dueInterval > 0
        ? setInterval(() => void runDue().catch((e: Error) => getDeps().log.error('due checks failed', { error: e.message })), dueInterval)
        : undefined;
    dueTimer?.unref();
    const docClient = DynamoDBDocumentClient.from(client);
    await new DynamoApiKeyStore({ client: docClient, tableName }).save(hashApiKey(apiKey), { name: 'local dev key', siteIds: ['*'] }, new Date().toISOString());

    let stopping: Promise<void> | undefined;
    return {
      url,
      apiKey,
      tableName,
      dynamoEndpoint,
      deps,
      widgetGzipBytes: widget.gzipBytes,
      widgetBrotliBytes: brotliCompressSync(widget.code, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      // The stream feeds the queue and the sender writes to the table: wait until both are quiet.
      // Retries waiting for their backoff do not count: settle() is "everything that can happen now has".
      settle: async () => {
        for (let round = 0; round < 2; round++) {
          await poller.idle();
          await queue.idle();
          await hooks.idle({ ignoreDelayed: true });
        }
      },
      runDueChecks: runDue,
      ses,
      mailQueue: queue,
      webhookQueue: hooks,
      streamPoller: poller,
      webhookSecrets,
      inspector,
      stop: () =>
        (stopping ??= (async () => {
          clearInterval(dueTimer);
          await dueRun.catch(() => undefined);
          await poller.stop();
          await queue.stop();
          await hooks.stop();
          await ses?.stop();
          server.closeAllConnections();
          await new Promise<void>((ok) => server.close(() => ok()));
          if (dynamo) await dynamo.stop();
          else client.destroy();
        })()),
    };
  } catch (error) {
    server.close();
    await mailQueue?.stop();
    await webhookQueue?.stop();
    await ses?.stop();
    await dynamo?.stop();
    throw error;
  }
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
