import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { type InvalidConfigError, localEnv, parseConfig } from '../../functions/core/config.js';
import { mapFields, scoreExplanation } from '../../functions/core/destinations/mapping.js';
import { emailKey } from '../../functions/core/email.js';
import { WebhookPayload } from '../../functions/core/webhooks/payload.js';
import { makeDeliverWebhooksHandler } from '../../functions/handlers/deliver-webhooks.js';
import { DestinationErasureError, ERASE_DELAY_SECONDS, eraseAtDestination } from '../../functions/use-cases/destinations.js';
import { eraseLead } from '../../functions/use-cases/privacy.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { DELIVERY_LEASE_MS, deliverWebhooks, raiseWebhooks, replayDelivery } from '../../functions/use-cases/webhooks.js';
import { WEBHOOK_QUEUE } from '../../infra/stateless-stack.js';
import { hubspotApi } from '../../local/vendor-apis/hubspot.js';
import { main as vendorApis, missingOperations } from '../../scripts/vendor-apis.js';
import { aSubmission, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';

const JANE = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
const KEY = { name: 'test', siteIds: ['*'] };
const ready = (at = '2026-11-22T11:00:00.000Z') => ({ kind: 'stage' as const, change: { from: 'mql' as const, to: 'sql' as const, at } });

/** The demo site with a HubSpot, a Salesforce and a Slack destination beside its webhook endpoint. */
const withDestinations = () =>
  testConfig((c) => {
    c.sites[0]!.destinations = [
      { id: 'hubspot', kind: 'hubspot', events: ['prospect.ready'], fields: { funnel_score: 'score.total' } },
      {
        id: 'salesforce',
        kind: 'salesforce',
        events: ['lead.qualified', 'prospect.ready'],
        instanceUrl: 'https://acme.my.salesforce.com',
        auth: 'client_credentials',
        externalIdField: 'Funnel_Lead_Id__c',
      },
      { id: 'sales-channel', kind: 'slack', events: ['prospect.ready'] },
    ];
  });

async function aLead() {
  const t = fakeDeps({ rawConfig: withDestinations() });
  await submitForm(t.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
  return t;
}

describe('Config: destinations', () => {
  const site = (destinations: unknown[]) =>
    testConfig((c) => {
      (c.sites[0] as { destinations?: unknown[] }).destinations = destinations;
    });
  const problems = (destinations: unknown[]) => {
    try {
      parseConfig(site(destinations), localEnv());
      return [];
    } catch (error) {
      return [...(error as InvalidConfigError).problems];
    }
  };

  it('takes each kind, with Slack showing no name and no address unless asked', () => {
    // Act
    const config = parseConfig(withDestinations(), localEnv());
    // Assess
    const slack = config.sites[0]!.destinations!.find((d) => d.kind === 'slack')!;
    expect(slack).toMatchObject({ show: ['company', 'jobTitle', 'stage', 'score', 'reasons', 'source', 'consoleLink'] });
    expect(config.sites[0]!.destinations!.find((d) => d.kind === 'salesforce')).toMatchObject({ apiVersion: 'v62.0' });
  });

  it('refuses an id a webhook endpoint has, a profile field no form asks for, a lead field that does not exist, and a host that is not Salesforce’s', () => {
    // Act
    const found = problems([
      { id: 'crm', kind: 'slack', events: ['prospect.ready'] },
      { id: 'hs', kind: 'hubspot', events: ['prospect.ready'], fields: { shoe_size: 'profile.shoeSize', score: 'score.totl' } },
      {
        id: 'sf',
        kind: 'salesforce',
        events: ['prospect.ready'],
        instanceUrl: 'https://evil.example.com',
        auth: 'client_credentials',
        externalIdField: 'X__c',
      },
    ]).join('\n');
    // Assess
    expect(found).toContain('duplicate endpoint id "crm"');
    expect(found).toContain('no form of this site has a field "shoeSize"');
    expect(found).toMatch(/fields.score.*must be one of/);
    expect(found).toContain('must be a Salesforce My Domain URL');
  });
});

describe('Core: mapping a lead to a destination’s fields', () => {
  const lead = WebhookPayload.parse({
    type: 'prospect.ready',
    timestamp: '2026-12-01T10:00:00.000Z',
    data: {
      schemaVersion: '2026-11-01',
      site: { id: 'demo', name: 'Demo Blog' },
      lead: {
        id: 'L1',
        email: 'a@acme.com',
        profile: { firstName: 'Ann' },
        stage: 'sql',
        score: {
          fit: 10,
          engagement: -5,
          total: 5,
          rulesVersion: 'r',
          computedAt: 'x',
          breakdown: [
            { ruleId: 'b', label: 'Small', kind: 'fit', points: 10, original: 10 },
            { ruleId: 'a', label: 'Idle', kind: 'engagement', points: -15, original: -15 },
            { ruleId: 'c', label: 'Zero', kind: 'engagement', points: 0, original: 4 },
          ],
        },
        consent: { history: [] },
        sources: { first: { formId: 'f', at: 'x', utm: { campaign: 'q4' } }, latest: { formId: 'g', at: 'y' } },
        stageHistory: [],
        recentTimeline: [],
        createdAt: 'x',
      },
    },
  });

  it('explains the score by its biggest rules first, leaving out rules worth nothing now', () => {
    expect(scoreExplanation(lead.data.lead.score)).toBe('Score 5 (fit 10, engagement -5): Idle (-15 engagement); Small (+10 fit)');
    expect(scoreExplanation(undefined)).toBeUndefined();
  });

  it('takes the first source with a value, and leaves out fields the lead has no value for (never blanking the CRM’s)', () => {
    expect(
      mapFields(lead, { Company: ['profile.company', 'siteName'], LastName: 'profile.lastName', Campaign: 'source.utm.campaign', Link: 'consoleLink' }, {}),
    ).toEqual({ Company: 'Demo Blog', Campaign: 'q4' });
  });
});

describe('Use case: deliveries to destinations', () => {
  it('raises one delivery per subscribed destination beside the webhook endpoint, and sends each its frozen payload', async () => {
    // Prepare
    const t = await aLead();
    // Act
    const deliveries = await raiseWebhooks(t.deps, ref, ready());
    for (const job of t.webhookQueue.take()) await deliverWebhooks(t.deps, job);
    // Assess
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual(['crm', 'hubspot', 'sales-channel', 'salesforce']);
    expect(t.destinations.delivered.map((d) => d.destinationId).sort()).toEqual(['hubspot', 'sales-channel', 'salesforce']);
    const hub = deliveries.find((d) => d.endpointId === 'hubspot')!;
    expect(t.destinations.delivered.find((d) => d.destinationId === 'hubspot')).toEqual({
      destinationId: 'hubspot',
      siteId: 'demo',
      deliveryId: hub.deliveryId,
      body: hub.body,
    });
    expect((await t.webhooks.find(hub.deliveryId))?.status).toBe('delivered');
  });

  it('waits as long as the vendor asked (a 429’s Retry-After), logs its words, and a replay sends the same delivery again', async () => {
    // Prepare
    const t = await aLead();
    t.destinations.answer({
      kind: 'response',
      status: 429,
      latencyMs: 3,
      verdict: 'retry',
      retryAfter: '600',
      error: "429: HubSpot's TEN_SECONDLY_ROLLING limit",
    });
    const [hub] = (await raiseWebhooks(t.deps, ref, ready())).filter((d) => d.endpointId === 'hubspot');
    const now = t.clock.now().getTime();
    // Act
    await deliverWebhooks(t.deps, { ...ref, endpointId: 'hubspot' });
    const waiting = (await t.webhooks.find(hub!.deliveryId))!;
    t.clock.set(waiting.nextAttemptAt!);
    await deliverWebhooks(t.deps, { ...ref, endpointId: 'hubspot' });
    await replayDelivery(t.deps, hub!.deliveryId);
    await deliverWebhooks(t.deps, { ...ref, endpointId: 'hubspot' });
    // Assess
    expect(Date.parse(waiting.nextAttemptAt!) - now).toBeGreaterThanOrEqual(600_000);
    expect(waiting.attempts[0]).toMatchObject({ result: 'retry', status: 429, error: "429: HubSpot's TEN_SECONDLY_ROLLING limit" });
    expect(t.destinations.delivered.filter((d) => d.destinationId === 'hubspot').map((d) => d.deliveryId)).toEqual([
      hub!.deliveryId,
      hub!.deliveryId,
      hub!.deliveryId,
    ]);
  });

  it('disables a destination whose vendor says it is gone (a Slack hook removed), dead-letters the delivery, and holds the next', async () => {
    // Prepare
    const t = await aLead();
    t.destinations.answer({ kind: 'response', status: 404, latencyMs: 3, verdict: 'disable', error: '404 no_service: the incoming webhook is gone' });
    await raiseWebhooks(t.deps, ref, ready());
    // Act
    const result = await deliverWebhooks(t.deps, { ...ref, endpointId: 'sales-channel' });
    await raiseWebhooks(t.deps, ref, ready('2026-11-23T11:00:00.000Z'));
    const held = await deliverWebhooks(t.deps, { ...ref, endpointId: 'sales-channel' });
    // Assess
    expect(result.note).toBe('endpoint disabled (404 no_service: the incoming webhook is gone)');
    expect(await t.webhooks.disabledAt('demo', 'sales-channel')).toBeDefined();
    expect(t.webhookQueue.deadLetters).toEqual([expect.objectContaining({ endpointId: 'sales-channel', reason: expect.stringContaining('no_service') })]);
    expect(held.note).toBe('endpoint disabled');
  });

  it('fails for good what the vendor refused for good (a field it lacks), and goes on with the next event', async () => {
    // Prepare
    const t = await aLead();
    t.destinations.answer({ kind: 'response', status: 400, latencyMs: 3, verdict: 'fail', error: '400: Property "funnel_score" does not exist' });
    await raiseWebhooks(t.deps, ref, ready());
    // Act
    await deliverWebhooks(t.deps, { ...ref, endpointId: 'hubspot' });
    // Assess
    const [delivery] = await t.webhooks.forEndpoint('demo', 'hubspot', { limit: 5 });
    expect(delivery).toMatchObject({ status: 'failed', attempts: [{ result: 'failed', error: '400: Property "funnel_score" does not exist' }] });
  });
});

describe('Use case: one worker at a time on a destination’s lane', () => {
  it('two workers on the same lead and destination (a repeated queue message): the vendor is called once', async () => {
    // Prepare
    const t = await aLead();
    await raiseWebhooks(t.deps, ref, ready());
    const job = { ...ref, endpointId: 'sales-channel' };
    // Act
    const [a, b] = await Promise.all([deliverWebhooks(t.deps, job), deliverWebhooks(t.deps, job)]);
    // Assess
    expect(t.destinations.delivered.filter((d) => d.destinationId === 'sales-channel')).toHaveLength(1);
    expect([a.note, b.note]).toContain('another worker is delivering this lane');
  });

  it('holds the lease longer than a sender run, and lets it go long before the queue gives the job to another worker', () => {
    expect(DELIVERY_LEASE_MS).toBeGreaterThan(WEBHOOK_QUEUE.functionTimeoutSeconds * 1000);
    // The webhook queue's visibility timeout is six sender timeouts (infra/stateless-stack.ts).
    expect(DELIVERY_LEASE_MS).toBeLessThan(6 * WEBHOOK_QUEUE.functionTimeoutSeconds * 1000);
  });
});

describe('Use cases: erasure reaches the destinations', () => {
  it('queues the erasure at each destination that can delete (not Slack), delayed past any delivery in flight, before erasing the lead', async () => {
    // Prepare
    const t = await aLead();
    const lead = (await t.deps.leads.findByEmail('demo', ref.emailKey))!;
    // Act
    await eraseLead(t.deps, KEY, lead.leadId);
    // Assess
    expect(t.webhookQueue.erasures).toEqual([
      { kind: 'erase', destinationId: 'hubspot', siteId: 'demo', email: JANE, leadId: lead.leadId, delaySeconds: ERASE_DELAY_SECONDS },
      { kind: 'erase', destinationId: 'salesforce', siteId: 'demo', email: JANE, leadId: lead.leadId, delaySeconds: ERASE_DELAY_SECONDS },
    ]);
    expect(await t.deps.leads.findByEmail('demo', ref.emailKey)).toBeUndefined();
  });

  it('waits longer than a sender run and an API call take together, so no delivery writes the person back after the vendor deleted them', () => {
    // The API Gateway integration times out at 29 s; the sender function at WEBHOOK_QUEUE.functionTimeoutSeconds.
    expect(ERASE_DELAY_SECONDS).toBeGreaterThan(WEBHOOK_QUEUE.functionTimeoutSeconds + 29);
    expect(ERASE_DELAY_SECONDS).toBeLessThanOrEqual(900);
  });

  it('erases at the vendor; a refusal throws (the queue retries, then dead-letters); a destination gone from the config is skipped', async () => {
    // Prepare
    const t = await aLead();
    const job = { kind: 'erase' as const, siteId: 'demo', destinationId: 'hubspot', email: JANE, leadId: 'L1' };
    // Act
    const erased = await eraseAtDestination(t.deps, job);
    t.destinations.answer({ kind: 'response', status: 503, latencyMs: 1, verdict: 'retry', error: '503: unavailable' });
    const refused = eraseAtDestination(t.deps, job);
    // Assess
    expect(erased).toBe('erased');
    await expect(refused).rejects.toThrow(DestinationErasureError);
    expect(await eraseAtDestination(t.deps, { ...job, destinationId: 'removed' })).toBe('not configured');
    expect(await eraseAtDestination(t.deps, { ...job, destinationId: 'sales-channel' })).toBe('unsupported');
  });

  it('the webhook sender takes erasure jobs off its queue, and reports a refused one for redelivery', async () => {
    // Prepare
    const t = await aLead();
    const handler = makeDeliverWebhooksHandler(() => t.deps);
    const body = JSON.stringify({ kind: 'erase', siteId: 'demo', destinationId: 'salesforce', email: JANE, leadId: 'L1' });
    const event = { Records: [{ messageId: 'm1', body, attributes: { ApproximateReceiveCount: '1' } }] } as unknown as SQSEvent;
    // Act
    const ok = await handler(event);
    t.destinations.answer({ kind: 'response', status: 403, latencyMs: 1, verdict: 'retry', error: 'REQUEST_LIMIT_EXCEEDED' });
    const failed = await handler(event);
    // Assess
    expect(ok.batchItemFailures).toEqual([]);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(t.destinations.erased).toHaveLength(2);
  });
});

describe('Script: npm run vendor-apis', () => {
  it('prints its usage: exit 0 on --help, 1 with no folder or one that is not there', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect([vendorApis(['--help']), vendorApis([]), vendorApis(['/no/such/folder'])]).toEqual([0, 1, 1]);
    expect(out.mock.calls[0]![0]).toMatch(/^Usage: npm run vendor-apis -- <folder with hubspot-contacts-v3\.json/);
    expect(err.mock.calls[1]![0]).toMatch(/^No folder \/no\/such\/folder\./);
    out.mockRestore();
    err.mockRestore();
  });

  it('names a transcribed operation the published documents lack', () => {
    // Prepare: the published documents with the notes upsert taken out.
    const published = structuredClone(hubspotApi);
    delete published.paths['/crm/v3/objects/notes/batch/upsert'];
    // Act & Assess
    expect(missingOperations(hubspotApi, [published])).toEqual(['POST /crm/v3/objects/notes/batch/upsert']);
    expect(missingOperations(hubspotApi, [hubspotApi])).toEqual([]);
  });
});
