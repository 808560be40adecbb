import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { InvalidConfigError } from '../functions/core/config.js';
import { startFunnel } from './runtime.js';

/**
 * `npm start`: the whole funnel on this machine. Data is kept in `.data/` between runs;
 * `npm start -- --fresh` starts from an empty database; FUNNEL_DATA_DIR moves the data elsewhere.
 */
const DATA_DIR = process.env.FUNNEL_DATA_DIR ?? '.data';
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(1);
}
if (process.argv.includes('--fresh')) rmSync(`${DATA_DIR}/dynamodb`, { recursive: true, force: true });
mkdirSync(DATA_DIR, { recursive: true });

/** The dev key survives restarts (kept in .data/, git-ignored) unless FUNNEL_API_KEY is set. */
function devApiKey(): string {
  if (process.env.FUNNEL_API_KEY) return process.env.FUNNEL_API_KEY;
  const file = `${DATA_DIR}/dev-api-key`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `fnl_dev_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

try {
  const funnel = await startFunnel({ port, dataDir: `${DATA_DIR}/dynamodb`, apiKey: devApiKey(), logLevel: (process.env.LOG_LEVEL as 'info') ?? 'warn' });
  const { url } = funnel;
  console.log(`
Funnel is running.

  Demo blog        ${url}/demo
  Widget           ${url}/widget.js  (${(funnel.widgetGzipBytes / 1024).toFixed(1)} KB gzipped)
  API              ${url}/v1
  OpenAPI          ${url}/v1/openapi.json
  Health           ${url}/health
  DynamoDB Local   ${funnel.dynamoEndpoint}  (table "${funnel.tableName}", data in ${DATA_DIR}/dynamodb)
  Dev API key      ${funnel.apiKey}

Read a lead back:
  curl -H "Authorization: Bearer ${funnel.apiKey}" "${url}/v1/leads?email=you@example.com"

Ctrl-C stops everything.`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Funnel...`);
    funnel.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  console.error(error instanceof InvalidConfigError ? error.message : `Funnel could not start: ${(error as Error).message}`);
  process.exit(1);
}
