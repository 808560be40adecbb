import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Destination,
  type HubSpotDestination,
  type PipedriveDestination,
  type SalesforceDestination,
  type SlackDestination,
} from '../../functions/core/destinations/config.js';
import type { WebhookOutcome } from '../../functions/core/ports.js';
import { WebhookPayload } from '../../functions/core/webhooks/payload.js';
import { FetchVendorHttp } from '../../functions/adapters/destinations/http.js';
import { VendorDestinationSender } from '../../functions/adapters/destinations/sender.js';
import { MOCK_CREDENTIALS, VendorMock } from '../../local/vendor-mock.js';
import { localDestinations } from '../../local/destinations.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SLACK_HOOK = 'https://hooks.slack.com/services/T0001/B0002/abcDEF123';
const CONSOLE = 'https://console.example.com/console/';

/** A prospect as its frozen webhook payload carries it. */
const payload = (overrides: { type?: string; company?: string | undefined; email?: string } = {}) =>
  JSON.stringify(
    WebhookPayload.parse({
      type: overrides.type ?? 'prospect.ready',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        schemaVersion: '2026-11-01',
        site: { id: 'demo', name: 'Demo Blog' },
        lead: {
          id: '0a1b2c3d-0000-4000-8000-000000000001',
          email: overrides.email ?? 'jane.doe@acme.com',
          profile: { firstName: 'Jane', lastName: 'Doe', jobTitle: 'VP Sales', ...(overrides.company !== undefined && { company: overrides.company }) },
          stage: 'sql',
          score: {
            fit: 40,
            engagement: 25,
            total: 65,
            rulesVersion: 'r1',
            computedAt: '2026-12-01T10:00:00.000Z',
            breakdown: [
              { ruleId: 'vp', label: 'Job title: VP', kind: 'fit', points: 30, original: 30 },
              { ruleId: 'ebook', label: 'Downloaded the ebook', kind: 'engagement', points: 25, original: 25 },
              { ruleId: 'work', label: 'Work email', kind: 'fit', points: 10, original: 10 },
            ],
          },
          consent: { history: [] },
          sources: {
            first: { formId: 'ebook', at: '2026-11-30T09:00:00.000Z', utm: { source: 'newsletter', campaign: 'q4' } },
            latest: { formId: 'ebook', at: '2026-11-30T09:00:00.000Z' },
          },
          stageHistory: [],
          recentTimeline: [],
          createdAt: '2026-11-30T09:00:00.000Z',
        },
      },
    }),
  );

const hubspot = (change: Partial<HubSpotDestination> = {}) =>
  Destination.parse({
    id: 'hubspot',
    kind: 'hubspot',
    events: ['prospect.ready'],
    fields: { lifecyclestage: 'stage', funnel_score: 'score.total', funnel_score_explanation: 'score.explanation', funnel_console_link: 'consoleLink' },
    note: { uniqueProperty: 'funnel_note_id' },
    ...change,
  }) as HubSpotDestination;
const salesforce = (change: Partial<SalesforceDestination> = {}) =>
  Destination.parse({
    id: 'salesforce',
    kind: 'salesforce',
    events: ['prospect.ready'],
    instanceUrl: 'https://acme.my.salesforce.com',
    auth: 'client_credentials',
    externalIdField: 'Funnel_Lead_Id__c',
    task: { externalIdField: 'Funnel_Delivery_Id__c' },
    ...change,
  }) as SalesforceDestination;
const pipedrive = (change: Partial<PipedriveDestination> = {}) =>
  Destination.parse({ id: 'pipedrive', kind: 'pipedrive', events: ['prospect.ready'], ...change }) as PipedriveDestination;
const slack = (change: Partial<SlackDestination> = {}) =>
  Destination.parse({ id: 'sales-channel', kind: 'slack', events: ['prospect.ready'], ...change }) as SlackDestination;

let mock: VendorMock;
let secrets: Record<string, string>;
let sender: VendorDestinationSender;
const sfSecret = JSON.stringify({ clientId: MOCK_CREDENTIALS.salesforce.clientId, clientSecret: MOCK_CREDENTIALS.salesforce.clientSecret });

beforeAll(async () => {
  mock = await new VendorMock().start();
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.received.length = 0;
  secrets = {
    'demo/hubspot': MOCK_CREDENTIALS.hubspotToken,
    'demo/salesforce': sfSecret,
    'demo/pipedrive': MOCK_CREDENTIALS.pipedriveToken,
    'demo/sales-channel': SLACK_HOOK,
  };
  sender = new VendorDestinationSender({
    http: new FetchVendorHttp({ allowLocalhost: true }),
    secrets: { secretOf: async (siteId, id) => secrets[`${siteId}/${id}`] ?? Promise.reject(new Error('no secret')) },
    mapping: { consoleUrl: CONSOLE },
    origins: mock.origins(),
  });
});

const deliver = (d: Destination, deliveryId = 'msg_aaaaaaaaaaaaaaaaaaaaaaaaaaa', body = payload()) => sender.deliver(d, { siteId: 'demo', deliveryId, body });
const verdictOf = (o: WebhookOutcome) => (o.kind === 'response' ? o.verdict : o.kind);

describe('Adapter: HubSpot destination, against the validating mock', () => {
  it('upserts the contact by email with the mapped properties, notes the score and why on it, and a replay makes nothing twice', async () => {
    // Act
    const first = await deliver(hubspot());
    const callsPerDelivery = mock.received.length;
    const again = await deliver(hubspot());
    // Assess: three calls (contact upsert, note upsert, association; docs/hand-off.md)
    expect(callsPerDelivery).toBe(3);
    expect(verdictOf(first)).toBe('delivered');
    expect(verdictOf(again)).toBe('delivered');
    expect(mock.invalid()).toEqual([]);
    expect(mock.hubspot.contacts.size).toBe(1);
    const contact = mock.hubspot.contacts.get('jane.doe@acme.com')!;
    expect(contact.properties).toMatchObject({
      email: 'jane.doe@acme.com',
      firstname: 'Jane',
      lastname: 'Doe',
      jobtitle: 'VP Sales',
      lifecyclestage: 'salesqualifiedlead',
      funnel_score: '65',
      funnel_console_link: `${CONSOLE}leads/0a1b2c3d-0000-4000-8000-000000000001?site=demo`,
    });
    expect(contact.properties.funnel_score_explanation).toBe(
      'Score 65 (fit 40, engagement 25): Job title: VP (+30 fit); Downloaded the ebook (+25 engagement); Work email (+10 fit)',
    );
    expect(contact.properties).not.toHaveProperty('company');
    expect(mock.hubspot.notes.size).toBe(1);
    expect([...mock.hubspot.notes.values()][0]!.properties.hs_note_body).toContain('Job title: VP (+30 fit)');
    expect(mock.hubspot.associations.size).toBe(1);
  });

  it('waits out a ten-secondly 429 by its window, a daily one by an hour; retries a refused token; fails a property HubSpot lacks', async () => {
    // Prepare
    mock.answerNext(
      'hubspot',
      { status: 429, headers: { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }, body: { status: 'error', policyName: 'TEN_SECONDLY_ROLLING' } },
      { status: 429, body: { status: 'error', policyName: 'DAILY' } },
    );
    // Act
    const secondly = await deliver(hubspot());
    const daily = await deliver(hubspot());
    secrets['demo/hubspot'] = 'pat-wrong';
    const refused = await deliver(hubspot());
    secrets['demo/hubspot'] = MOCK_CREDENTIALS.hubspotToken;
    const unknown = await deliver(hubspot({ fields: { no_such_property: 'score.total' } }));
    // Assess
    expect(secondly).toMatchObject({ status: 429, verdict: 'retry', retryAfter: '10' });
    expect(daily).toMatchObject({ status: 429, verdict: 'retry', retryAfter: '3600' });
    expect(refused).toMatchObject({ status: 401, verdict: 'retry', error: expect.stringContaining('refused the credentials') });
    expect(unknown).toMatchObject({ status: 400, verdict: 'fail', error: expect.stringContaining('no_such_property') });
    expect(mock.invalid()).toEqual([]);
  });

  it('erases the contact with its notes by HubSpot’s GDPR delete; an address HubSpot never had is done too', async () => {
    // Prepare
    await deliver(hubspot());
    // Act
    const erased = await sender.erase(hubspot(), { siteId: 'demo', email: 'jane.doe@acme.com', leadId: 'x' });
    const never = await sender.erase(hubspot(), { siteId: 'demo', email: 'nobody@acme.com', leadId: 'y' });
    // Assess
    expect(erased).toMatchObject({ verdict: 'delivered' });
    expect(never).toMatchObject({ verdict: 'delivered' });
    expect(mock.hubspot.contacts.size).toBe(0);
    expect(mock.hubspot.notes.size).toBe(0);
    expect(mock.invalid()).toEqual([]);
  });
});

describe('Adapter: Salesforce destination, against the validating mock', () => {
  beforeEach(() => {
    mock.salesforce.leads.clear();
    mock.salesforce.tasks.clear();
  });

  it('upserts the Lead by its external id and a Task by the delivery in one composite request, with one token; a replay makes nothing twice', async () => {
    // Prepare
    const tokensBefore = mock.salesforce.tokenRequests;
    // Act
    const first = await deliver(salesforce());
    const again = await deliver(salesforce());
    // Assess
    expect(verdictOf(first)).toBe('delivered');
    expect(verdictOf(again)).toBe('delivered');
    expect(mock.invalid()).toEqual([]);
    expect(mock.salesforce.tokenRequests - tokensBefore).toBe(1);
    // The token asked for once; a new Lead without a Company takes a second composite request (with
    // Salesforce's "[not provided]"), the replay one.
    expect(mock.received.filter((r) => r.path.endsWith('/composite'))).toHaveLength(3);
    expect(mock.received).toHaveLength(4);
    expect(mock.salesforce.leads.size).toBe(1);
    const lead = mock.salesforce.leads.get('0a1b2c3d-0000-4000-8000-000000000001')!;
    // Salesforce requires a Company: a lead who never gave one gets Salesforce's own "[not provided]".
    expect(lead.fields).toMatchObject({ Email: 'jane.doe@acme.com', FirstName: 'Jane', LastName: 'Doe', Title: 'VP Sales', Company: '[not provided]' });
    expect(mock.salesforce.tasks.size).toBe(1);
    expect([...mock.salesforce.tasks.values()][0]!.fields).toMatchObject({ WhoId: lead.Id, Status: 'Completed', Subject: 'Funnel: prospect.ready' });
  });

  it('never overwrites what sales typed: an update sends only what the lead gave, no "[not provided]"', async () => {
    // Prepare: the Lead made without a company; sales then types it in Salesforce.
    await deliver(salesforce());
    mock.salesforce.leads.get('0a1b2c3d-0000-4000-8000-000000000001')!.fields.Company = 'Acme Corp';
    // Act
    const next = await deliver(salesforce(), 'msg_ggggggggggggggggggggggggggg');
    // Assess
    expect(verdictOf(next)).toBe('delivered');
    expect(mock.salesforce.leads.get('0a1b2c3d-0000-4000-8000-000000000001')!.fields.Company).toBe('Acme Corp');
    expect(JSON.stringify(mock.received.at(-1)!.body)).not.toContain('[not provided]');
  });

  it('takes a token endpoint’s 200 without a token, and a composite answer without its parts, for failures to retry, never deliveries', async () => {
    // Prepare
    for (const id of ['salesforce-4', 'salesforce-5', 'salesforce-6']) secrets[`demo/${id}`] = sfSecret;
    mock.answerNext('salesforce', { status: 200, body: { token_type: 'Bearer' } });
    // Act
    const noToken = await deliver(salesforce({ id: 'salesforce-4' }));
    mock.answerNext('salesforce', 'pass', { status: 200, body: {} });
    const noParts = await deliver(salesforce({ id: 'salesforce-5' }));
    mock.answerNext('salesforce', { status: 200, body: { token_type: 'Bearer' } });
    const erase = await sender.erase(salesforce({ id: 'salesforce-6' }), { siteId: 'demo', email: 'x@acme.com', leadId: 'x' });
    // Assess
    expect(noToken).toMatchObject({ verdict: 'retry', error: expect.stringContaining('NO_ACCESS_TOKEN') });
    expect(noParts).toMatchObject({ verdict: 'retry', error: expect.stringContaining('NO_COMPOSITE_RESPONSE') });
    expect(verdictOf(erase as WebhookOutcome)).toBe('retry');
    expect(mock.salesforce.leads.size).toBe(0);
  });

  it('never quotes a malformed secret in the delivery log', async () => {
    // Prepare: a client secret pasted alone, where JSON was expected
    secrets['demo/salesforce-7'] = 'E4F5A1B2C3D4-the-real-client-secret';
    // Act
    const outcome = await deliver(salesforce({ id: 'salesforce-7' }));
    // Assess
    expect(outcome).toMatchObject({ kind: 'network', code: 'ESECRET', message: expect.stringContaining('it is not JSON') });
    expect(JSON.stringify(outcome)).not.toMatch(/E4F5|real-client-secret/);
  });

  it('asks for a new token when the session expired and delivers in the same try; waits an hour on REQUEST_LIMIT_EXCEEDED', async () => {
    // Prepare
    await deliver(salesforce());
    mock.expireSalesforceSessions();
    const tokensBefore = mock.salesforce.tokenRequests;
    // Act
    const renewed = await deliver(salesforce());
    mock.answerNext('salesforce', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
    const limited = await deliver(salesforce(), 'msg_bbbbbbbbbbbbbbbbbbbbbbbbbbb');
    // Assess
    expect(verdictOf(renewed)).toBe('delivered');
    expect(mock.salesforce.tokenRequests - tokensBefore).toBe(1);
    expect(limited).toMatchObject({ status: 403, verdict: 'retry', retryAfter: '3600' });
  });

  it('fails for good what no retry fixes (an external-id field the org lacks), with Salesforce’s words; retries refused client credentials', async () => {
    // Act
    const missing = await deliver(salesforce({ externalIdField: 'No_Such_Field__c' }));
    secrets['demo/salesforce-2'] = JSON.stringify({ clientId: 'mock-client', clientSecret: 'wrong' });
    const refused = await deliver(salesforce({ id: 'salesforce-2' }));
    const unset = await deliver(salesforce({ id: 'salesforce-3' }));
    // Assess
    expect(missing).toMatchObject({ status: 404, verdict: 'fail', error: expect.stringContaining('No_Such_Field__c') });
    expect(refused).toMatchObject({ status: 400, verdict: 'retry', error: expect.stringContaining('refused the credentials') });
    expect(unset).toMatchObject({ kind: 'network', code: 'ESECRET', message: expect.stringContaining('no secret') });
    expect(mock.salesforce.leads.size).toBe(0);
  });

  it('signs in with the JWT bearer flow (RS256 assertion from the connected app, for the user), verified by the mock with the app’s public key', async () => {
    // Prepare
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwtMock = await new VendorMock({
      salesforce: { ...MOCK_CREDENTIALS.salesforce, jwtPublicKey: await exportSPKI(publicKey), username: 'integration@acme.com' },
    }).start();
    secrets['demo/salesforce'] = JSON.stringify({ clientId: 'mock-client', username: 'integration@acme.com', privateKey: await exportPKCS8(privateKey) });
    const jwtSender = new VendorDestinationSender({
      http: new FetchVendorHttp({ allowLocalhost: true }),
      secrets: { secretOf: async (s, id) => secrets[`${s}/${id}`]! },
      mapping: {},
      origins: jwtMock.origins(),
    });
    // Act
    const outcome = await jwtSender.deliver(salesforce({ auth: 'jwt_bearer' }), {
      siteId: 'demo',
      deliveryId: 'msg_ccccccccccccccccccccccccccc',
      body: payload(),
    });
    await jwtMock.close();
    // Assess
    expect(verdictOf(outcome)).toBe('delivered');
    expect(jwtMock.salesforce.leads.size).toBe(1);
    expect(jwtMock.invalid()).toEqual([]);
  });

  it('erases the Lead (its Tasks with it) by external id; a Lead already gone is done', async () => {
    // Prepare
    await deliver(salesforce());
    // Act
    const erased = await sender.erase(salesforce(), { siteId: 'demo', email: 'jane.doe@acme.com', leadId: '0a1b2c3d-0000-4000-8000-000000000001' });
    const again = await sender.erase(salesforce(), { siteId: 'demo', email: 'jane.doe@acme.com', leadId: '0a1b2c3d-0000-4000-8000-000000000001' });
    // Assess
    expect(erased).toMatchObject({ verdict: 'delivered' });
    expect(again).toMatchObject({ verdict: 'delivered' });
    expect(mock.salesforce.leads.size).toBe(0);
    expect(mock.salesforce.tasks.size).toBe(0);
  });
});

describe('Adapter: Pipedrive destination, against the validating mock', () => {
  beforeEach(() => {
    mock.pipedrive.persons.clear();
    mock.pipedrive.leads.clear();
  });

  it('adds the person and a lead on them; the next event updates the person and adds no second lead', async () => {
    // Act
    const first = await deliver(pipedrive());
    const firstCalls = mock.received.length;
    const next = await deliver(pipedrive(), 'msg_ddddddddddddddddddddddddddd', payload({ company: 'Acme' }));
    // Assess: four calls the first time (search, add person, list leads, add lead), three after (search, update, list)
    expect([firstCalls, mock.received.length - firstCalls]).toEqual([4, 3]);
    // The update sends what the lead gave, never the name, emails or phones sales keep on the person.
    expect(mock.received[firstCalls + 1]).toMatchObject({ method: 'PATCH', body: { job_title: 'VP Sales' } });
    expect(mock.received[firstCalls + 1]!.body).not.toHaveProperty('emails');
    expect(mock.received[firstCalls + 1]!.body).not.toHaveProperty('name');
    expect([verdictOf(first), verdictOf(next)]).toEqual(['delivered', 'delivered']);
    expect(mock.invalid()).toEqual([]);
    expect(mock.pipedrive.persons.size).toBe(1);
    const person = [...mock.pipedrive.persons.values()][0]!;
    expect(person).toMatchObject({ name: 'Jane Doe', job_title: 'VP Sales', emails: [{ value: 'jane.doe@acme.com', primary: true }] });
    expect([...mock.pipedrive.leads.values()]).toEqual([
      expect.objectContaining({ title: 'Jane Doe (Demo Blog)', person_id: person.id, origin_id: 'funnel:0a1b2c3d-0000-4000-8000-000000000001' }),
    ]);
  });

  it('an answer lost after Pipedrive made the person, or the lead, is retried, and the retry finds what was made: one person, one lead', async () => {
    // Prepare: the person is added but the answer is lost (search, add person); then the lead (search, update, list, add lead).
    const lost = { status: 502, afterHandling: true } as const;
    mock.answerNext('pipedrive', 'pass', lost, 'pass', 'pass', 'pass', lost);
    // Act
    const personLost = await deliver(pipedrive());
    const leadLost = await deliver(pipedrive());
    const retried = await deliver(pipedrive());
    // Assess
    expect([verdictOf(personLost), verdictOf(leadLost), verdictOf(retried)]).toEqual(['retry', 'retry', 'delivered']);
    expect(mock.pipedrive.persons.size).toBe(1);
    expect(mock.pipedrive.leads.size).toBe(1);
    expect(mock.invalid()).toEqual([]);
  });

  it('waits a 429 out by its Retry-After, and erases the person with the leads Funnel made', async () => {
    // Prepare
    await deliver(pipedrive());
    mock.answerNext('pipedrive', { status: 429, headers: { 'retry-after': '7' }, body: { success: false, error: 'Rate limit exceeded' } });
    // Act
    const limited = await deliver(pipedrive());
    const erased = await sender.erase(pipedrive(), { siteId: 'demo', email: 'jane.doe@acme.com', leadId: '0a1b2c3d-0000-4000-8000-000000000001' });
    // Assess
    expect(limited).toMatchObject({ status: 429, verdict: 'retry', retryAfter: '7' });
    expect(erased).toMatchObject({ verdict: 'delivered' });
    expect(mock.pipedrive.persons.size).toBe(0);
    expect(mock.pipedrive.leads.size).toBe(0);
    expect(mock.invalid()).toEqual([]);
  });
});

describe('Adapter: Slack destination, against the validating mock', () => {
  beforeEach(() => {
    mock.slack.messages.length = 0;
  });

  it('posts a Block Kit message with what the config shows only: no name, no address by default', async () => {
    // Act
    const outcome = await deliver(slack(), 'msg_eeeeeeeeeeeeeeeeeeeeeeeeeee', payload({ company: 'Acme' }));
    // Assess
    expect(verdictOf(outcome)).toBe('delivered');
    expect(mock.invalid()).toEqual([]);
    expect(mock.slack.messages).toHaveLength(1);
    expect(mock.received).toHaveLength(1);
    const text = JSON.stringify(mock.slack.messages[0]!.body);
    expect(text).toContain('Prospect ready for sales: Acme');
    // Every mrkdwn object is taken as written: no auto-linking, no @here parsed out of what a visitor typed.
    expect(text.match(/"type":"mrkdwn"/g)!.length).toBe(text.match(/"verbatim":true/g)!.length);
    expect(text).toContain('Job title: VP (+30 fit)');
    expect(text).toContain(`<${CONSOLE}leads/0a1b2c3d-0000-4000-8000-000000000001?site=demo|Open in the Funnel console>`);
    expect(text).not.toMatch(/jane|doe/i);
  });

  it('shows the name and address when the config allows them', async () => {
    // Act
    await deliver(slack({ show: ['name', 'email', 'score'] }));
    // Assess
    const text = JSON.stringify(mock.slack.messages[0]!.body);
    expect(text).toContain('Jane Doe');
    expect(text).toContain('jane.doe@acme.com');
    expect(text).not.toContain('Open in the Funnel console');
  });

  it('disables on a hook Slack says is gone, waits a 429 out, and cannot erase (a posted message stays)', async () => {
    // Prepare
    mock.answerNext('slack', { status: 404, body: 'no_service' }, { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    // Act
    const gone = await deliver(slack());
    const limited = await deliver(slack());
    const erase = await sender.erase(slack(), { siteId: 'demo', email: 'jane.doe@acme.com', leadId: 'x' });
    // Assess
    expect(gone).toMatchObject({ status: 404, verdict: 'disable', error: expect.stringContaining('no_service') });
    expect(limited).toMatchObject({ status: 429, verdict: 'retry', retryAfter: '30' });
    expect(erase).toMatchObject({ kind: 'unsupported' });
  });

  it('escapes what a visitor typed, so a company called "<!channel>" pings nobody and links nowhere', async () => {
    // Act
    await deliver(slack(), 'msg_fffffffffffffffffffffffffff', payload({ company: '<!channel> <https://evil.example|click> & co' }));
    // Assess: every text Slack parses as mrkdwn (the notification text, the sections) has it escaped; the
    // header is plain text, which Slack shows as typed.
    const body = mock.slack.messages[0]!.body as { text: string; blocks: unknown[] };
    const parsed = [body.text, ...JSON.stringify(body.blocks).match(/"type":"mrkdwn","text":"[^"]*"/g)!];
    expect(parsed.join('\n')).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co');
    expect(parsed.filter((t) => t.includes('<!channel>'))).toEqual([]);
    expect(JSON.stringify(body.blocks[0])).toContain('"type":"plain_text","text":"Prospect ready for sales: <!channel>');
    expect(mock.invalid()).toEqual([]);
  });

  it('never posts to a secret that is not a Slack hook URL', async () => {
    // Prepare
    secrets['demo/sales-channel'] = 'https://evil.example.com/services/T1/B2/x';
    // Act
    const outcome = await deliver(slack());
    // Assess
    expect(outcome).toMatchObject({ verdict: 'retry', error: expect.stringContaining('not a Slack incoming-webhook URL') });
    expect(mock.received).toEqual([]);
  });
});

describe('The local funnel’s live destinations', () => {
  it('never quotes a malformed credentials file in the delivery log', async () => {
    // Prepare: a file with a token in it, broken by a missing quote
    const file = join(mkdtempSync(join(tmpdir(), 'funnel-live-')), 'destination-secrets.json');
    writeFileSync(file, '{"demo/hubspot": pat-na1-the-real-token}');
    const { sender: live } = await localDestinations({ sites: [] }, { mode: 'live', secretsFile: file }, 'http://localhost/console/');
    // Act
    const outcome = await live.deliver(hubspot(), { siteId: 'demo', deliveryId: 'msg_hhhhhhhhhhhhhhhhhhhhhhhhhhh', body: payload() });
    // Assess
    expect(outcome).toMatchObject({ kind: 'network', code: 'ESECRET', message: expect.stringContaining('is not JSON') });
    expect(JSON.stringify(outcome)).not.toMatch(/real-token|demo\/hub|pat-na1/);
  });
});

describe('The validating mock', () => {
  it('refuses, and records, a request that does not match the vendor’s API description (a number where HubSpot takes a string)', async () => {
    // Act
    const answer = await new FetchVendorHttp({ allowLocalhost: true }).call({
      method: 'POST',
      url: `${mock.origins().hubspot}/crm/v3/objects/contacts/batch/upsert`,
      headers: { authorization: `Bearer ${MOCK_CREDENTIALS.hubspotToken}` },
      json: { inputs: [{ id: 'x@acme.com', idProperty: 'email', properties: { funnel_score: 65 } }] },
    });
    // Assess
    expect(answer).toMatchObject({ kind: 'response', status: 400 });
    expect(mock.invalid()).toHaveLength(1);
    expect(mock.invalid()[0]!.problems.join(' ')).toMatch(/funnel_score.*string/);
  });
});
