import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import rawConfig from '../config/funnel.config.js';
import { ConfigIndex, DEPLOYED, parseConfig, type ConfigEnv } from './core/config.js';
import { lazy } from './core/lazy.js';
import type {
  Clock,
  ExportFiles,
  ExportQueue,
  MailQueue,
  Mailer,
  MailAccount,
  Metrics,
  PeopleDirectory,
  PeopleTokens,
  WebhookQueue,
  WebhookSecrets,
  WebhookTransport,
  DestinationSender,
} from './core/ports.js';
import { DynamoWebhookStore } from './adapters/dynamo/webhook-store.js';
import { DynamoProspectStore } from './adapters/dynamo/prospect-store.js';
import { DynamoApiKeyStore } from './adapters/dynamo/api-key-store.js';
import { DynamoDueChecks } from './adapters/dynamo/due-checks.js';
import { DynamoFormStats } from './adapters/dynamo/stats-store.js';
import { DynamoEmailStats } from './adapters/dynamo/email-stats-store.js';
import { DynamoRateLimiter } from './adapters/dynamo/rate-limiter.js';
import { DynamoLeadRepository } from './adapters/dynamo/lead-repository.js';
import { DynamoNurtureStore } from './adapters/dynamo/nurture-store.js';
import { HmacMailLinks } from './adapters/mail-links.js';
import { IntervalThrottle } from './adapters/throttle.js';
import { HmacVisitorTokens } from './adapters/visitor-tokens.js';
import { HmacImpressionProofs } from './adapters/impression-proofs.js';
import { FixedWindowRateLimiter, randomIds, systemClock } from './adapters/system.js';
import { LateCeiling } from './core/rate-limit.js';
import { jsonLogger, type Logger } from './adapters/logger.js';
import { lambdaLogger } from './adapters/lambda-logger.js';
import { EmfMetrics, InMemoryMetrics } from './adapters/metrics.js';
import { secretReader } from './adapters/secrets.js';
import { type Environment, type FunctionName, readEnvironment } from './environment.js';
import type { CaptureDeps, Deps, ConsoleDeps, HandoffDeps, NurtureDeps } from './use-cases/deps.js';
import { JosePeopleTokens } from './adapters/people-tokens.js';
import { DynamoAuditLog, DynamoExportJobs, DynamoLeadIndex } from './adapters/dynamo/console-store.js';
import { ClaimNames } from './core/people.js';

/** What a handler needs: the use cases' ports plus a logger. */
export interface AppDeps extends Deps {
  log: Logger;
}

export interface ComposeOptions {
  tableName: string;
  /** Defaults to a client from the environment (Lambda's role and region). */
  dynamo?: DynamoDBClient;
  /** Defaults to `config/funnel.config.ts`. An object, or a config function called with `configEnv`. */
  rawConfig?: unknown;
  /** Where the config is read. @default DEPLOYED: Lambda sees the deployed sites only */
  configEnv?: ConfigEnv;
  clock?: Clock;
  /** Signs visitor tokens. On Lambda: the Secrets Manager secret named by TOKEN_SECRET_ARN. */
  tokenSecret: () => Promise<string>;
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** @default a JSON-lines logger at `logLevel` (the local funnel, tests); Lambda passes Powertools' */
  logger?: Logger;
  /** Sends email (SES on Lambda, the SES emulator locally). Operator scripts that send nothing may leave it out. */
  mailer?: Mailer;
  /** The mail service's account (SES's on Lambda, the emulator's locally): the console's deliverability page. */
  mailAccount?: MailAccount;
  /** Carries mail jobs to the sender (SQS on Lambda, an in-process queue locally). */
  mailQueue?: MailQueue;
  /** The public API's base URL: links in emails (confirm, unsubscribe) point at it. */
  publicApiUrl?: string;
  /** How many sender environments run at once: each keeps to its share of a site's send rate. @default 1 */
  sendConcurrency?: number;
  /** Carries webhook jobs (SQS on Lambda, an in-process queue locally). */
  webhookQueue?: WebhookQueue;
  webhookSecrets?: WebhookSecrets;
  webhookTransport?: WebhookTransport;
  /** The CRM and chat destinations' adapters (the webhook sender's; the local runtime's). */
  destinations?: DestinationSender;
  /** @default counts kept in memory (Lambda passes CloudWatch embedded metrics) */
  metrics?: Metrics;
  /** Who a console token stands for. @default no one: every console route answers 401 */
  people?: PeopleTokens;
  /** Carries export jobs to the export function (SQS on Lambda, an in-process queue locally). */
  exportQueue?: ExportQueue;
  /** Export files and their links (S3 on Lambda, the data folder locally). */
  exportFiles?: ExportFiles;
  /** Who may sign in to the console (Cognito's pool, the local provider's users). @default none: managed by the operator's own provider */
  directory?: PeopleDirectory;
}

/** What every area shares: the table, the config, the clock, the token secret, the metrics. */
export interface Shared {
  client: DynamoDBDocumentClient;
  tableName: string;
  config: ConfigIndex;
  clock: Clock;
  tokenSecret: () => Promise<string>;
  metrics: Metrics;
}

export function shared(options: Pick<ComposeOptions, 'tableName' | 'dynamo' | 'rawConfig' | 'configEnv' | 'clock' | 'tokenSecret' | 'metrics'>): Shared {
  return {
    client: DynamoDBDocumentClient.from(options.dynamo ?? new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    tableName: options.tableName,
    config: new ConfigIndex(parseConfig(options.rawConfig ?? rawConfig, options.configEnv ?? DEPLOYED)),
    clock: options.clock ?? systemClock,
    tokenSecret: options.tokenSecret,
    metrics: options.metrics ?? new InMemoryMetrics(),
  };
}

/**
 * The adapters of each area, built apart so that a Lambda bundle carries only the areas its entry file
 * names (the capture function carries no nurture or hand-off adapter).
 */
export function captureArea({ client, tableName, config, clock, tokenSecret, metrics }: Shared): CaptureDeps {
  const rateLimiter = new DynamoRateLimiter({ client, tableName, clock });
  return {
    config,
    clock,
    ids: randomIds,
    leads: new DynamoLeadRepository({ client, tableName }),
    apiKeys: new DynamoApiKeyStore({ client, tableName }),
    rateLimiter,
    formCeiling: new LateCeiling(rateLimiter, clock),
    eventRateLimiter: new FixedWindowRateLimiter(clock),
    visitorTokens: new HmacVisitorTokens({ secret: tokenSecret, clock }),
    impressionProofs: new HmacImpressionProofs(tokenSecret),
    due: new DynamoDueChecks({ client, tableName }),
    stats: new DynamoFormStats(client, tableName),
    metrics,
  };
}

export function nurtureArea(
  { client, tableName, clock, tokenSecret, metrics }: Shared,
  options: Pick<ComposeOptions, 'mailer' | 'mailQueue' | 'publicApiUrl' | 'sendConcurrency' | 'mailAccount'>,
): NurtureDeps {
  return {
    nurture: new DynamoNurtureStore({ client, tableName }),
    mailer: options.mailer ?? { send: () => notConfigured('mailer') },
    mailLinks: new HmacMailLinks({ secret: tokenSecret, clock, baseUrl: options.publicApiUrl ?? 'https://funnel.invalid' }),
    mailQueue: options.mailQueue ?? { enqueue: () => notConfigured('mailQueue') },
    sendThrottle: new IntervalThrottle({ concurrency: options.sendConcurrency ?? 1 }),
    mailCaps: new DynamoRateLimiter({ client, tableName, clock }),
    emailStats: new DynamoEmailStats(client, tableName),
    mailAccount: options.mailAccount ?? {
      state: () => notConfigured('mailAccount'),
      identities: () => notConfigured('mailAccount'),
      suppressed: () => notConfigured('mailAccount'),
      unsuppress: () => notConfigured('mailAccount'),
    },
    metrics,
  };
}

export function handoffArea(
  { client, tableName, metrics }: Shared,
  options: Pick<ComposeOptions, 'webhookQueue' | 'webhookSecrets' | 'webhookTransport' | 'destinations'>,
): HandoffDeps {
  return {
    webhooks: new DynamoWebhookStore({ client, tableName }),
    prospects: new DynamoProspectStore({ client, tableName }),
    webhookQueue: options.webhookQueue ?? { enqueue: () => notConfigured('webhookQueue'), deadLetter: () => notConfigured('webhookQueue') },
    webhookSecrets: options.webhookSecrets ?? { secretOf: () => notConfigured('webhookSecrets') },
    webhookTransport: options.webhookTransport ?? { send: () => notConfigured('webhookTransport') },
    destinations: options.destinations ?? { deliver: () => notConfigured('destinations'), erase: () => notConfigured('destinations') },
    metrics,
  };
}

export function consoleArea(
  { client, tableName }: Shared,
  people: PeopleTokens,
  options: Pick<ComposeOptions, 'exportQueue' | 'exportFiles' | 'directory'> = {},
): ConsoleDeps {
  return {
    people,
    leadIndex: new DynamoLeadIndex({ client, tableName }),
    audit: new DynamoAuditLog({ client, tableName }),
    exports: new DynamoExportJobs({ client, tableName }),
    exportQueue: options.exportQueue ?? { enqueue: () => notConfigured('exportQueue') },
    exportFiles: options.exportFiles ?? { write: () => notConfigured('exportFiles'), link: () => notConfigured('exportFiles') },
    ...(options.directory && { directory: options.directory }),
  };
}

/**
 * The one composition root: the only place adapters are constructed. The local runtime, the scripts and
 * the tests call `compose` with their own table and client; Lambda functions reach the areas through
 * `fromEnvironment`.
 */
export function compose(options: ComposeOptions): AppDeps {
  const base = shared(options);
  return {
    ...captureArea(base),
    ...nurtureArea(base, options),
    ...handoffArea(base, options),
    ...consoleArea(base, options.people ?? NO_ONE, options),
    log: options.logger ?? jsonLogger(options.logLevel ?? 'info'),
  };
}

const notConfigured = (what: string): never => {
  throw new Error(`compose(): no ${what} was given, so this process cannot use it`);
};

/** A Lambda function's shared pieces, logger and checked environment (functions/environment.ts). */
export interface LambdaBase extends Shared {
  log: Logger;
  env: Environment;
}

/**
 * A Lambda function's dependencies, built on first use (its cold start) from its environment by `build`,
 * which names the areas the function uses and the edges (SQS, SES, webhook transport) its entry file
 * passes from the `environment.ts` files under `adapters/`. Secrets come through the Parameters and Secrets extension.
 */
export const fromEnvironment = <D>(name: FunctionName, build: (base: LambdaBase) => D): (() => D) =>
  lazy(() => {
    const env = readEnvironment(name, process.env);
    const tokenSecret = env.TOKEN_SECRET_ARN
      ? secretReader(env.TOKEN_SECRET_ARN)
      : () => Promise.reject(new Error(`the ${name} function reads no token secret`));
    return build({
      ...shared({ tableName: env.TABLE_NAME!, tokenSecret, metrics: new EmfMetrics(env.FUNNEL_STACK!) }),
      log: lambdaLogger(env.LOG_LEVEL!),
      env,
    });
  });

/** Every area, for functions that touch all three (the API groups beyond capture, the consumers). */
export const allAreas = (
  base: LambdaBase,
  edges: Parameters<typeof nurtureArea>[1] & Parameters<typeof handoffArea>[1] & Pick<ComposeOptions, 'exportQueue' | 'exportFiles' | 'directory'> = {},
): AppDeps => ({
  ...captureArea(base),
  ...nurtureArea(base, {
    ...edges,
    // Only the sender writes links and keeps to a share of the send rate; the others never use these.
    publicApiUrl: base.env.PUBLIC_API_URL ?? 'https://invalid.example',
    sendConcurrency: base.env.SEND_CONCURRENCY ?? 1,
  }),
  ...handoffArea(base, edges),
  ...consoleArea(base, peopleOf(base.env), edges),
  log: base.log,
});

/** A console that names no issuer signs no one in. */
export const NO_ONE: PeopleTokens = { verify: async () => undefined };

/** The console's token check from the function's environment (CONSOLE_ISSUER, CONSOLE_AUDIENCE, CONSOLE_ROLES_CLAIM), or no one. */
const peopleOf = (env: Environment): PeopleTokens =>
  env.CONSOLE_ISSUER && env.CONSOLE_AUDIENCE
    ? new JosePeopleTokens({
        issuer: env.CONSOLE_ISSUER,
        audience: env.CONSOLE_AUDIENCE,
        claims: ClaimNames.parse(env.CONSOLE_ROLES_CLAIM ? { roles: env.CONSOLE_ROLES_CLAIM } : {}),
      })
    : NO_ONE;
