import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKey, ApiKeyInfo, ApiKeyStore } from '../../core/ports.js';
import { keys } from './keys.js';
import { queryAll } from './query.js';

/** How much of a key's hash names it in the listing: enough to tell keys apart, useless to authenticate. */
const ID_LENGTH = 16;

/**
 * API keys by the SHA-256 of their secret. Look-ups are cached per process for a minute: an
 * authenticated caller costs one read a minute, not one per request (revocation takes effect within it).
 * Each key also has a listing entry (`APIKEYS` / `KEY#<id>`), so the console lists keys with one Query.
 */
export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly cache = new Map<string, { key: ApiKey | undefined; until: number }>();
  private readonly ttlMs: number;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; cacheTtlMs?: number }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.key;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(hash) }));
    const key = Item && !Item.revokedAt ? { name: Item.name as string, siteIds: Item.siteIds as string[] } : undefined;
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(hash, { key, until: Date.now() + this.ttlMs });
    return key;
  }

  /** Store a key (by hash only) and its listing entry, in one transaction. */
  async save(hash: string, key: ApiKey, createdAt: string, createdBy?: string): Promise<void> {
    const id = hash.slice(0, ID_LENGTH);
    const info = { ...key, id, createdAt, ...(createdBy !== undefined && { createdBy }) };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...keys.apiKey(hash), entity: 'apiKey', ...info } } },
          { Put: { TableName: this.tableName, Item: { ...keys.apiKeyListing(id), entity: 'apiKeyListing', hash, ...info } } },
        ],
      }),
    );
  }

  async list(): Promise<ApiKeyInfo[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.apiKeyListing('').PK },
    });
    return items
      .map((i) => ({
        id: i.id as string,
        name: i.name as string,
        siteIds: i.siteIds as string[],
        createdAt: i.createdAt as string,
        ...(typeof i.createdBy === 'string' && { createdBy: i.createdBy }),
        ...(typeof i.revokedAt === 'string' && { revokedAt: i.revokedAt }),
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The key and its listing entry (a key made before listings existed has none: the key alone). */
  async revoke(which: { id: string } | { hash: string }, at: string): Promise<boolean> {
    let hash = 'hash' in which ? which.hash : undefined;
    if (!hash) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.apiKeyListing((which as { id: string }).id), ConsistentRead: true }),
      );
      hash = Item?.hash as string | undefined;
      if (!hash) return false;
    }
    const revoke = { UpdateExpression: 'SET revokedAt = :at', ExpressionAttributeValues: { ':at': at } };
    const { Item: listed } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.apiKeyListing(hash.slice(0, ID_LENGTH)), ProjectionExpression: 'PK', ConsistentRead: true }),
    );
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.apiKey(hash),
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt)',
                ...revoke,
              },
            },
            ...(listed ? [{ Update: { TableName: this.tableName, Key: keys.apiKeyListing(hash.slice(0, ID_LENGTH)), ...revoke } }] : []),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    this.cache.delete(hash);
    return true;
  }
}
