import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { JosePeopleTokens } from '../functions/adapters/people-tokens.js';
import { ClaimNames } from '../functions/core/people.js';
import { LOCAL_CONSOLE, startLocalOidc } from './oidc.js';
import { loadConfigFile } from './config-file.js';
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
import { localDestinations, type LocalDestinationMode } from './destinations.js';
import type { VendorMock } from './vendor-mock.js';
import { makeSendEmailHandler } from '../functions/handlers/send-email.js';
import { SesMailer } from '../functions/adapters/ses/mailer.js';
import { makeMailEventsHandler } from '../functions/handlers/mail-events.js';
import { SimulatedSesEvents } from './ses-events.js';
import { InMemoryMailAccount } from '../functions/adapters/memory-mail.js';
import type { ExportQueue, MailQueue, WebhookQueue } from '../functions/core/ports.js';
import { openApi as openApiHandler } from '../functions/handlers/openapi.js';
import { widgetAssets } from './widget-assets.js';
import { consoleAssets, localConsoleSettings } from './console-assets.js';
import { hashApiKey } from '../functions/use-cases/read-leads.js';
import { httpFront, type AdminQueue, type FrontState } from './http-front.js';
import { ensureTable, localClient, startDynamoLocal } from './dynamo.js';
import { startLocalQueue, type LocalQueue, type LocalQueueOptions } from './queue.js';
import { startLocalSes, type LocalSes } from './ses.js';
import { localStreamsClient, startStreamPoller, type StreamPoller } from './stream-poller.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { LocalExportFiles } from './export-files.js';
import { LocalPeopleDirectory } from './people.js';
import { makeExportLeadsHandler } from '../functions/handlers/export-leads.js';
import { EXPORT_JOBS } from '../functions/core/exports.js';

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
  /** Another config than the config file (`config/funnel.config.ts`, or FUNNEL_CONFIG) (tests): an object, or a function of where it runs (called with this funnel's URL). */
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
  /** Where CRM destinations send. @default { mode: 'mock' }: each vendor's validating mock, on loopback */
  destinations?: LocalDestinationMode;
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
  /** What a page with a form loads of the widget (the entry and its module), gzipped. */
  widgetGzipBytes: number;
  /** The same, for a browser that accepts brotli. */
  widgetBrotliBytes: number;
  /** Resolves once the async consumers have handled everything written so far (for tests and demos). */
  settle(): Promise<void>;
  /** Run the scheduled due checks now (they also run every `dueCheckIntervalMs`). */
  runDueChecks(): Promise<{ rescored: number; queued: number; failed: number }>;
  /** The SES emulator every email goes to, with its viewer. */
  ses: LocalSes;
  /** The sender's queue (SQS on AWS): its dead letters can be redriven. */
  mailQueue: LocalQueue;
  /** SES's events queue (SNS → SQS on AWS): deliveries, bounces, complaints, opens and clicks, in SES's JSON. */
  mailEventsQueue: LocalQueue;
  /** SES's event publishing played locally, with the account's suppression list. */
  sesEvents: SimulatedSesEvents;
  /** The webhook sender's queue (SQS on AWS). */
  webhookQueue: LocalQueue;
  /** The background CSV exports' queue (SQS on AWS). */
  exportQueue: LocalQueue;
  /** The table stream's consumer (the event source mapping on AWS): its dead letters can be redriven. */
  streamPoller: StreamPoller;
  /** The vendors' validating mock the destinations send to (when the config has destinations and they are not live). */
  vendorMock?: VendorMock;
  /** Signing secrets of the webhook endpoints, by `site/endpoint`. */
  webhookSecrets: Record<string, string>;
  /** What the demo receiver (`/demo/webhooks/<name>`) got, and the inspector page at `/webhooks`. */
  inspector: WebhookInspector;
  stop(): Promise<void>;
}

// Long by design: the start-up sequence in order (table, front, config, consumers, composition, stop).
/** The same handlers as Lambda, fed the same API Gateway v2 events, plus the demo page and the widget. */
export async function startFunnel(options: FunnelOptions = {}): Promise<RunningFunnel> {
  // Validate the config before starting anything, so a mistake costs nothing but its message. It is read
  // again once the port is known: its links follow the URL the funnel runs at.
  const rawConfig = options.rawConfig ?? (await loadConfigFile());
  parseConfig(rawConfig, localEnv(`http://localhost:${options.port ?? 3000}`));
  const tableName = options.tableName ?? 'funnel';
  const { buildWidget } = await import('../widget/build.js');
  const { buildConsole } = await import('../console/build.js');
  const [widget, consoleBuild] = await Promise.all([buildWidget({ minify: true }), buildConsole({ minify: true })]);
  const dynamo = options.dynamoEndpoint ? undefined : await startDynamoLocal(options.dataDir ? { dataDir: options.dataDir } : {});
  const client = dynamo?.client ?? localClient(options.dynamoEndpoint!);
  const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;

  const state: FrontState & { vendorMock?: VendorMock } = { url: '', adminKey: '', queues: () => ({}), widget: widgetAssets(widget) };
  const getDeps = () => state.deps ?? raise('not started');
  /** One handler per route group, as one Lambda function per group serves them on AWS. */
  const groups = {
    capture: makeFormsHandler(getDeps),
    leads: makeLeadsHandler(getDeps),
    openapi: openApiHandler,
    mail: makeMailLinksHandler(getDeps),
    webhooks: makeWebhooksApiHandler(getDeps),
  };
  const server = createServer(httpFront(state, groups, options.functionTimeoutMs ?? FUNCTION_TIMEOUT_MS));
  const port = await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1').catch(async (error: Error) => {
    await dynamo?.stop();
    client.destroy();
    throw error;
  });
  state.url = `http://localhost:${port}`;

  let consumers: Consumers | undefined;
  try {
    await ensureTable(client, tableName);
    // The config's links follow this URL (`env.baseUrl`); the runtime's own origin, under either loopback
    // name, may embed every site's forms, so the demo pages work whichever name the browser used.
    const userConfig = parseConfig(rawConfig, localEnv(state.url));
    const config: FunnelConfig = {
      sites: userConfig.sites.map((s) => ({ ...s, allowedOrigins: [...new Set([...s.allowedOrigins, state.url, `http://127.0.0.1:${port}`])] })),
    };
    const webhookSecrets = { ...options.webhookSecrets };
    for (const site of config.sites) for (const e of site.webhooks ?? []) webhookSecrets[`${site.id}/${e.id}`] ??= newWebhookSecret();
    // With a data folder, what the inspector received and the mail viewer showed survive a restart.
    const keep = (file: string) => (options.dataDir ? { journal: join(options.dataDir, file) } : {});
    const destinations = await localDestinations(config, options.destinations ?? { mode: 'mock' }, `${state.url}/console/`);
    state.vendorMock = destinations.mock;
    state.inspector = startWebhookInspector({
      secrets: webhookSecrets,
      config,
      deps: getDeps,
      ...(destinations.mock && { vendorMock: destinations.mock }),
      ...keep('webhooks-received.json'),
    });
    state.ses = await startLocalSes({ port: options.sesPort ?? 0, ...keep('mail-viewer.json') });
    consumers = await startConsumers(options, { client, dynamoEndpoint, tableName, getDeps });
    const tokenSecret = options.tokenSecret ?? randomBytes(32).toString('base64url');
    // The local provider's people (its dev users and whoever the console adds), kept beside the data.
    const directory = new LocalPeopleDirectory(options.dataDir ? join(options.dataDir, 'people.json') : undefined);
    state.oidc = await startLocalOidc(state.url, directory);
    state.console = consoleAssets(consoleBuild, localConsoleSettings(state.oidc.issuer));
    // The exports bucket's stand-in: the data folder's `exports/` (else a temporary folder of this run).
    state.exportFiles = new LocalExportFiles({
      directory: options.dataDir ? join(options.dataDir, 'exports') : mkdtempSync(join(tmpdir(), 'funnel-exports-')),
      baseUrl: () => state.url,
    });
    const people = new JosePeopleTokens({
      issuer: state.oidc.issuer,
      audience: LOCAL_CONSOLE.audience,
      claims: ClaimNames.parse({ roles: LOCAL_CONSOLE.rolesClaim }),
    });
    // SES's event publishing played locally: deliveries, the simulator's bounces and complaints.
    const sesEvents = new SimulatedSesEvents(new SesMailer({ client: state.ses.client, configurationSetName: 'funnel-local' }), (events) =>
      consumers!.mailEventsQueue.send(events),
    );
    const deps = (state.deps = compose({
      tableName,
      dynamo: client,
      rawConfig: config,
      tokenSecret: async () => tokenSecret,
      mailer: sesEvents,
      mailAccount: new InMemoryMailAccount(sesEvents.suppressed),
      mailQueue: consumers.mailQueueEdge,
      publicApiUrl: state.url,
      sendConcurrency: 2,
      webhookQueue: consumers.webhookQueueEdge,
      exportQueue: consumers.exportQueueEdge,
      exportFiles: state.exportFiles,
      directory,
      webhookSecrets: {
        secretOf: async (siteId, endpointId) =>
          webhookSecrets[`${siteId}/${endpointId}`] ?? Promise.reject(new Error(`no webhook secret for ${siteId}/${endpointId}`)),
      },
      // A laptop: http to localhost is allowed (the demo receiver); still no redirects, still a 10 s timeout.
      webhookTransport: new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: true, allowHttp: 'localhost' })),
      destinations: destinations.sender,
      ...(options.clock && { clock: options.clock }),
      people,
      logLevel: options.logLevel ?? 'warn',
    }));
    const apiKey = options.apiKey ?? `fnl_dev_${randomBytes(24).toString('base64url')}`;
    await new DynamoApiKeyStore({ client: DynamoDBDocumentClient.from(client), tableName }).save(
      hashApiKey(apiKey),
      { name: 'local dev key', siteIds: ['*'] },
      new Date().toISOString(),
    );
    state.adminKey = apiKey;
    state.queues = consumers.adminQueues;
    const { ses, inspector } = state;
    const running = consumers;
    let stopping: Promise<void> | undefined;
    return {
      url: state.url,
      apiKey,
      tableName,
      dynamoEndpoint,
      deps,
      widgetGzipBytes: widget.gzipBytes,
      widgetBrotliBytes: widget.files.reduce((n, f) => n + state.widget!(`/${f.path}`, 'br')!.body.length, 0),
      settle: running.settle,
      runDueChecks: running.runDueChecks,
      ses,
      mailQueue: running.mailQueue,
      mailEventsQueue: running.mailEventsQueue,
      sesEvents,
      webhookQueue: running.webhookQueue,
      exportQueue: running.exportQueue,
      streamPoller: running.streamPoller,
      webhookSecrets,
      inspector,
      ...(destinations.mock && { vendorMock: destinations.mock }),
      // Stop accepting at once; let the requests in flight finish (their writes are answered, not cut);
      // then the consumers drain, and the stores close last.
      stop: () =>
        (stopping ??= (async () => {
          await closeServer(server, options.functionTimeoutMs ?? FUNCTION_TIMEOUT_MS);
          await running.stop();
          await ses.stop();
          await destinations.mock?.close();
          if (dynamo) await dynamo.stop();
          else client.destroy();
        })()),
    };
  } catch (error) {
    server.close();
    await consumers?.stop();
    await state.ses?.stop();
    await state.vendorMock?.close();
    await dynamo?.stop();
    throw error;
  }
}

/**
 * Close the HTTP front as a Lambda front would drain: no new connection from now on (the listening socket
 * closes at once), idle keep-alive connections closed, and each request in flight answered before its
 * connection closes. A request that outlives the function timeout is cut, as API Gateway would cut it.
 */
async function closeServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((ok) => server.close(() => ok()));
  // A connection that finished its request stays open for keep-alive: close each one as it goes idle.
  const idle = setInterval(() => server.closeIdleConnections(), 20);
  const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(idle);
  clearTimeout(cut);
}

const raise = (message: string): never => {
  throw new Error(message);
};

async function listen(server: Server, port: number, host: string): Promise<number> {
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is already in use. Stop whatever is using it, or start Funnel on another port: PORT=3001 npm start`);
    }
    throw error;
  }
  return (server.address() as { port: number }).port;
}

interface Consumers extends Pick<RunningFunnel, 'settle' | 'runDueChecks' | 'mailQueue' | 'mailEventsQueue' | 'webhookQueue' | 'exportQueue' | 'streamPoller'> {
  /** The queues as the use cases see them (SQS on AWS). */
  mailQueueEdge: MailQueue;
  webhookQueueEdge: WebhookQueue;
  exportQueueEdge: ExportQueue;
  adminQueues: () => Record<string, AdminQueue>;
  stop(): Promise<void>;
}

// Long by design: starts four consumers and returns one object whose methods close over them.
/**
 * The asynchronous side, as AWS runs it: the mail sender and the webhook sender behind queues with SQS's
 * semantics (batches, retries with backoff, dead letters), the table stream's consumer (an event source
 * mapping on AWS) and the scheduled due checks.
 */
async function startConsumers(
  options: FunnelOptions,
  { client, dynamoEndpoint, tableName, getDeps }: { client: DynamoDBClient; dynamoEndpoint: string; tableName: string; getDeps: () => AppDeps },
): Promise<Consumers> {
  // With a data folder (npm start), queues, stream checkpoints and stream dead letters live beside the
  // database, so a restart (kill -9 included) loses nothing and re-reads nothing it had handled.
  const journalOf = (name: string) => (options.dataDir ? { journal: join(options.dataDir, `queue-${name}.jsonl`) } : {});
  const queueOf = (name: string, handler: LocalQueueOptions['handler'], maxConcurrency: number, batching = { batchSize: 10, maxReceiveCount: 10 }) =>
    startLocalQueue({
      ...journalOf(name),
      name,
      handler,
      ...batching,
      maxConcurrency,
      retryBaseMs: options.mailRetryBaseMs ?? 1000,
      onDeadLetter: (messages) => getDeps().log.error(`dead letter: ${name}`, { messages: messages.length }),
    });
  const hooks = queueOf('funnel-webhooks', makeDeliverWebhooksHandler(getDeps), 5);
  const mail = queueOf('funnel-send', makeSendEmailHandler(getDeps), 2);
  const mailEvents = queueOf('funnel-mail-events', makeMailEventsHandler(getDeps), 2, { batchSize: 10, maxReceiveCount: 5 });
  const exports = queueOf('funnel-exports', makeExportLeadsHandler(getDeps), 2, { batchSize: 1, maxReceiveCount: EXPORT_JOBS.maxReceiveCount });
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
  }).catch(async (error: Error) => {
    await Promise.all([hooks.stop(), mail.stop(), mailEvents.stop(), exports.stop()]);
    throw error;
  });
  const dueChecks = makeDueChecksHandler(getDeps);
  const dueInterval = options.dueCheckIntervalMs ?? 60_000;
  let dueRun: Promise<unknown> = Promise.resolve();
  const runDueChecks = () => (dueRun = dueRun.then(dueChecks)) as Promise<{ rescored: number; queued: number; failed: number }>;
  const dueTimer =
    dueInterval > 0
      ? setInterval(() => void runDueChecks().catch((e: Error) => getDeps().log.error('due checks failed', { error: e.message })), dueInterval)
      : undefined;
  dueTimer?.unref();
  const sqs = (q: LocalQueue): AdminQueue => ({
    stats: () => q.stats(),
    redrive: () => q.redrive(),
    deadLetters: () => q.deadLetters().map((r) => ({ id: r.messageId, receives: r.attributes.ApproximateReceiveCount, body: r.body })),
  });
  return {
    mailQueue: mail,
    mailEventsQueue: mailEvents,
    webhookQueue: hooks,
    exportQueue: exports,
    streamPoller: poller,
    mailQueueEdge: {
      enqueue: (jobs, opts) =>
        mail.send(
          jobs.map((job) => JSON.stringify(job)),
          opts,
        ),
    },
    webhookQueueEdge: {
      enqueue: (jobs, opts) =>
        hooks.send(
          jobs.map((job) => JSON.stringify(job)),
          opts,
        ),
      deadLetter: async (notice) => getDeps().log.error('webhook dead-lettered', notice),
    },
    exportQueueEdge: { enqueue: (job) => exports.send([JSON.stringify(job)]) },
    adminQueues: () => ({
      'funnel-send': sqs(mail),
      'funnel-mail-events': sqs(mailEvents),
      'funnel-webhooks': sqs(hooks),
      'funnel-exports': sqs(exports),
      'lead-activity-stream': {
        stats: () => ({ deadLettered: poller.deadLetters().length }),
        redrive: () => poller.redrive(),
        deadLetters: () => poller.deadLetters().map((r) => ({ id: r.eventID ?? '', receives: 'all', body: JSON.stringify(r.dynamodb?.Keys ?? {}) })),
      },
    }),
    runDueChecks,
    // The stream feeds the queue and the sender writes to the table: wait until both are quiet.
    // Webhook retries waiting for their backoff, and mail jobs held back for a minute or more (a mailbox
    // cap, an unverified sender), do not count: settle() is "everything that can happen now has".
    settle: async () => {
      for (let round = 0; round < 2; round++) {
        await poller.idle();
        await mail.idle({ ignoreDelayedOverMs: 30_000 });
        await mailEvents.idle({ ignoreDelayed: true });
        await hooks.idle({ ignoreDelayed: true });
        await exports.idle({ ignoreDelayed: true });
      }
    },
    stop: async () => {
      clearInterval(dueTimer);
      await dueRun.catch(() => undefined);
      await poller.stop();
      await mail.stop();
      await mailEvents.stop();
      await hooks.stop();
      await exports.stop();
    },
  };
}
