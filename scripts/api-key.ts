import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import rawConfig from '../config/funnel.config.js';
import { DynamoApiKeyStore } from '../functions/adapters/dynamo/api-key-store.js';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { ConfigIndex, parseConfig } from '../functions/core/config.js';
import { hashApiKey } from '../functions/use-cases/read-leads.js';

/**
 * Manage API keys for the read API, in the deployed table (your AWS credentials and region from the
 * environment, as for any AWS CLI tool):
 *   npm run api-key -- create --table <TableName> --site demo --name "Sales CRM"
 *   npm run api-key -- revoke --table <TableName> --key fnl_...
 * The key is printed once; only its SHA-256 is stored.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { table: { type: 'string' }, site: { type: 'string', multiple: true }, name: { type: 'string' }, key: { type: 'string' }, endpoint: { type: 'string' } },
});
const [command] = positionals;
const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const tableName = values.table ?? process.env.TABLE_NAME ?? fail('--table <TableName> is required (the stack prints it as an output)');
const client = DynamoDBDocumentClient.from(new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {}));
const store = new DynamoApiKeyStore({ client, tableName });

if (command === 'create') {
  const config = new ConfigIndex(parseConfig(rawConfig));
  const sites = values.site ?? fail('--site <siteId> is required (repeat it for several sites, or --site "*" for all)');
  for (const site of sites) if (site !== '*' && !config.findSite(site)) fail(`No site "${site}" in config/funnel.config.ts`);
  const secret = `fnl_${randomBytes(32).toString('base64url')}`;
  await store.save(hashApiKey(secret), { name: values.name ?? 'api key', siteIds: sites }, new Date().toISOString());
  console.log(`Created API key "${values.name ?? 'api key'}" for ${sites.join(', ')}. It is shown once; store it in your secret manager:\n\n  ${secret}\n`);
} else if (command === 'revoke') {
  const secret = values.key ?? fail('--key <the key> is required');
  await client.send(new UpdateCommand({ TableName: tableName, Key: keys.apiKey(hashApiKey(secret)), UpdateExpression: 'SET revokedAt = :now', ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':now': new Date().toISOString() } }));
  console.log('Revoked. Running functions stop accepting it within a minute (their key cache).');
} else {
  fail('Usage: npm run api-key -- create --table <TableName> --site <siteId> [--name <label>]\n       npm run api-key -- revoke --table <TableName> --key <key>');
}
