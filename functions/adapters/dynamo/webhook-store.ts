import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch.js';
import type { LeadRef, WebhookAttempt, WebhookDelivery, WebhookStore } from '../../core/ports.js';
import { keys } from './keys.js';
import { TABLE } from './table.js';

/**
 * Webhook deliveries in the single table. A delivery lives in its lead's partition
 * (`WH#<endpoint>#<event time>#<type>`: one Query gives a lead's deliveries to an endpoint in event
 * order), is found by id through GSI1 (`WHD#<deliveryId>`), and is listed per endpoint through a pointer
 * item (`WHLOG#<site>#<endpoint>#<shard>`). Creating one costs 2 WCU (the delivery and its pointer; 3 with the
 * GSI entry), a try 1 WCU (the log grows on the item, conditional on its length so two workers cannot
 * both record the same try).
 */
export class DynamoWebhookStore implements WebhookStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async create(deliveries: readonly Omit<WebhookDelivery, 'attempts' | 'status'>[]): Promise<void> {
    await Promise.all(
      deliveries.map(async (d) => {
        const key = keys.webhookDelivery(d.siteId, d.emailKey, d.endpointId, d.eventAt, d.type);
        // The pointer goes first: an erasure that sweeps the partition between the two writes then finds the
        // delivery and deletes its pointer with it; the other order could leave a pointer nobody finds.
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.webhookLog(d.siteId, d.endpointId, d.emailKey, d.eventAt, d.deliveryId), entity: 'webhook-log', target: key },
          }),
        );
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...key, ...keys.webhookById(d.deliveryId), entity: 'webhook', ...d, status: 'pending', attempts: [] },
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
  }

  async pending(ref: LeadRef, endpointId: string): Promise<WebhookDelivery[]> {
    return (await this.queryLead(ref, keys.webhookPrefix(endpointId))).filter((d) => d.status === 'pending');
  }

  async recordAttempt(
    delivery: WebhookDelivery,
    attempt: WebhookAttempt,
    next: { status: WebhookDelivery['status']; nextAttemptAt?: string },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhookDelivery(delivery.siteId, delivery.emailKey, delivery.endpointId, delivery.eventAt, delivery.type),
          UpdateExpression: `SET #attempts = list_append(#attempts, :attempt), #status = :status${next.nextAttemptAt ? ', #next = :next REMOVE #lease' : ' REMOVE #next, #lease'}`,
          ConditionExpression: 'size(#attempts) = :tries',
          ExpressionAttributeNames: { '#attempts': 'attempts', '#status': 'status', '#next': 'nextAttemptAt', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: {
            ':attempt': [attempt],
            ':status': next.status,
            ':tries': delivery.attempts.length,
            ...(next.nextAttemptAt && { ':next': next.nextAttemptAt }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async lease(delivery: WebhookDelivery, until: string, now: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhookDelivery(delivery.siteId, delivery.emailKey, delivery.endpointId, delivery.eventAt, delivery.type),
          UpdateExpression: 'SET #lease = :until',
          ConditionExpression: 'attribute_exists(PK) AND size(#attempts) = :tries AND (attribute_not_exists(#lease) OR #lease < :now)',
          ExpressionAttributeNames: { '#attempts': 'attempts', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: { ':until': until, ':now': now, ':tries': delivery.attempts.length },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async scheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.dueWebhook(at, ref.siteId, ref.emailKey, endpointId), entity: 'due', siteId: ref.siteId } }),
    );
  }

  async unscheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.dueWebhook(at, ref.siteId, ref.emailKey, endpointId) }));
  }

  async find(deliveryId: string): Promise<WebhookDelivery | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.webhookById(deliveryId).GSI1PK },
        Limit: 1,
      }),
    );
    const key = Items?.[0];
    if (!key) return undefined;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { PK: key.PK, SK: key.SK }, ConsistentRead: true }));
    return Item && deliveryOf(Item);
  }

  async forLead(ref: LeadRef): Promise<WebhookDelivery[]> {
    return this.queryLead(ref, keys.webhookPrefix());
  }

  async forEndpoint(siteId: string, endpointId: string, options: { limit: number }): Promise<WebhookDelivery[]> {
    // The newest `limit` of each shard, merged: the newest `limit` of all are among them.
    const shards = await Promise.all(
      keys.webhookLogPartitions(siteId, endpointId).map(
        async (pk) =>
          (
            await this.client.send(
              new QueryCommand({
                TableName: this.tableName,
                KeyConditionExpression: 'PK = :pk',
                ExpressionAttributeValues: { ':pk': pk },
                ScanIndexForward: false,
                Limit: options.limit,
              }),
            )
          ).Items ?? [],
      ),
    );
    const Items = shards
      .flat()
      .sort((a, b) => (a.SK < b.SK ? 1 : a.SK > b.SK ? -1 : 0))
      .slice(0, options.limit);
    const targets = Items.map((i) => i.target as { PK: string; SK: string });
    if (targets.length === 0) return [];
    const byKey = new Map((await batchGetAll(this.client, this.tableName, targets)).map((i) => [`${i.PK}|${i.SK}`, i]));
    // In the log's order (newest first); a delivery erased with its lead is left out.
    return targets.flatMap((t) => {
      const item = byKey.get(`${t.PK}|${t.SK}`);
      return item ? [deliveryOf(item)] : [];
    });
  }

  async reopen(delivery: WebhookDelivery, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.webhookDelivery(delivery.siteId, delivery.emailKey, delivery.endpointId, delivery.eventAt, delivery.type),
        UpdateExpression: 'SET #status = :pending, #next = :at, #replayedAt = :at',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status', '#next': 'nextAttemptAt', '#replayedAt': 'replayedAt' },
        ExpressionAttributeValues: { ':pending': 'pending', ':at': at },
      }),
    );
  }

  async disabledAt(siteId: string, endpointId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.webhookEndpoint(siteId, endpointId), ConsistentRead: true }));
    return Item?.disabledAt as string | undefined;
  }

  async setDisabled(siteId: string, endpointId: string, at: string | undefined, reason?: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.webhookEndpoint(siteId, endpointId),
        UpdateExpression: at ? 'SET #disabledAt = :at, #reason = :reason, #entity = :entity' : 'REMOVE #disabledAt, #reason',
        ExpressionAttributeNames: { '#disabledAt': 'disabledAt', '#reason': 'reason', ...(at && { '#entity': 'entity' }) },
        ...(at && { ExpressionAttributeValues: { ':at': at, ':reason': reason ?? 'disabled', ':entity': 'webhook-endpoint' } }),
      }),
    );
  }

  private async queryLead(ref: LeadRef, prefix: string): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.leadPartition(ref.siteId, ref.emailKey), ':prefix': prefix },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map(deliveryOf));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}

/** The stored item as the port's delivery (internal keys dropped). */
function deliveryOf(item: Record<string, unknown>): WebhookDelivery {
  const ref = keys.parseLeadPartition(item.PK as string)!;
  return {
    ...ref,
    deliveryId: item.deliveryId as string,
    endpointId: item.endpointId as string,
    type: item.type as string,
    leadId: item.leadId as string,
    eventAt: item.eventAt as string,
    createdAt: item.createdAt as string,
    status: item.status as WebhookDelivery['status'],
    body: item.body as string,
    attempts: (item.attempts as WebhookAttempt[] | undefined) ?? [],
    ...(typeof item.nextAttemptAt === 'string' && { nextAttemptAt: item.nextAttemptAt }),
  };
}
