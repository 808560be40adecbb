import { emailKey } from '../../functions/core/email.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../functions/adapters/memory.js';
import type { LeadView } from '../../functions/core/contracts.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import type { LocalEmail } from '../../local/ses.js';
import { aSubmission, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Nurture end to end on the local runtime: HTTP submission → DynamoDB Local → table stream → mail queue →
 * sender → the SES emulator (aws-ses-v2-local, real SES v2 API) ; time moves by a fake clock and the
 * scheduler is run by hand, never by sleeping.
 */
const clock = new FakeClock(new Date('2026-11-22T10:00:00.000Z')); // Sunday, 05:00 in New York
let funnel: RunningFunnel;
const READER = `reader-${Date.now()}@acme.com`;

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: endpoint,
    tableName,
    logLevel: 'silent',
    clock,
    rawConfig: testConfig(),
    dueCheckIntervalMs: 0,
    mailRetryBaseMs: 20,
  });
});
afterAll(() => funnel?.stop());

const submit = async (body: unknown, formId = 'ebook') => {
  const res = await fetch(`${funnel.url}/v1/forms/${formId}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: funnel.url },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const inbox = async (to = READER): Promise<LocalEmail[]> => (await funnel.ses.emails()).filter((e) => e.destination.to.includes(to));
const headerOf = (email: LocalEmail, name: string) => email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
/** The scheduler's run (EventBridge every minute on AWS), then the queue and sender settle. */
const tick = async (at: string) => {
  clock.set(at);
  await funnel.runDueChecks();
  await funnel.settle();
};

describe('Nurture on the local runtime (DynamoDB Local, stream, queue, SES emulator)', () => {
  let leadId: string;
  let unsubscribeUrl: string;

  it('delivers the lead magnet within the same settle as the submission, with the RFC 8058 headers', async () => {
    // Act
    const created = await submit(aSubmission().withEmail(READER).build());
    await funnel.settle();
    // Assess
    expect(created.status).toBe(202);
    leadId = (await funnel.deps.leads.findByEmail('demo', emailKey(READER)))!.leadId;
    const [delivery, ...rest] = await inbox();
    expect(rest).toEqual([]);
    expect(delivery).toMatchObject({ from: '"Acme" <hello@acme.example>', subject: 'Your copy of The Serverless Funnel Playbook' });
    expect(delivery!.body.html).toContain('serverless-funnel-playbook.pdf');
    expect(headerOf(delivery!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    unsubscribeUrl = headerOf(delivery!, 'List-Unsubscribe')!.slice(1, -1);
    expect(unsubscribeUrl.startsWith(`${funnel.url}/v1/unsubscribe?token=`)).toBe(true);
    expect(delivery!.body.text).toContain(unsubscribeUrl);
  });

  it('sends step 1 when the clock reaches its window (not before), and step 2 after its delay', async () => {
    await tick('2026-11-24T13:59:00.000Z');
    expect(await inbox()).toHaveLength(1);
    await tick('2026-11-24T14:00:00.000Z');
    expect((await inbox()).map((e) => e.subject).at(-1)).toBe('Three ideas from the playbook you can use this week');
    await tick('2026-11-27T14:00:30.000Z');
    expect((await inbox()).map((e) => e.subject)).toEqual([
      'Your copy of The Serverless Funnel Playbook',
      'Three ideas from the playbook you can use this week',
      'How Acme could double trial sign-ups',
    ]);
  });

  it('a one-click unsubscribe (POST from the mail client) stops the sequence: no step 3', async () => {
    // Act
    const res = await fetch(unsubscribeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    await funnel.settle();
    await tick('2026-12-01T14:00:00.000Z');
    await tick('2026-12-15T14:00:00.000Z');
    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'unsubscribed' });
    expect(await inbox()).toHaveLength(3);
    const lead: LeadView = await (await fetch(`${funnel.url}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json();
    expect(lead.mail).toMatchObject({
      unsubscribedAt: expect.any(String),
      sequences: [{ sequenceId: 'ebook-nurture', status: 'exited', exitReason: 'unsubscribed', stepsSent: 2 }],
    });
    expect(lead.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['email_sent', 'unsubscribed', 'sequence_exited']));
  });

  it('shows a confirmation page on GET (a link scanner does not unsubscribe anyone) and an HTML answer to the button', async () => {
    // Act
    const page = await fetch(unsubscribeUrl, { headers: { accept: 'text/html' } });
    const html = await page.text();
    const button = await fetch(unsubscribeUrl, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'via=page',
    });
    // Assess
    expect(page.status).toBe(200);
    expect(html).toContain('<form method="post"');
    expect(button.status).toBe(200);
    expect(await button.text()).toContain('You are unsubscribed');
  });

  it('answers a bad or missing token with a 4xx naming the field', async () => {
    const bad = await fetch(`${funnel.url}/v1/unsubscribe?token=u1.bm9wZQ.AAAA`, { method: 'POST' });
    const missing = await fetch(`${funnel.url}/v1/confirm`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'invalid_token', message: expect.any(String), fields: { token: 'is not a valid link token' } } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.fields).toEqual({ token: 'is required' });
  });

  it('double opt-in: the confirmation link in the email confirms, then the delivery arrives; a second click is harmless', async () => {
    // Prepare
    const reader = `confirm-${Date.now()}@acme.com`;
    const config = testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true));
    const { endpoint, tableName } = await freshTable();
    const other = await startFunnel({
      port: 0,
      dynamoEndpoint: endpoint,
      tableName,
      logLevel: 'silent',
      clock,
      rawConfig: config,
      dueCheckIntervalMs: 0,
      mailRetryBaseMs: 20,
    });
    try {
      const res = await fetch(`${other.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: other.url },
        body: JSON.stringify(aSubmission().withEmail(reader).build()),
      });
      expect((await res.json()).next).toEqual({ type: 'confirm-email' });
      await other.settle();
      const mine = async () => (await other.ses.emails()).filter((e) => e.destination.to.includes(reader));
      // On a loaded machine the stream record can surface after one settle: wait for the email itself.
      for (const deadline = Date.now() + 10_000; (await mine()).length === 0 && Date.now() < deadline; ) await other.settle();
      const [confirmation] = await mine();
      const link = /href="([^"]+\/v1\/confirm\?token=[^"]+)"/.exec(confirmation!.body.html!)![1]!;
      // Act
      const first = await fetch(link, { headers: { accept: 'text/html' } });
      await other.settle();
      const second = await fetch(link);
      await other.settle();
      // Assess
      expect(first.status).toBe(200);
      expect(await first.text()).toContain('Email address confirmed');
      expect(await second.json()).toEqual({ status: 'already-confirmed' });
      expect((await mine()).map((e) => e.subject)).toEqual(['Please confirm your email address', 'Your copy of The Serverless Funnel Playbook']);
    } finally {
      await other.stop();
    }
  });
});
