import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { newWebhookSecret } from '../functions/adapters/webhooks/signer.js';
import { InvalidConfigError, localEnv, parseConfig } from '../functions/core/config.js';
import { DataDirInUseError, lockDataDir } from './instance.js';
import { startFunnel } from './runtime.js';
import { loadConfigFile } from './config-file.js';
import { startBanner } from './banner.js';

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
const sesPort = Number(process.env.SES_PORT ?? 8005);
if (!Number.isInteger(sesPort) || sesPort < 0 || sesPort > 65535) {
  console.error(`SES_PORT must be a port number, not "${process.env.SES_PORT}"`);
  process.exit(1);
}
// The config file (or FUNNEL_CONFIG): a syntax or import error in it is a message, not a stack trace.
const rawConfig = await loadConfigFile().catch((error: Error) => {
  console.error(`Funnel could not read its config: ${error.message}`);
  process.exit(1);
});
mkdirSync(DATA_DIR, { recursive: true });
// One funnel per data folder: a second DynamoDB Local on the same files would corrupt both.
let lock: ReturnType<typeof lockDataDir>;
try {
  lock = lockDataDir(DATA_DIR, 'npm start');
} catch (error) {
  console.error(error instanceof DataDirInUseError ? error.message : `Funnel could not start: ${(error as Error).message}`);
  process.exit(1);
}
if (process.argv.includes('--fresh')) rmSync(`${DATA_DIR}/dynamodb`, { recursive: true, force: true });

/** A local secret that survives restarts (kept in .data/, git-ignored) unless its environment variable is set. */
function localSecret(envName: string, fileName: string, make: () => string): string {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  const file = `${DATA_DIR}/${fileName}`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = make();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
const devApiKey = () => localSecret('FUNNEL_API_KEY', 'dev-api-key', () => `fnl_dev_${randomBytes(24).toString('base64url')}`);
/** Webhook signing secrets by `site/endpoint`, kept so receivers keep verifying across restarts. */
function webhookSecrets(): Record<string, string> {
  const file = `${DATA_DIR}/webhook-secrets.json`;
  const known = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  // Only the endpoint ids matter here; the URL the config gets does not.
  const config = parseConfig(rawConfig, localEnv(`http://localhost:${port}`));
  let changed = false;
  for (const site of config.sites) {
    for (const e of site.webhooks ?? []) {
      if (known[`${site.id}/${e.id}`]) continue;
      known[`${site.id}/${e.id}`] = newWebhookSecret();
      changed = true;
    }
  }
  if (changed) writeFileSync(file, `${JSON.stringify(known, null, 2)}\n`, { mode: 0o600 });
  return known;
}
/** Signs visitor tokens; kept so a visitor's tracking survives a restart. */
const tokenSecret = () => localSecret('FUNNEL_TOKEN_SECRET', 'visitor-token-secret', () => randomBytes(32).toString('base64url'));

try {
  const funnel = await startFunnel({
    port,
    sesPort,
    dataDir: `${DATA_DIR}/dynamodb`,
    apiKey: devApiKey(),
    tokenSecret: tokenSecret(),
    webhookSecrets: webhookSecrets(),
    // CRM destinations go to each vendor's validating mock unless FUNNEL_DESTINATIONS=live (docs/hand-off.md).
    destinations: process.env.FUNNEL_DESTINATIONS === 'live' ? { mode: 'live', secretsFile: `${DATA_DIR}/destination-secrets.json` } : { mode: 'mock' },
    rawConfig,
    logLevel: (process.env.LOG_LEVEL as 'info') ?? 'warn',
  });
  const { url } = funnel;
  // How the CLIs (`npm run rescore`, `webhooks`, `snippet`, `api-key`…) find this funnel.
  lock.update({ url, dynamoEndpoint: funnel.dynamoEndpoint, tableName: funnel.tableName, mailViewerUrl: funnel.ses.viewerUrl });
  console.log(
    startBanner({
      url,
      widgetBrotliBytes: funnel.widgetBrotliBytes,
      widgetGzipBytes: funnel.widgetGzipBytes,
      mailViewerUrl: funnel.ses.viewerUrl,
      dynamoEndpoint: funnel.dynamoEndpoint,
      tableName: funnel.tableName,
      dataDir: DATA_DIR,
      apiKey: funnel.apiKey,
      siteIds: parseConfig(rawConfig, localEnv(url)).sites.map((s) => s.id),
      pid: process.pid,
    }),
  );

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
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // `npm start` runs this process in npm's place (the script execs node), so a signal to npm's pid lands
  // here. Should the parent die without one (kill -9), this process is re-parented: stop then too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && shutdown('parent process exited'), 500).unref();
} catch (error) {
  console.error(error instanceof InvalidConfigError ? error.message : `Funnel could not start: ${(error as Error).message}`);
  lock.release();
  process.exit(1);
}
