import { describe, expect, it } from 'vitest';
import { parseSesEvent } from '../../functions/adapters/ses/events.js';
import { InMemoryMailAccount } from '../../functions/adapters/memory-mail.js';
import { CONSOLE_TEST_ADDRESS, emailKey } from '../../functions/core/email.js';
import { RateLimitedError, SiteLimitedError, TestNotSentError, ValidationError } from '../../functions/core/errors.js';
import type { Person } from '../../functions/core/people.js';
import { deliverability, emailPreview, sendTestEmail, suppressions, TEST_SENDS_PER_HOUR, unsuppress } from '../../functions/use-cases/email-desk.js';
import { emailsReport } from '../../functions/use-cases/email-report.js';
import { testEventForSales } from '../../functions/use-cases/handoff-desk.js';
import { handleMailJob } from '../../functions/use-cases/send-mail.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { SimulatedSesEvents } from '../../local/ses-events.js';
import { aSubmission, fakeDeps, ORIGIN } from '../support/builders.js';

const MARKETER: Person = { sub: 'm1', email: 'mia@acme.test', roles: ['marketer'], siteIds: ['*'] };
const ADMIN: Person = { sub: 'a1', email: 'ada@acme.test', roles: ['admin'], siteIds: ['*'] };
const ELSEWHERE: Person = { sub: 'm2', roles: ['marketer'], siteIds: ['other'] };

describe("Use case: the emails page (each form's emails, each sequence and its steps)", () => {
  it('lists every email the config can send with its numbers and rates, each sequence with its enrolments and exits by reason', async () => {
    // Prepare
    const t = fakeDeps();
    t.clock.set('2026-11-23T12:00:00Z');
    await t.emailStats.count('demo', '2026-11-20', 'delivery#ebook', {
      sent: 10,
      delivered: 8,
      hardBounced: 1,
      softBounced: 1,
      complained: 1,
      unsubscribed: 2,
    });
    await t.emailStats.count('demo', '2026-11-21', 'delivery#ebook', { sent: 10, delivered: 10 });
    await t.emailStats.count('demo', '2026-11-21', 'step#ebook-nurture#case-study', { sent: 4, delivered: 4 });
    await t.emailStats.count('demo', '2026-11-21', 'sequence#ebook-nurture', { enrolled: 7, exit_unsubscribed: 2, 'exit_stage-reached': 1, completed: 3 });
    await t.emailStats.count('demo', '2026-10-01', 'delivery#ebook', { sent: 99 }); // before the range
    // Act
    const out = await emailsReport(t.deps, MARKETER, { from: '2026-11-01', to: '2026-11-23' });
    // Assess
    const ebook = out.emails.find((e) => e.email === 'delivery#ebook')!;
    expect(ebook).toMatchObject({ kind: 'delivery', formId: 'ebook', sent: 20, delivered: 18, hardBounced: 1, softBounced: 1, complained: 1, unsubscribed: 2 });
    expect(ebook.bounceRate).toBeCloseTo(2 / 20);
    // Subjects as the sample lead reads them (templates merge the magnet's title, the company)
    expect(ebook.subject).toBe('Your copy of The Serverless Funnel Playbook');
    expect(ebook.unsubscribeRate).toBeCloseTo(2 / 18);
    const nurture = out.sequences.find((s) => s.sequenceId === 'ebook-nurture')!;
    expect(nurture).toMatchObject({ enrolled: 7, completed: 3, exited: { unsubscribed: 2, 'stage-reached': 1, bounced: 0 } });
    expect(nurture.steps.map((s) => [s.position, s.stepId, s.sent])).toEqual([
      [1, 'three-ideas', 0],
      [2, 'case-study', 4],
      [3, 'walkthrough', 0],
    ]);
    // The site's emails each day (the sequence's own cell holds no email), and the tracking the site has
    expect(out.totals.sent).toBe(24);
    expect(out.days.find((d) => d.day === '2026-11-21')).toMatchObject({ sent: 14, delivered: 14 });
    expect(out.days).toHaveLength(23);
    expect(out.tracking).toEqual({ opens: false, clicks: false });
  });

  it("gives one email's or sequence's numbers each day, and names the emails there are when asked for another", async () => {
    const t = fakeDeps();
    t.clock.set('2026-11-23T12:00:00Z');
    await t.emailStats.count('demo', '2026-11-21', 'delivery#ebook', { sent: 10 });
    await t.emailStats.count('demo', '2026-11-21', 'sequence#ebook-nurture', { enrolled: 7 });
    const one = await emailsReport(t.deps, MARKETER, { email: 'sequence#ebook-nurture' });
    expect(one.days.find((d) => d.day === '2026-11-21')).toMatchObject({ enrolled: 7 });
    const error = await emailsReport(t.deps, MARKETER, { email: 'delivery#nope' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields['query.email']).toContain('delivery#ebook');
  });

  it('answers a site the person may not see like one that does not exist', async () => {
    const t = fakeDeps();
    await expect(emailsReport(t.deps, ELSEWHERE, { site: 'demo' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('Use case: email preview and test send', () => {
  it('renders an email for the sample lead: subject, preheader, HTML and text with the footer, links that act on no one', () => {
    const t = fakeDeps();
    const out = emailPreview(t.deps, MARKETER, { email: 'step#ebook-nurture#case-study' });
    expect(out).toMatchObject({ siteId: 'demo', kind: 'step', subject: 'How Acme & Co could double trial sign-ups' }); // the sample lead's company
    expect(out.preheader.length).toBeLessThanOrEqual(120);
    expect(out.text.replace(/\s+/g, ' ')).toContain(out.preheader);
    expect(out.html).toContain('https://api.example.com/v1/unsubscribe?token=sample');
    expect(out.text).toContain('Jane');
  });

  it('sends a test marked as one ([Test], no lead tag): SES events of it are dropped, nothing counts; audited with the address hashed', async () => {
    // Prepare
    const t = fakeDeps();
    // Act
    const out = await sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#ebook', to: 'inbox@acme.test' });
    // Assess
    const sent = t.mailer.to('inbox@acme.test')[0]!;
    expect(out).toMatchObject({ sent: true, subject: `[Test] ${sent.subject.replace('[Test] ', '')}` });
    expect(sent.subject).toMatch(/^\[Test\] Your copy of/);
    expect(sent.tags).toEqual({ site: 'demo', kind: 'test', form: 'ebook' });
    // SES's events of it, with the tags it was sent with: dropped before anything reads them
    for (const eventType of ['Delivery', 'Bounce', 'Complaint', 'Open']) {
      const event = {
        eventType,
        mail: { messageId: out.messageId, timestamp: '2026-11-23T10:00:00Z', tags: Object.fromEntries(Object.entries(sent.tags).map(([k, v]) => [k, [v]])) },
        bounce: { bounceType: 'Permanent' },
        complaint: {},
        open: { timestamp: '2026-11-23T10:00:00Z' },
        delivery: {},
      };
      expect([eventType, parseSesEvent(JSON.stringify(event))]).toEqual([eventType, undefined]);
    }
    expect(await t.emailStats.read('demo', '2000-01-01', '2999-12-31')).toEqual([]);
    const [entry] = (await t.deps.audit.list({ limit: 10 })).entries;
    expect(entry).toMatchObject({
      action: 'email.test',
      siteId: 'demo',
      detail: { email: 'delivery#ebook', toHash: emailKey('inbox@acme.test'), toDomain: 'acme.test' },
    });
    expect(JSON.stringify(entry)).not.toContain('inbox@');
  });

  it(`allows ${TEST_SENDS_PER_HOUR} tests an hour per person, then 429; a refused send costs none of them and says why`, async () => {
    const t = fakeDeps();
    t.mailer.failNext('not-ready');
    const refused = await sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#ebook', to: 'x@acme.test' }).catch((e) => e);
    expect(refused).toBeInstanceOf(TestNotSentError);
    expect(refused.message).toContain('not verified');
    for (let i = 0; i < TEST_SENDS_PER_HOUR; i++) await sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#ebook', to: 'x@acme.test' });
    await expect(sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#ebook', to: 'x@acme.test' })).rejects.toBeInstanceOf(RateLimitedError);
    expect(t.mailer.outbox).toHaveLength(TEST_SENDS_PER_HOUR);
    // Another person has their own ten.
    await sendTestEmail(t.deps, ADMIN, {}, { email: 'delivery#ebook', to: 'x@acme.test' });
  });

  it('names the bad field: an unknown email, an address that is not one', async () => {
    const t = fakeDeps();
    const unknown = await sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#nope', to: 'x@acme.test' }).catch((e) => e);
    expect(unknown.fields).toHaveProperty(['query.email']);
    const bad = await sendTestEmail(t.deps, MARKETER, {}, { email: 'delivery#ebook', to: 'not an address' }).catch((e) => e);
    expect(bad.fields).toHaveProperty('to');
    expect(t.mailer.outbox).toEqual([]);
  });
});

describe('Use case: deliverability and the suppression list', () => {
  it("places the site's 14-day rates against SES's review and pause levels, with the account and the sender domain", async () => {
    // Prepare: 100 sent, 5 hard bounces (5%: review; the soft one does not count, as at SES), 1 complaint of 94 delivered (over 0.5%: pause)
    const t = fakeDeps();
    t.clock.set('2026-11-23T12:00:00Z');
    await t.emailStats.count('demo', '2026-11-20', 'delivery#ebook', { sent: 100, delivered: 94, hardBounced: 5, softBounced: 1, complained: 1 });
    await t.emailStats.count('demo', '2026-11-01', 'delivery#ebook', { sent: 100, hardBounced: 100 }); // 22 days ago: outside
    // Act
    const out = await deliverability(t.deps, MARKETER, {});
    // Assess
    expect(out.reputation).toMatchObject({ from: '2026-11-10', to: '2026-11-23', sent: 100, bounces: 5, complaints: 1, bounce: 'review', complaint: 'pause' });
    expect(out.reputation.domain).toBeTruthy();
    expect(out.identities).toEqual([{ domain: out.reputation.domain, verified: true }]);
    expect(out.account).toMatchObject({ emulator: true, sandbox: false });
  });

  it('finds an address on the suppression list; an admin removes it, audited with its hash and domain', async () => {
    const t = fakeDeps();
    const account = new InMemoryMailAccount(new Map([['bounced@acme.com', { reason: 'BOUNCE' as const, at: '2026-11-20T10:00:00.000Z' }]]));
    t.deps.mailAccount = account;
    expect(await suppressions(t.deps, ADMIN, { address: 'Bounced@acme.com' })).toEqual({
      entries: [{ address: 'bounced@acme.com', reason: 'BOUNCE', at: '2026-11-20T10:00:00.000Z' }],
    });
    expect(await unsuppress(t.deps, ADMIN, 'bounced@acme.com')).toEqual({ removed: true });
    expect(await unsuppress(t.deps, ADMIN, 'bounced@acme.com')).toEqual({ removed: false });
    expect(account.list.size).toBe(0);
    const entries = (await t.deps.audit.list({ limit: 10 })).entries;
    expect(entries.map((e) => [e.action, e.detail])).toEqual([
      ['suppression.remove', { addressHash: emailKey('bounced@acme.com'), domain: 'acme.com', removed: 'false' }],
      ['suppression.remove', { addressHash: emailKey('bounced@acme.com'), domain: 'acme.com', removed: 'true' }],
    ]);
    await expect(suppressions(t.deps, ADMIN, { address: 'nope' })).rejects.toMatchObject({ fields: { 'query.address': expect.any(String) } });
    await expect(unsuppress(t.deps, ADMIN, 'nope')).rejects.toMatchObject({ fields: { 'params.address': expect.any(String) } });
    // The list is the whole account's: nobody limited to some sites reads or clears it.
    const limited = { ...ADMIN, siteIds: ['demo'] };
    account.list.set('other@acme.com', { reason: 'COMPLAINT', at: '2026-11-21T10:00:00.000Z' });
    await expect(suppressions(t.deps, limited, {})).rejects.toBeInstanceOf(SiteLimitedError);
    await expect(unsuppress(t.deps, limited, 'other@acme.com')).rejects.toBeInstanceOf(SiteLimitedError);
    expect(account.list.has('other@acme.com')).toBe(true);
  });
});

describe('Use case: the desk sends a test event', () => {
  it("needs the site's console test lead, then queues the test event to the endpoint, audited", async () => {
    const t = fakeDeps();
    const missing = await testEventForSales(t.deps, MARKETER, 'crm', {}).catch((e) => e);
    expect(missing.fields.lead).toContain(CONSOLE_TEST_ADDRESS);
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().withEmail(CONSOLE_TEST_ADDRESS).build(), origin: ORIGIN, clientIp: '203.0.113.7' });
    const out = await testEventForSales(t.deps, MARKETER, 'hubspot', {});
    expect(out).toMatchObject({ type: 'webhook.test', endpointId: 'hubspot', status: 'pending' });
    expect(t.webhookQueue.take()).toEqual([{ siteId: 'demo', emailKey: emailKey(CONSOLE_TEST_ADDRESS), endpointId: 'hubspot' }]);
    expect((await t.deps.audit.list({ limit: 1 })).entries[0]).toMatchObject({ action: 'delivery.test', detail: { endpointId: 'hubspot' } });
    await expect(testEventForSales(t.deps, MARKETER, 'nope', {})).rejects.toMatchObject({ fields: { 'params.endpointId': expect.any(String) } });
  });
});

describe("Local: SES's events played as SES's mailbox simulator answers", () => {
  const sent = async (to: string) => {
    const events: string[] = [];
    const t = fakeDeps();
    const ses = new SimulatedSesEvents(t.mailer, async (e) => void events.push(...e));
    const email = {
      to,
      from: 'a@acme.com',
      subject: 's',
      html: '',
      text: '',
      headers: {},
      tags: { site: 'demo', lead: 'a'.repeat(64), kind: 'delivery', form: 'ebook' },
    };
    await ses.send(email);
    return { events: events.map((e) => parseSesEvent(e)), ses, t, email };
  };

  it('delivers an ordinary address; bounces bounce@ for good; delivers, then complains for, complaint@', async () => {
    expect((await sent('jane@acme.com')).events.map((e) => e?.type)).toEqual(['delivered']);
    expect((await sent('bounce+x@simulator.amazonses.com')).events).toMatchObject([{ type: 'bounced', permanent: true, kind: 'delivery', formId: 'ebook' }]);
    expect((await sent('complaint@simulator.amazonses.com')).events.map((e) => e?.type)).toEqual(['delivered', 'complained']);
  });

  it('puts a bounced address on the suppression list: the next email to it bounces without being sent', async () => {
    const { ses, t, email } = await sent('bounce@simulator.amazonses.com');
    const events: string[] = [];
    const again = new SimulatedSesEvents(t.mailer, async (e) => void events.push(...e));
    for (const [k, v] of ses.suppressed) again.suppressed.set(k, v);
    await again.send(email);
    expect(t.mailer.outbox).toHaveLength(1);
    expect(parseSesEvent(events[0]!)).toMatchObject({ type: 'bounced', permanent: true, detail: 'Permanent / OnAccountSuppressionList' });
  });
});

it("publishes SES's events of the sender's real sends (a simulator address bounces)", async () => {
  const t = fakeDeps();
  const published: string[] = [];
  t.deps.mailer = new SimulatedSesEvents(t.mailer, async (e) => void published.push(...e));
  t.clock.set('2026-11-23T09:00:00Z');
  const body = aSubmission().withEmail('bounce@simulator.amazonses.com').build();
  await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
  await handleMailJob(t.deps, {
    type: 'submitted',
    siteId: 'demo',
    emailKey: emailKey('bounce@simulator.amazonses.com'),
    submissionId: body.submissionId as string,
  });
  expect(published.map((e) => parseSesEvent(e)?.type)).toEqual(['bounced']);
});
