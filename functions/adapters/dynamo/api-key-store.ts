import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKey, ApiKeyStore } from '../../core/ports.js';
import { keys } from './keys.js';

/**
 * API keys by the SHA-256 of their secret. Look-ups are cached per process for a minute: an
 * authenticated caller costs one read a minute, not one per request (revocation takes effect within it).
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

  /** Store a key (by hash only). Used by `npm run api-key` and the local runtime's dev key. */
  async save(hash: string, key: ApiKey, createdAt: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.apiKey(hash), entity: 'apiKey', ...key, createdAt } }));
  }
}
