import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { InvalidConfigError } from '../functions/core/config.js';
import { localClient, startDynamoLocal, type LocalDynamo } from '../local/dynamo.js';
import { findRunning, lockDataDir } from '../local/instance.js';

/**
 * What every CLI shares: how it finds the running local funnel (its lock file in the data folder), which
 * table it talks to, and how an expected failure becomes one clear line and exit code 1.
 */

/** The table of the local funnel. */
export const LOCAL_TABLE = 'funnel';

/** The local funnel's data folder (FUNNEL_DATA_DIR, default .data). */
export const dataDirOf = (env: Record<string, string | undefined> = process.env) => env.FUNNEL_DATA_DIR || '.data';

/** An expected failure (bad flag, nothing running, 4xx from the API): printed as one line, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * An API's error answer as a CliError: the status and message, each field's problem on a line of its own,
 * and the flag that sets a query parameter the server named (`query.site` → `--site`).
 * @example apiError(400, body, { 'query.site': '--site' }) // "400: Invalid query.site\n  query.site is required: … (demo, blog): pass --site <id>"
 */
export function apiError(status: number, body: unknown, flags: Record<string, string> = {}): CliError {
  const error = (body as { error?: { message?: string; fields?: Record<string, string> } } | undefined)?.error;
  const fields = Object.entries(error?.fields ?? {}).map(([path, problem]) => `  ${path} ${problem}${flags[path] ? `: pass ${flags[path]} <value>` : ''}`);
  return new CliError([`${status}: ${error?.message ?? 'the API refused the request'}`, ...fields].join('\n'));
}

/**
 * Parse a command's arguments; a bad flag is a CliError that ends with the command's usage.
 * @example const { values } = parseCli({ args, options: { help: { type: 'boolean' } } }, USAGE)
 */
export function parseCli<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${usage}`);
  }
}

/**
 * The API to talk to: `--api`, else FUNNEL_API_URL, else the local funnel running on the data folder.
 * @throws CliError when none is given and no local funnel runs
 */
export function apiUrlOf(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const given = flag ?? env.FUNNEL_API_URL;
  if (given) {
    if (!/^https?:\/\/[^\s"<>]+$/i.test(given)) throw new CliError(`--api must be an http(s) URL, not "${given}"`);
    return given.replace(/\/+$/, '');
  }
  const running = findRunning(dataDirOf(env));
  if (running?.url) return running.url;
  throw new CliError(
    `No local funnel is running on ${dataDirOf(env)}${running ? ` (pid ${running.pid} is still starting)` : ''}: start one with \`npm start\` (and FUNNEL_DATA_DIR if it uses another folder), or pass --api <url> for a deployed one.`,
  );
}

/**
 * The API key for `api`: `--key`, else FUNNEL_API_KEY, else the local funnel's dev key when `api` is the
 * local funnel of the data folder (the dev key is never sent anywhere else).
 */
export function apiKeyOf(api: string, flag: string | undefined, env: Record<string, string | undefined> = process.env): string | undefined {
  const dataDir = dataDirOf(env);
  const local = findRunning(dataDir)?.url === api;
  return flag ?? env.FUNNEL_API_KEY ?? (local && existsSync(`${dataDir}/dev-api-key`) ? readFileSync(`${dataDir}/dev-api-key`, 'utf8').trim() : undefined);
}

/**
 * Run a CLI's main: its exit code, expected failures as one line, anything else as one line naming it
 * (the stack only with DEBUG=1).
 */
export function runCli(main: () => Promise<number> | number): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        const e = error as Error;
        const expected = e instanceof CliError || e instanceof InvalidConfigError;
        console.error(expected ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}${process.env.DEBUG ? `\n${e?.stack}` : ''}`);
        process.exit(1);
      },
    );
}

export type Target = { kind: 'local'; dataDir: string } | { kind: 'endpoint'; endpoint: string; tableName: string } | { kind: 'aws'; tableName: string };

export interface Connection {
  client: DynamoDBClient;
  tableName: string;
  description: string;
  close(): Promise<void>;
}

/**
 * The DynamoDB to talk to. Locally, the running `npm start`'s DynamoDB Local when there is one (its lock,
 * `<data dir>/funnel.lock`, says where): a second DynamoDB Local on the same files fails writes with
 * InternalFailure (both hold the one SQLite file), so this never starts one while `npm start` runs.
 * Otherwise it starts DynamoDB Local on the data directory for this run and stops it after.
 */
/**
 * The table to talk to, checked to exist and answer (a missing table or an unreachable endpoint is a
 * `CliError` naming it).
 */
export async function connect(target: Target): Promise<Connection> {
  const connection = await open(target);
  try {
    await connection.client.send(new DescribeTableCommand({ TableName: connection.tableName }));
    return connection;
  } catch (error) {
    await connection.close();
    const name = (error as Error).name;
    throw new CliError(
      name === 'ResourceNotFoundException'
        ? `No table "${connection.tableName}" at ${connection.description}.`
        : `Cannot reach table "${connection.tableName}" at ${connection.description}: ${name}: ${(error as Error).message}`,
    );
  }
}

async function open(target: Target): Promise<Connection> {
  // A batch job: retry throttling longer than a request path would (the SDK backs off between attempts).
  if (target.kind === 'aws') {
    const client = new DynamoDBClient({ maxAttempts: 10 });
    const region = await client.config.region().catch(() => undefined);
    if (!region) {
      client.destroy();
      throw new CliError(
        'No AWS region for --table: set AWS_REGION (or an AWS_PROFILE that has one) to the region of the deployed stack. For the local funnel, leave out --table.',
      );
    }
    return { client, tableName: target.tableName, description: `AWS (region ${region})`, close: async () => client.destroy() };
  }
  if (target.kind === 'endpoint') {
    const { hostname } = new URL(target.endpoint);
    const local = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '::1' || hostname === '[::1]';
    const client = local ? localClient(target.endpoint) : new DynamoDBClient({ endpoint: target.endpoint, maxAttempts: 10 });
    return { client, tableName: target.tableName, description: target.endpoint, close: async () => client.destroy() };
  }
  const running = findRunning(target.dataDir);
  if (running?.dynamoEndpoint && running.tableName) {
    const client = localClient(running.dynamoEndpoint);
    return {
      client,
      tableName: running.tableName,
      description: `${running.dynamoEndpoint} (the running npm start, pid ${running.pid}, data in ${target.dataDir}/dynamodb)`,
      close: async () => client.destroy(),
    };
  }
  if (running)
    throw new Error(
      `The data folder ${target.dataDir} is in use by ${running.command} (pid ${running.pid}), which is still starting: try again in a few seconds.`,
    );
  const dbDir = `${target.dataDir}/dynamodb`;
  if (!existsSync(dbDir))
    throw new Error(`No local funnel data in ${dbDir}: run \`npm start\` and capture some leads first, or pass --table for a deployed table.`);
  // No funnel runs: hold the folder for this run, so an \`npm start\` meanwhile is refused instead of
  // starting a second DynamoDB Local on the same files.
  const lock = lockDataDir(target.dataDir, 'npm run rescore');
  let dynamo: LocalDynamo;
  try {
    dynamo = await startDynamoLocal({ dataDir: dbDir });
  } catch (error) {
    lock.release();
    throw new Error(`Could not start DynamoDB Local on ${dbDir}: ${(error as Error).message}`);
  }
  lock.update({ dynamoEndpoint: dynamo.endpoint, tableName: LOCAL_TABLE });
  return {
    client: dynamo.client,
    tableName: LOCAL_TABLE,
    description: `DynamoDB Local on ${dbDir} (started for this run)`,
    close: async () => {
      await dynamo.stop();
      lock.release();
    },
  };
}
