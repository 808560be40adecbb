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

  it('spreads the log over 16 partitions by lead, and lists the newest of all of them first', async () => {
    // Prepare: 64 deliveries of leads in every shard, their event times interleaved across shards
    const table = await freshTable();
    const store = new DynamoWebhookStore({ client: table.doc, tableName: table.tableName });
    const hex = '0123456789abcdef';
    const deliveries = Array.from({ length: 64 }, (_, i) => ({
      siteId: 'demo',
      emailKey: `${hex[i % 16]}${String(i).padStart(63, '0')}`,
      deliveryId: `msg_${String(i).padStart(24, '0')}`,
      endpointId: 'crm',
      type: 'lead.qualified',
      leadId: `lead_${i}`,
      eventAt: new Date(Date.UTC(2026, 10, 22, 10, 0, (i * 7) % 64)).toISOString(),
      createdAt: '2026-11-22T10:00:00.000Z',
      body: '{}',
    }));
    await store.create(deliveries);

    // Act
    const newest = await store.forEndpoint('demo', 'crm', { limit: 5 });
    const all = await store.forEndpoint('demo', 'crm', { limit: 100 });

    // Assess
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const pointers = (await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items!.filter((i) => String(i.PK).startsWith('WHLOG#'));
    expect(new Set(pointers.map((p) => p.PK)).size).toBe(16);
    const byTimeDesc = [...deliveries].sort((a, b) => b.eventAt.localeCompare(a.eventAt)).map((d) => d.deliveryId);
    expect(newest.map((d) => d.deliveryId)).toEqual(byTimeDesc.slice(0, 5));
    expect(all.map((d) => d.deliveryId)).toEqual(byTimeDesc);
  }, 60_000);
});

describe('Adapter: DynamoWebhookStore.lease on DynamoDB Local', () => {
  it('lets one worker hold a delivery’s try: a second is refused until the lease ends or the try is recorded', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoWebhookStore({ client: table.doc, tableName: table.tableName });
    const delivery = {
      siteId: 'demo',
      emailKey: 'b'.repeat(64),
      deliveryId: 'msg_leaseleaseleaselease0001',
      endpointId: 'hubspot',
      type: 'prospect.ready',
      leadId: 'lead_1',
      eventAt: '2026-12-01T10:00:00.000Z',
      createdAt: '2026-12-01T10:00:00.000Z',
      body: '{}',
    };
    await store.create([delivery]);
    const [stored] = await store.pending(delivery, 'hubspot');
    // Act
    const first = await store.lease(stored!, '2026-12-01T10:01:30.000Z', '2026-12-01T10:00:00.000Z');
    const second = await store.lease(stored!, '2026-12-01T10:01:40.000Z', '2026-12-01T10:00:10.000Z');
    const afterItEnded = await store.lease(stored!, '2026-12-01T10:03:00.000Z', '2026-12-01T10:01:31.000Z');
    await store.recordAttempt(
      stored!,
      { at: '2026-12-01T10:01:32.000Z', result: 'retry', status: 503, latencyMs: 5 },
      { status: 'pending', nextAttemptAt: '2026-12-01T10:02:00.000Z' },
    );
    const staleView = await store.lease(stored!, '2026-12-01T10:04:00.000Z', '2026-12-01T10:02:00.000Z');
    const [fresh] = await store.pending(delivery, 'hubspot');
    const nextTry = await store.lease(fresh!, '2026-12-01T10:04:00.000Z', '2026-12-01T10:02:00.000Z');
    // Assess
    expect([first, second, afterItEnded, staleView, nextTry]).toEqual([true, false, true, false, true]);
  });
});
