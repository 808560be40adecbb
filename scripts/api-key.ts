import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { configFileName, loadConfigFile } from '../local/config-file.js';
import { DynamoApiKeyStore } from '../functions/adapters/dynamo/api-key-store.js';
import { ConfigIndex, DEPLOYED, localEnv, parseConfig } from '../functions/core/config.js';
import { hashApiKey } from '../functions/use-cases/read-leads.js';
import { findRunning } from '../local/instance.js';
import { CliError, connect, dataDirOf, LOCAL_TABLE, parseCli, runCli, type Target } from './cli.js';

/** The config file (config/funnel.config.ts, or FUNNEL_CONFIG). */
const rawConfig = await loadConfigFile();

export const USAGE = `Usage: npm run api-key -- create --site <siteId>... [--name <label>] [--table <TableName>]
       npm run api-key -- revoke --key <fnl_…> [--table <TableName>]

Keys for the read API (/v1/leads, /v1/prospects, /v1/webhooks…). The key is printed once; only its SHA-256
is stored.

  --site <id>      a site the key may read (repeat it for several, or --site "*" for every site)
  --name <label>   what the key is for, e.g. "Sales CRM"
  --table <name>   a deployed table (the stack's TableName output), with the AWS credentials and region of
                   the environment (AWS_PROFILE, AWS_REGION…)
  --endpoint <url> another DynamoDB endpoint (table "${LOCAL_TABLE}" unless --table)

Without --table: the local funnel (FUNNEL_DATA_DIR, default .data/), through the running \`npm start\` if
there is one.`;

// Long by design: one command-line entry with its sub-commands in order; each branch is short.
/** The whole command; returns the exit code. */
export async function main(argv: string[], out = console.log, err = console.error, env: Record<string, string | undefined> = process.env): Promise<number> {
  const parsed = parseCli(
    {
      args: argv,
      allowPositionals: true,
      options: {
        table: { type: 'string' },
        site: { type: 'string', multiple: true },
        name: { type: 'string' },
        key: { type: 'string' },
        endpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  const { positionals, values } = parsed;
  const [command] = positionals;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if ((command !== 'create' && command !== 'revoke') || positionals.length > 1) {
    err(command ? `Unknown command "${positionals.join(' ')}".\n\n${USAGE}` : USAGE);
    return 1;
  }
  const target: Target = values.endpoint
    ? { kind: 'endpoint', endpoint: values.endpoint, tableName: values.table ?? LOCAL_TABLE }
    : values.table
      ? { kind: 'aws', tableName: values.table }
      : { kind: 'local', dataDir: dataDirOf(env) };

  let sites: string[] = [];
  let secret = '';
  if (command === 'create') {
    // A deployed table serves the deployed sites; the local funnel the local ones (the demo site among them).
    const config = new ConfigIndex(parseConfig(rawConfig, target.kind === 'aws' ? DEPLOYED : localEnv(findRunning(dataDirOf(env))?.url)));
    sites = values.site ?? [];
    const known = config.config.sites.map((s) => s.id);
    if (sites.length === 0)
      throw new CliError(`--site <siteId> is required (repeat it for several sites, or --site "*" for all). Sites: ${known.join(', ') || 'none'}`);
    for (const site of sites)
      if (site !== '*' && !config.findSite(site))
        throw new CliError(`No site "${site}" in ${configFileName()}${target.kind === 'aws' ? ' that is deployed' : ''}. Sites: ${known.join(', ') || 'none'}`);
  } else {
    secret = values.key ?? '';
    if (!secret) throw new CliError('--key <the key> is required: the key to revoke');
  }

  const connection = await connect(target);
  try {
    const { client, tableName } = connection;
    const doc = DynamoDBDocumentClient.from(client);
    if (command === 'create') {
      const key = `fnl_${randomBytes(32).toString('base64url')}`;
      const name = values.name ?? 'api key';
      await new DynamoApiKeyStore({ client: doc, tableName }).save(hashApiKey(key), { name, siteIds: sites }, new Date().toISOString(), 'npm run api-key');
      out(`Created API key "${name}" for ${sites.join(', ')} in ${connection.description}. It is shown once; store it in your secret manager:\n\n  ${key}\n`);
      return 0;
    }
    if (!(await new DynamoApiKeyStore({ client: doc, tableName }).revoke({ hash: hashApiKey(secret) }, new Date().toISOString())))
      throw new CliError(`No such key in ${connection.description}: nothing revoked.`);
    out('Revoked. Running functions stop accepting it within a minute (their key cache).');
    return 0;
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
