import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable, localClient } from '../../local/dynamo.js';

/** A new, empty table in the run's DynamoDB Local, so test files never see each other's data. */
export async function freshTable() {
  const endpoint = inject('dynamoEndpoint');
  const client = localClient(endpoint);
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { endpoint, client, doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), tableName };
}
