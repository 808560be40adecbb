import { describe, expect, it } from 'vitest';
import { DynamoWebhookStore } from '../../functions/adapters/dynamo/webhook-store.js';
import { freshTable } from '../support/dynamo.js';

describe('Adapter: DynamoWebhookStore.forEndpoint on DynamoDB Local', () => {
  it('reads an endpoint log of 250 deliveries (more than one BatchGetItem allows), newest first', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoWebhookStore({ client: table.doc, tableName: table.tableName });
    const deliveries = Array.from({ length: 250 }, (_, i) => ({
      siteId: 'demo',
      emailKey: `${String(i).padStart(3, '0')}${'a'.repeat(61)}`,
      deliveryId: `msg_${String(i).padStart(24, '0')}`,
      endpointId: 'crm',
      type: 'lead.qualified',
      leadId: `lead_${i}`,
      eventAt: new Date(Date.UTC(2026, 10, 22, 10, 0, i)).toISOString(),
      createdAt: '2026-11-22T10:00:00.000Z',
      body: '{}',
    }));
    for (let i = 0; i < deliveries.length; i += 25) await store.create(deliveries.slice(i, i + 25));
    // Act
    const log = await store.forEndpoint('demo', 'crm', { limit: 1000 });
    // Assess
    expect(log).toHaveLength(250);
    expect(log[0]!.deliveryId).toBe(deliveries.at(-1)!.deliveryId);
    expect(log.every((d) => d.status === 'pending')).toBe(true);
  }, 60_000);
});
