import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one table's physical shape, shared by the CDK stateful stack, the local runtime and the tests, so
 * they cannot drift. What goes in the keys is in `keys.ts`.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** GSI1: look a lead up by its public id (KEYS_ONLY: written once, when the lead is created). */
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /**
   * GSI2: the console's lead lists (`core/lead-index.ts`), overloaded: only index entries have its keys,
   * each carrying the lead's card (projection ALL), so a page of a list is one Query.
   */
  gsi2: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  /** Epoch seconds; DynamoDB deletes the item after it (spam records, rate-limit windows). */
  ttlAttribute: 'expiresAt',
} as const;

export const createTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE.sortKey, AttributeType: 'S' },
    { AttributeName: TABLE.gsi1.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE.gsi1.sortKey, AttributeType: 'S' },
    { AttributeName: TABLE.gsi2.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE.gsi2.sortKey, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
    { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TABLE.gsi1.name,
      KeySchema: [
        { AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
    {
      IndexName: TABLE.gsi2.name,
      KeySchema: [
        { AttributeName: TABLE.gsi2.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.gsi2.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
});
