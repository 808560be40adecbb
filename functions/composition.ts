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
import { lambdaLogger } from './adapters/lambda-logger.js';
import { secretReader } from './adapters/secrets.js';
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
  /** @default a JSON-lines logger at `logLevel` (the local funnel, tests); Lambda passes Powertools' */
  logger?: Logger;
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
    log: options.logger ?? jsonLogger(options.logLevel ?? 'info'),
  };
}

const notConfigured = (what: string): never => {
  throw new Error(`compose(): no ${what} was given, so this process cannot send email`);
};

/**
 * The AWS services beyond DynamoDB a function talks to. Each entry file passes those it uses (from
 * `adapters/sqs/environment.ts`, `adapters/ses/environment.ts`), so a bundle carries only its own clients:
 * the capture function has no SQS, SES or Secrets Manager client at all.
 */
export interface Edges {
  mailer?: Mailer;
  mailQueue?: MailQueue;
  webhookQueue?: WebhookQueue;
}

/**
 * A Lambda function's dependencies, built on first use (its cold start) from its environment and the edges
 * its entry file passes. Secrets come through the Parameters and Secrets extension (`adapters/secrets.ts`).
 */
export const fromEnvironment = (edges: () => Edges = () => ({})) =>
  lazy(() => {
    const tableName = process.env.TABLE_NAME;
    if (!tableName) throw new Error('TABLE_NAME is not set');
    const level = process.env.LOG_LEVEL;
    const tokenSecretArn = process.env.TOKEN_SECRET_ARN;
    const tokenSecret = tokenSecretArn ? secretReader(tokenSecretArn) : () => Promise.reject(new Error('TOKEN_SECRET_ARN is not set'));
    // One secret per webhook endpoint (WEBHOOK_SECRET_ARNS: {"site/endpoint": arn}), in the Standard Webhooks form.
    const webhookSecretArns = JSON.parse(process.env.WEBHOOK_SECRET_ARNS ?? '{}') as Record<string, string>;
    const readers = new Map(Object.entries(webhookSecretArns).map(([name, arn]) => [name, secretReader(arn)]));
    const webhookSecrets: WebhookSecrets = {
      secretOf: async (siteId, endpointId) => {
        const read = readers.get(`${siteId}/${endpointId}`);
        if (!read) throw new Error(`no webhook secret for ${siteId}/${endpointId}`);
        const secret = await read();
        return secret.startsWith('whsec_') ? secret : `whsec_${secret}`;
      },
    };
    return compose({
      tableName,
      tokenSecret,
      ...edges(),
      webhookSecrets,
      webhookTransport: new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: false, allowHttp: 'never' })),
      publicApiUrl: process.env.PUBLIC_API_URL ?? 'https://invalid.example',
      sendConcurrency: Number(process.env.SEND_CONCURRENCY ?? 1) || 1,
      logger: lambdaLogger(level === 'warn' || level === 'error' || level === 'silent' ? level : 'info'),
    });
  });
