import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import rawConfig from '../config/funnel.config.js';
import { ConfigIndex, parseConfig } from './core/config.js';
import { lazy } from './core/lazy.js';
import type { Clock } from './core/ports.js';
import { DynamoApiKeyStore } from './adapters/dynamo/api-key-store.js';
import { DynamoLeadRepository } from './adapters/dynamo/lead-repository.js';
import { FixedWindowRateLimiter, randomIds, systemClock } from './adapters/memory.js';
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
  /** Defaults to `config/funnel.config.ts`. */
  rawConfig?: unknown;
  clock?: Clock;
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

/**
 * The one composition root: the only place adapters are constructed. Lambda reaches it through
 * `fromEnvironment`; the local runtime and the tests call `compose` with their own table and client.
 */
export function compose(options: ComposeOptions): AppDeps {
  const config = new ConfigIndex(parseConfig(options.rawConfig ?? rawConfig));
  const client = DynamoDBDocumentClient.from(options.dynamo ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const clock = options.clock ?? systemClock;
  return {
    config,
    clock,
    ids: randomIds,
    leads: new DynamoLeadRepository({ client, tableName: options.tableName }),
    apiKeys: new DynamoApiKeyStore({ client, tableName: options.tableName }),
    rateLimiter: new FixedWindowRateLimiter(clock),
    log: jsonLogger(options.logLevel ?? 'info'),
  };
}

/** Built on first use (a Lambda cold start) from the function's environment. */
export const fromEnvironment = lazy(() => {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const level = process.env.LOG_LEVEL;
  return compose({ tableName, logLevel: level === 'warn' || level === 'error' || level === 'silent' ? level : 'info' });
});
