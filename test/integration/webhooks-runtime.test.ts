import { emailKey } from '../../functions/core/email.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as webhooksCli } from '../../scripts/webhooks.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Hand-off end to end on the local runtime: a submission qualifies a lead → the table stream raises the
 * webhooks → the webhook queue → the sender signs and POSTs → the demo receiver (verifying with the
 * official standardwebhooks library) and a second receiver that is down at first.
 */
let funnel: RunningFunnel;
let flaky: Server;
const flakyGot: { headers: Record<string, string>; body: string; status: number }[] = [];
let failuresLeft = 1;

beforeAll(async () => {
  flaky = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = failuresLeft-- > 0 ? 503 : 200;
      flakyGot.push({ headers: req.headers as Record<string, string>, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => flaky.listen(0, '127.0.0.1', ok));
  const port = (flaky.address() as AddressInfo).port;
  // Low thresholds: a VP at a business address who downloads the ebook goes straight to sql.
  const config = testConfigFn((c) => {
    c.sites[0]!.scoring!.thresholds = { mql: { score: 10 }, sql: { score: 30 } };
    c.sites[0]!.webhooks!.push({ id: 'flaky', url: `http://localhost:${port}/hook`, events: ['prospect.ready'] });
  });
  const { endpoint, tableName } = await freshTable();
  // Real time here: standardwebhooks accepts a signature timestamp within 5 minutes of now, and the retry
  // waits real seconds on the local queue (the retry schedule itself is tested with a fake clock).
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', rawConfig: config, dueCheckIntervalMs: 0 });
});
afterAll(async () => {
  await funnel?.stop();
  flaky?.closeAllConnections();
  flaky?.close();
});

describe('Webhooks on the local runtime (stream → queue → signed POST)', () => {
  let leadId: string;

  it('delivers lead.qualified then prospect.ready to the demo receiver, each signature valid for standardwebhooks', async () => {
    // Act
    const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(aSubmission().withEmail('vp@acme.com').build()),
    });
    expect(res.status).toBe(202);
    leadId = (await funnel.deps.leads.findByEmail('demo', emailKey('vp@acme.com')))!.leadId;
    await funnel.settle();
    // Assess
    const received = funnel.inspector
      .received()
      .filter((r) => r.endpoint === 'demo/crm')
      .reverse();
    expect(received.map((r) => [r.type, r.verification])).toEqual([
      ['lead.qualified', 'valid'],
      ['prospect.ready', 'valid'],
    ]);
    const payload = JSON.parse(received[1]!.body);
    expect(payload).toMatchObject({
      type: 'prospect.ready',
      data: { schemaVersion: '2026-11-01', lead: { id: leadId, email: 'vp@acme.com', stage: 'sql', score: { total: expect.any(Number) } } },
    });
    expect(payload.data.lead.stageHistory).toEqual([expect.objectContaining({ from: 'lead', to: 'sql' })]);
    const page = await (await fetch(`${funnel.url}/webhooks`)).text();
    expect(page).toContain('✔ signature valid');
  });

  it('retries a receiver that is down, with the same webhook-id, until it is delivered; the log shows every try', async () => {
    // Act: the first try got a 503; the retry comes after ~5 s
    await new Promise((ok) => setTimeout(ok, 6_500));
    await funnel.settle();
    // Assess
    expect(flakyGot.map((g) => g.status)).toEqual([503, 200]);
    expect(new Set(flakyGot.map((g) => g.headers['webhook-id'])).size).toBe(1);
    const secret = funnel.webhookSecrets['demo/flaky']!;
    expect(new Webhook(secret).verify(flakyGot[1]!.body, flakyGot[1]!.headers)).toMatchObject({ type: 'prospect.ready' });
    const log = await (
      await fetch(`${funnel.url}/v1/webhooks/deliveries?endpoint=flaky&site=demo`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json();
    expect(log.deliveries).toEqual([
      expect.objectContaining({
        type: 'prospect.ready',
        status: 'delivered',
        attempts: [expect.objectContaining({ result: 'retry', status: 503 }), expect.objectContaining({ result: 'delivered', status: 200 })],
      }),
    ]);
    const byLead = (await (
      await fetch(`${funnel.url}/v1/webhooks/deliveries?lead=${leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json()) as {
      deliveries: { endpointId: string }[];
    };
    expect(byLead.deliveries.filter((d) => ['crm', 'flaky'].includes(d.endpointId))).toHaveLength(3);
  }, 20_000);

  it('hands the same prospect to HubSpot, Salesforce, Pipedrive and Slack through their validating mocks, each request matching the vendor’s API description', async () => {
    // Assess: the lead of the first test, qualified straight to sql
    const mock = funnel.vendorMock!;
    expect(mock.invalid()).toEqual([]);
    const byLead = (await (
      await fetch(`${funnel.url}/v1/webhooks/deliveries?lead=${leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json()) as {
      deliveries: { endpointId: string; type: string; status: string }[];
    };
    expect(
      byLead.deliveries
        .filter((d) => !['crm', 'flaky'].includes(d.endpointId))
        .map((d) => `${d.endpointId} ${d.type} ${d.status}`)
        .sort(),
    ).toEqual([
      'hubspot lead.qualified delivered',
      'hubspot prospect.ready delivered',
      'pipedrive prospect.ready delivered',
      'sales-channel prospect.ready delivered',
      'salesforce prospect.ready delivered',
    ]);
    expect(mock.hubspot.contacts.get('vp@acme.com')?.properties).toMatchObject({
      lifecyclestage: 'salesqualifiedlead',
      funnel_console_link: `${funnel.url}/console/leads/${leadId}?site=demo`,
    });
    expect(mock.hubspot.notes.size).toBe(2);
    expect(mock.salesforce.leads.get(leadId)?.fields).toMatchObject({ Email: 'vp@acme.com' });
    expect([...mock.pipedrive.persons.values()].map((p) => p.emails[0]!.value)).toEqual(['vp@acme.com']);
    expect(JSON.stringify(mock.slack.messages)).not.toContain('vp@acme.com');
    const page = await (await fetch(`${funnel.url}/webhooks`)).text();
    expect(page).toContain('✔ matches the API description');
    expect(page).toContain('/crm/v3/objects/contacts/batch/upsert');
  });

  it('replays a delivery on request with the same webhook-id (API key required)', async () => {
    // Prepare
    const [delivery] = (
      await (await fetch(`${funnel.url}/v1/webhooks/deliveries?endpoint=flaky&site=demo`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json()
    ).deliveries;
    // Act
    const denied = await fetch(`${funnel.url}/v1/webhooks/deliveries/${delivery.deliveryId}/replay`, { method: 'POST' });
    const replayed = await fetch(`${funnel.url}/v1/webhooks/deliveries/${delivery.deliveryId}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${funnel.apiKey}` },
    });
    await funnel.settle();
    // Assess
    expect(denied.status).toBe(401);
    expect(replayed.status).toBe(202);
    expect(flakyGot).toHaveLength(3);
    expect(flakyGot[2]!.headers['webhook-id']).toBe(delivery.deliveryId);
    const missing = await fetch(`${funnel.url}/v1/webhooks/deliveries/msg_doesnotexist0000000000/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${funnel.apiKey}` },
    });
    expect(missing.status).toBe(404);
  });

  it('sends the test event (webhook.test) of a test lead only, to an endpoint of its site, naming what is wrong otherwise', async () => {
    // Prepare: a test lead at the SES simulator, and the real lead of the first test
    const submitted = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(aSubmission().withEmail('success+hook@simulator.amazonses.com').build()),
    });
    expect(submitted.status).toBe(202);
    const testLead = (await funnel.deps.leads.findByEmail('demo', emailKey('success+hook@simulator.amazonses.com')))!.leadId;
    await funnel.settle();
    const send = (body: unknown, auth = true) =>
      fetch(`${funnel.url}/v1/webhooks/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth && { authorization: `Bearer ${funnel.apiKey}` }) },
        body: JSON.stringify(body),
      });

    // Act
    const sent = await send({ lead: testLead, endpoint: 'crm' });
    await funnel.settle();
    const realLead = await send({ lead: leadId, endpoint: 'crm' });
    const noEndpoint = await send({ lead: testLead, endpoint: 'nope' });
    const badBody = await send({ lead: testLead, endpoint: 'crm', extra: '<script>' });
    const noKey = await send({ lead: testLead, endpoint: 'crm' }, false);
    const unknownLead = await send({ lead: 'ld_doesnotexist000000000000', endpoint: 'crm' });

    // Assess: queued, signed and delivered as any delivery, logged with the lead
    expect(sent.status).toBe(202);
    const { deliveryId, type } = await sent.json();
    expect(type).toBe('webhook.test');
    const got = funnel.inspector.received().find((w) => w.webhookId === deliveryId)!;
    expect(got).toMatchObject({ type: 'webhook.test', verification: 'valid', leadEmail: 'success+hook@simulator.amazonses.com' });
    const logged = await (await fetch(`${funnel.url}/v1/webhooks/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json();
    expect(logged).toMatchObject({ status: 'delivered', payload: { type: 'webhook.test', data: { lead: { id: testLead } } } });
    expect(realLead.status).toBe(400);
    expect((await realLead.json()).error.fields).toEqual({ lead: expect.stringContaining('must be a test lead') });
    expect(noEndpoint.status).toBe(400);
    expect((await noEndpoint.json()).error.fields).toEqual({ endpoint: 'no endpoint "nope" in site "demo"' });
    expect(badBody.status).toBe(400);
    expect(noKey.status).toBe(401);
    expect(unknownLead.status).toBe(404);
  });

  it('npm run webhooks: lists an endpoint log, replays by id, prints a local secret, and explains a bad call', async () => {
    // Prepare
    const lines: string[] = [];
    const errors: string[] = [];
    const run = (...args: string[]) =>
      webhooksCli(
        [...args, '--api', funnel.url, '--key', funnel.apiKey],
        (l) => lines.push(l),
        (e) => errors.push(e),
      );
    const dir = mkdtempSync(join(tmpdir(), 'funnel-wh-'));
    writeFileSync(join(dir, 'webhook-secrets.json'), JSON.stringify({ 'demo/crm': 'whsec_abc' }));
    // Act
    const listed = await run('list', '--endpoint', 'flaky', '--site', 'demo');
    const id = lines
      .find((l) => l.startsWith('| msg_'))!
      .split(' | ')[0]!
      .slice(2);
    const replayed = await run('replay', id);
    await funnel.settle();
    const secret = await webhooksCli(
      ['secret', 'demo/crm'],
      (l) => lines.push(l),
      (e) => errors.push(e),
      { FUNNEL_DATA_DIR: dir },
    );
    const bad = await run('replay', 'msg_doesnotexist0000000000');
    // Assess
    expect([listed, replayed, secret, bad]).toEqual([0, 0, 0, 1]);
    // The status as it stands once queued: the local queue may have delivered it already.
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^Replaying ${id}: queued \\(status (pending|delivered)\\)\\.$`)));
    expect(lines).toContain('whsec_abc');
    expect(errors.at(-1)).toMatch(/^404: No such delivery/);
    expect(flakyGot).toHaveLength(4);
  });
});
