import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { compose, type AppDeps } from '../../functions/composition.js';
import { emailKey } from '../../functions/core/email.js';
import { eraseLead } from '../../functions/use-cases/privacy.js';
import { indexQualification, listProspects } from '../../functions/use-cases/prospects.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { raiseWebhooks } from '../../functions/use-cases/webhooks.js';
import { InMemoryWebhookQueue } from '../../functions/adapters/memory-webhooks.js';
import { localClient } from '../../local/dynamo.js';
import { aSubmission, ORIGIN, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

const KEY = { name: 'test', siteIds: ['*'] };
let deps: AppDeps;
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable();
  const config = testConfig((c) => void (c.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 }));
  deps = compose({
    tableName: table.tableName,
    dynamo: table.client,
    rawConfig: config,
    tokenSecret: async () => 'secret',
    logLevel: 'silent',
    webhookQueue: new InMemoryWebhookQueue(),
  });
});

const aLead = async (email: string) => {
  await submitForm(deps, { formId: 'ebook', body: aSubmission().withEmail(email).build(), origin: ORIGIN, clientIp: '203.0.113.9' });
  return { siteId: 'demo', emailKey: emailKey(email) };
};
/** The lead's STAGE# item, as a re-score writes it (the index numbers it). */
const qualify = async (ref: { siteId: string; emailKey: string }, stage: 'mql' | 'sql') => {
  await deps.leads.saveScore(ref, {
    score: { fit: 0, engagement: 0, total: 90, rulesVersion: 'x', computedAt: new Date().toISOString(), breakdown: [] },
    change: { type: 'stage_changed', at: new Date().toISOString(), from: 'lead', to: stage, total: 90, fit: 30, rulesVersion: 'x' },
  });
  return indexQualification(deps, ref, stage, new Date().toISOString());
};

describe('Prospects against DynamoDB Local', () => {
  it('a reader paging with limit 7 while 40 leads qualify concurrently sees each prospect exactly once', async () => {
    // Prepare
    const refs = await Promise.all(Array.from({ length: 40 }, (_, i) => aLead(`p${i}@acme.com`)));
    const seen: string[] = [];
    let cursor: string | undefined;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const page = await listProspects(deps, KEY, { stage: 'sql', limit: 7, ...(cursor && { since: cursor }) });
        seen.push(...page.prospects.map((p) => p.email));
        cursor = page.nextCursor;
      }
    })();
    // Act: 40 qualifications, 8 at a time, each indexed twice (a stream retry)
    for (let i = 0; i < refs.length; i += 8)
      await Promise.all(refs.slice(i, i + 8).flatMap((r) => [qualify(r, 'sql').then(() => indexQualification(deps, r, 'sql', new Date().toISOString()))]));
    writing = false;
    await reader;
    for (let i = 0; i < 10; i++) {
      const page = await listProspects(deps, KEY, { stage: 'sql', limit: 7, ...(cursor && { since: cursor }) });
      seen.push(...page.prospects.map((p) => p.email));
      cursor = page.nextCursor;
    }
    // Assess
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('erasure leaves nothing of the lead in its partition, its index entries or its scheduled work', async () => {
    // Prepare
    const ref = await aLead('erase-me@acme.com');
    await qualify(ref, 'mql');
    const lead = (await deps.leads.findByEmail(ref.siteId, ref.emailKey))!;
    // Act
    await eraseLead(deps, KEY, lead.leadId);
    // Assess
    const left = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.leadPartition(ref.siteId, ref.emailKey) },
      }),
    );
    expect(left.Items).toEqual([]);
    const index = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.prospectPartition('demo', 'mql', ref.emailKey[0]!) },
      }),
    );
    expect((index.Items ?? []).filter((i) => i.emailKey === ref.emailKey)).toEqual([]);
    const audit = await table.doc.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'ERASED#demo' } }),
    );
    expect(audit.Items).toEqual([expect.objectContaining({ leadId: lead.leadId, consent: [expect.objectContaining({ formId: 'ebook', granted: true })] })]);
    expect(JSON.stringify(audit.Items)).not.toContain('erase-me');
    expect(await deps.leads.findById(lead.leadId)).toBeUndefined();
  });

  /** What the table still holds of a lead outside its partition: prospect index entries and webhook log pointers. */
  const leftOutside = async (ref: { siteId: string; emailKey: string }) => {
    const query = async (pk: string) =>
      (await table.doc.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } })))
        .Items ?? [];
    const items = [
      ...(await Promise.all(keys.prospectShards.map((shard) => query(keys.prospectPartition('demo', 'mql', shard))))).flat(),
      ...(await Promise.all(keys.webhookLogPartitions('demo', 'crm').map(query))).flat(),
      ...(await query(keys.leadPartition(ref.siteId, ref.emailKey))),
    ];
    return items.filter((i) => JSON.stringify(i).includes(ref.emailKey)).map((i) => `${i.PK} ${i.SK}`);
  };

  it('an erasure landing between numbering a qualification and writing its index entry leaves no entry', async () => {
    // Prepare: the lead is MQL; the erasure runs just before the index entry is written
    const ref = await aLead('erase-mid-index@acme.com');
    await deps.leads.saveScore(ref, {
      score: { fit: 0, engagement: 0, total: 60, rulesVersion: 'x', computedAt: new Date().toISOString(), breakdown: [] },
      change: { type: 'stage_changed', at: new Date().toISOString(), from: 'lead', to: 'mql', total: 60, fit: 30, rulesVersion: 'x' },
    });
    const lead = (await deps.leads.findByEmail(ref.siteId, ref.emailKey))!;
    const prospects = Object.assign(Object.create(deps.prospects) as typeof deps.prospects, {
      putEntry: async (stage: string, entry: Parameters<typeof deps.prospects.putEntry>[1]) => {
        await eraseLead(deps, KEY, lead.leadId);
        return deps.prospects.putEntry(stage, entry);
      },
    });
    // Act
    const seq = await indexQualification({ ...deps, prospects }, ref, 'mql', new Date().toISOString());
    // Assess
    expect(seq).toBeUndefined();
    expect(await leftOutside(ref)).toEqual([]);
  });

  it.each(['webhook-log', 'webhook'])(
    "an erasure landing just before a webhook delivery's %s item is written leaves neither it nor its pointer",
    async (entity) => {
      // Prepare: a client that erases the lead just before that item is written
      const ref = await aLead(`erase-before-${entity}@acme.com`);
      const lead = (await deps.leads.findByEmail(ref.siteId, ref.emailKey))!;
      const client = localClient(table.endpoint);
      let erased = false;
      client.middlewareStack.add(
        (next) => async (args) => {
          const item = (args.input as { Item?: { entity?: { S?: string } } }).Item;
          if (!erased && item?.entity?.S === entity) {
            erased = true;
            await eraseLead(deps, KEY, lead.leadId);
          }
          return next(args);
        },
        { step: 'build' },
      );
      const racing = compose({
        tableName: table.tableName,
        dynamo: client,
        rawConfig: testConfig(),
        tokenSecret: async () => 'secret',
        logLevel: 'silent',
        webhookQueue: new InMemoryWebhookQueue(),
      });
      // Act: the stage change raises its webhooks, then the raiser sweeps as the stream consumer does
      await raiseWebhooks(racing, ref, { kind: 'stage', change: { from: 'lead', to: 'mql', at: new Date().toISOString() } });
      await racing.prospects.sweepIfErased(ref);
      // Assess
      expect(erased).toBe(true);
      expect(await leftOutside(ref)).toEqual([]);
    },
  );

  it('a claim is released only by its rep (or by anyone, for an admin), with its timeline entry; nobody’s answers so', async () => {
    // Prepare
    const ref = await aLead('release.me@acme.com');
    await deps.prospects.claim(ref, 'anna@acme.test', '2026-12-01T10:00:00.000Z');
    // Act
    const byOther = await deps.prospects.release(ref, { rep: 'ben@acme.test', by: 'ben@acme.test', at: '2026-12-01T10:01:00.000Z' });
    const byOwner = await deps.prospects.release(ref, { rep: 'anna@acme.test', by: 'anna@acme.test', at: '2026-12-01T10:02:00.000Z' });
    const again = await deps.prospects.release(ref, { by: 'boss@acme.test', at: '2026-12-01T10:03:00.000Z' });
    await deps.prospects.claim(ref, 'ben@acme.test', '2026-12-01T10:04:00.000Z');
    const byAdmin = await deps.prospects.release(ref, { by: 'boss@acme.test', at: '2026-12-01T10:05:00.000Z' });
    // Assess
    expect(byOther).toEqual({ taken: { rep: 'anna@acme.test', at: '2026-12-01T10:00:00.000Z' } });
    expect(byOwner).toEqual({ released: { rep: 'anna@acme.test', at: '2026-12-01T10:02:00.000Z' } });
    expect(again).toEqual({ notClaimed: true });
    expect(byAdmin).toEqual({ released: { rep: 'ben@acme.test', at: '2026-12-01T10:05:00.000Z' } });
    const lead = (await deps.leads.findByEmail('demo', ref.emailKey))!;
    expect(lead.claim).toBeUndefined();
    expect(lead.timeline.filter((e) => e.type === 'prospect_released')).toEqual([
      { type: 'prospect_released', at: '2026-12-01T10:02:00.000Z', rep: 'anna@acme.test', by: 'anna@acme.test' },
      { type: 'prospect_released', at: '2026-12-01T10:05:00.000Z', rep: 'ben@acme.test', by: 'boss@acme.test' },
    ]);
  });
});
