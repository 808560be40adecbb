import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import rawConfig from '../config/funnel.config.js';
import { ConfigIndex, DEPLOYED, parseConfig, type ConfigEnv } from './core/config.js';
import { lazy } from './core/lazy.js';
import type { Clock, MailQueue, Mailer, WebhookQueue, WebhookSecrets, WebhookTransport } from './core/ports.js';
import { DynamoWebhookStore } from './adapters/dynamo/webhook-store.js';
import { DynamoProspectStore } from './adapters/dynamo/prospect-store.js';
import { HttpWebhookSender } from './adapters/webhooks/http-sender.js';
import { SignedWebhookTransport } from './adapters/webhooks/transport.js';
import { DynamoApiKeyStore } from './adapters/dynamo/api-key-store.js';
import { DynamoDueChecks } from './adapters/dynamo/due-checks.js';
import { DynamoRateLimiter } from './adapters/dynamo/rate-limiter.js';
import { DynamoLeadRepository } from './adapters/dynamo/lead-repository.js';
import { DynamoNurtureStore } from './adapters/dynamo/nurture-store.js';
import { HmacMailLinks } from './adapters/mail-links.js';
import { IntervalThrottle } from './adapters/throttle.js';
import { HmacVisitorTokens } from './adapters/visitor-tokens.js';
import { FixedWindowRateLimiter, randomIds, systemClock } from './adapters/system.js';
import { LateCeiling } from './core/rate-limit.js';
import { jsonLogger, type Logger } from './adapters/logger.js';
import type { Deps } from './use-cases/deps.js';

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
  /** Sends email (SES on Lambda, the SES emulator locally). Operator scripts that send nothing may leave it out. */
  mailer?: Mailer;
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
}

/**
 * The one composition root: the only place adapters are constructed. Lambda reaches it through
 * `fromEnvironment`; the local runtime and the tests call `compose` with their own table and client.
 */
export function compose(options: ComposeOptions): AppDeps {
  const config = new ConfigIndex(parseConfig(options.rawConfig ?? rawConfig, options.configEnv ?? DEPLOYED));
  const client = DynamoDBDocumentClient.from(options.dynamo ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const clock = options.clock ?? systemClock;
  const tableName = options.tableName;
  const rateLimiter = new DynamoRateLimiter({ client, tableName, clock });
  return {
    visitorTokens: new HmacVisitorTokens({ secret: options.tokenSecret, clock }),
    due: new DynamoDueChecks({ client, tableName: options.tableName }),
    config,
    clock,
    ids: randomIds,
    leads: new DynamoLeadRepository({ client, tableName: options.tableName }),
    apiKeys: new DynamoApiKeyStore({ client, tableName: options.tableName }),
    rateLimiter,
    formCeiling: new LateCeiling(rateLimiter, clock),
    eventRateLimiter: new FixedWindowRateLimiter(clock),
    nurture: new DynamoNurtureStore({ client, tableName }),
    mailer: options.mailer ?? { send: () => notConfigured('mailer') },
    mailLinks: new HmacMailLinks({ secret: options.tokenSecret, clock, baseUrl: options.publicApiUrl ?? 'https://funnel.invalid' }),
    mailQueue: options.mailQueue ?? { enqueue: () => notConfigured('mailQueue') },
    sendThrottle: new IntervalThrottle({ concurrency: options.sendConcurrency ?? 1 }),
    webhooks: new DynamoWebhookStore({ client, tableName }),
    prospects: new DynamoProspectStore({ client, tableName }),
    webhookQueue: options.webhookQueue ?? { enqueue: () => notConfigured('webhookQueue'), deadLetter: () => notConfigured('webhookQueue') },
    webhookSecrets: options.webhookSecrets ?? { secretOf: () => notConfigured('webhookSecrets') },
    webhookTransport: options.webhookTransport ?? { send: () => notConfigured('webhookTransport') },
    log: jsonLogger(options.logLevel ?? 'info'),
  };
}

const notConfigured = (what: string): never => {
  throw new Error(`compose(): no ${what} was given, so this process cannot send email`);
};

/** Built on first use (a Lambda cold start) from the function's environment. */
export const fromEnvironment = lazy(() => {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const level = process.env.LOG_LEVEL;
  const secretArn = process.env.TOKEN_SECRET_ARN;
  // Fetched once per environment, on the first request that needs it (not every function does).
  let secret: Promise<string> | undefined;
  const loadSecret = async () => {
    if (!secretArn) throw new Error('TOKEN_SECRET_ARN is not set');
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('visitor token secret is empty');
    return SecretString;
  };
  // Cached once loaded; a failed load is forgotten so the next request tries again.
  const tokenSecret = () =>
    (secret ??= loadSecret().catch((error: unknown) => {
      secret = undefined; // a failed load is tried again by the next call, not cached
      throw error;
    }));
  // The mail clients are loaded only by the functions that send (the API's functions never do).
  const mailer: Mailer = {
    send: async (email) => {
      const { SESv2Client } = await import('@aws-sdk/client-sesv2');
      const { SesMailer } = await import('./adapters/ses/mailer.js');
      const configurationSetName = process.env.SES_CONFIGURATION_SET;
      sesMailer ??= new SesMailer({ client: new SESv2Client({}), ...(configurationSetName && { configurationSetName }) });
      return sesMailer.send(email);
    },
  };
  let sesMailer: Mailer | undefined;
  let sqsQueue: MailQueue | undefined;
  const mailQueue: MailQueue = {
    enqueue: async (jobs) => {
      const queueUrl = process.env.SEND_QUEUE_URL;
      if (!queueUrl) throw new Error('SEND_QUEUE_URL is not set');
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const { SqsMailQueue } = await import('./adapters/sqs/mail-queue.js');
      sqsQueue ??= new SqsMailQueue({ client: new SQSClient({}), queueUrl });
      return sqsQueue.enqueue(jobs);
    },
  };
  let webhookQueue: WebhookQueue | undefined;
  const lazyWebhookQueue: WebhookQueue = {
    enqueue: async (jobs, opts) => (await sqsWebhooks()).enqueue(jobs, opts),
    deadLetter: async (notice) => (await sqsWebhooks()).deadLetter(notice),
  };
  const sqsWebhooks = async () => {
    const queueUrl = process.env.WEBHOOK_QUEUE_URL;
    const deadLetterQueueUrl = process.env.WEBHOOK_DLQ_URL;
    if (!queueUrl || !deadLetterQueueUrl) throw new Error('WEBHOOK_QUEUE_URL / WEBHOOK_DLQ_URL are not set');
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const { SqsWebhookQueue } = await import('./adapters/sqs/mail-queue.js');
    return (webhookQueue ??= new SqsWebhookQueue({ client: new SQSClient({}), queueUrl, deadLetterQueueUrl }));
  };
  // One Secrets Manager secret per endpoint (WEBHOOK_SECRET_ARNS: {"site/endpoint": arn}), each read once.
  const webhookSecretCache = new Map<string, Promise<string>>();
  const webhookSecrets: WebhookSecrets = {
    secretOf: (siteId, endpointId) => {
      const name = `${siteId}/${endpointId}`;
      let cached = webhookSecretCache.get(name);
      if (!cached) {
        cached = (async () => {
          const arn = (JSON.parse(process.env.WEBHOOK_SECRET_ARNS ?? '{}') as Record<string, string>)[name];
          if (!arn) throw new Error(`no webhook secret for ${name}`);
          const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
          const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
          if (!SecretString) throw new Error(`webhook secret ${name} is empty`);
          return SecretString.startsWith('whsec_') ? SecretString : `whsec_${SecretString}`;
        })().catch((error: unknown) => {
          webhookSecretCache.delete(name);
          throw error;
        });
        webhookSecretCache.set(name, cached);
      }
      return cached;
    },
  };
  const webhookTransport = new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: false, allowHttp: 'never' }));
  return compose({
    tableName,
    tokenSecret,
    mailer,
    mailQueue,
    webhookQueue: lazyWebhookQueue,
    webhookSecrets,
    webhookTransport,
    publicApiUrl: process.env.PUBLIC_API_URL ?? 'https://invalid.example',
    sendConcurrency: Number(process.env.SEND_CONCURRENCY ?? 1) || 1,
    logLevel: level === 'warn' || level === 'error' || level === 'silent' ? level : 'info',
  });
});
