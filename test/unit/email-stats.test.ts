import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import { emailRates, SES_THRESHOLDS, standing } from '../../functions/core/email-stats.js';
import type { MailEvent, MailJob } from '../../functions/core/ports.js';
import { parseSesEvent } from '../../functions/adapters/ses/events.js';
import { handleMailEvent } from '../../functions/use-cases/mail-events.js';
import { unsubscribe } from '../../functions/use-cases/mail-links.js';
import { runDueChecks } from '../../functions/use-cases/run-due-checks.js';
import { handleMailJob } from '../../functions/use-cases/send-mail.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, fakeMailDeps, ORIGIN } from '../support/builders.js';

const JANE = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
const DAY = '2026-11-23';

/** Every cell of the demo site on `DAY`, by email. */
async function cells(t: ReturnType<typeof fakeMailDeps>, from = DAY, to = DAY) {
  const read = await t.emailStats.read('demo', from, to);
  const by: Record<string, Record<string, number>> = {};
  for (const c of read) by[c.email] = { ...by[c.email], ...(c.counts as Record<string, number>) };
  return by;
}

async function submitAndMail(t: ReturnType<typeof fakeMailDeps>) {
  const body = aSubmission().build();
  await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
  const job: MailJob = { type: 'submitted', ...ref, submissionId: body.submissionId as string };
  await handleMailJob(t.deps, job);
  return job;
}

const event = (type: string, extra: object = {}): MailEvent =>
  ({ ...ref, at: `${DAY}T10:00:00.000Z`, messageId: 'msg-1', kind: 'delivery', formId: 'ebook', type, ...extra }) as MailEvent;

describe('Email counters: each email and sequence counted where it happens, once', () => {
  it('counts the delivery email sent and the enrolment in its sequence, on the day they happened', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    // Act
    await submitAndMail(t);
    // Assess
    expect(await cells(t)).toEqual({ 'delivery#ebook': { sent: 1 }, 'sequence#ebook-nurture': { enrolled: 1 } });
  });

  it('counts an SES event once however often SES delivers it; an open or a click once per email (unique)', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    await submitAndMail(t);
    // Act
    for (let i = 0; i < 3; i++) await handleMailEvent(t.deps, event('delivered'));
    await handleMailEvent(t.deps, event('opened', { at: `${DAY}T11:00:00.000Z` }));
    await handleMailEvent(t.deps, event('opened', { at: `${DAY}T12:00:00.000Z` }));
    await handleMailEvent(t.deps, event('clicked', { link: 'https://acme.example/a' }));
    await handleMailEvent(t.deps, event('clicked', { link: 'https://acme.example/b' }));
    // Assess
    expect((await cells(t))['delivery#ebook']).toEqual({ sent: 1, delivered: 1, opened: 1, clicked: 1 });
  });

  it('counts nothing of a test lead (an address at SES simulator: the smoke test, the console): its sends, enrolment and events', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    const address = 'success+smoke@simulator.amazonses.com';
    const body = aSubmission().withEmail(address).build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    // Act: its delivery email is sent, and SES reports it delivered
    await handleMailJob(t.deps, { type: 'submitted', siteId: 'demo', emailKey: emailKey(address), submissionId: body.submissionId as string });
    const sent = t.mailer.to(address)[0]!;
    const delivered = parseSesEvent(
      JSON.stringify({
        eventType: 'Delivery',
        mail: { messageId: sent.messageId, timestamp: `${DAY}T09:00:01Z`, tags: Object.fromEntries(Object.entries(sent.tags).map(([k, v]) => [k, [v]])) },
        delivery: {},
      }),
    )!;
    await handleMailEvent(t.deps, delivered);
    // Assess: the email went, the numbers did not move
    expect(delivered).toMatchObject({ type: 'delivered', test: true });
    expect(await cells(t)).toEqual({});
  });

  it("does not count a click on Funnel's own links (unsubscribe, confirm) as a click", async () => {
    const t = fakeMailDeps();
    await handleMailEvent(t.deps, event('clicked', { link: 'https://api.test/v1/unsubscribe?token=x' }));
    expect(await cells(t)).toEqual({});
  });

  it('counts hard and soft bounces apart; a soft bounce SES delivers twice adds once to the lead tally too', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    await submitAndMail(t);
    // Act: the same soft bounce three times (one email), then a soft bounce of another email
    for (let i = 0; i < 3; i++) expect(await handleMailEvent(t.deps, event('bounced', { permanent: false, detail: 'Transient' }))).toBe('soft-bounce');
    await handleMailEvent(t.deps, event('bounced', { messageId: 'msg-2', permanent: false, detail: 'Transient' }));
    // Assess: two soft bounces, under the limit of three: not suppressed
    expect((await t.deps.nurture.load(ref))?.softBounces).toBe(2);
    expect((await t.deps.nurture.load(ref))?.suppressed).toBeUndefined();
    expect((await cells(t))['delivery#ebook']).toMatchObject({ softBounced: 2 });
    // Act: a hard bounce, delivered twice
    await handleMailEvent(t.deps, event('bounced', { messageId: 'msg-3', permanent: true, detail: 'Permanent' }));
    await handleMailEvent(t.deps, event('bounced', { messageId: 'msg-3', permanent: true, detail: 'Permanent' }));
    expect((await cells(t))['delivery#ebook']).toMatchObject({ softBounced: 2, hardBounced: 1 });
    expect((await t.deps.nurture.load(ref))?.suppressed).toBe('bounced');
  });

  it('counts a complaint on its email, and the exit it causes on its sequence at the next step', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    await submitAndMail(t);
    // Act
    await handleMailEvent(t.deps, event('complained'));
    t.clock.set('2026-11-26T15:00:00Z');
    await runDueChecks(t.deps);
    for (const job of t.queue.take()) await handleMailJob(t.deps, job);
    // Assess
    expect((await cells(t))['delivery#ebook']).toMatchObject({ complained: 1 });
    expect((await cells(t, '2026-11-26', '2026-11-26'))['sequence#ebook-nurture']).toEqual({ exit_complained: 1 });
  });

  it('counts each step sent, and credits an unsubscribe to the last email the lead got', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set(`${DAY}T09:00:00Z`);
    await submitAndMail(t);
    t.clock.set('2026-11-26T15:00:00Z');
    await runDueChecks(t.deps);
    for (const job of t.queue.take()) await handleMailJob(t.deps, job);
    const token = new URL(t.mailer.to(JANE).at(-1)!.headers['List-Unsubscribe']!.slice(1, -1)).searchParams.get('token')!;
    // Act: twice (the second changes nothing)
    await unsubscribe(t.deps, token, 'one-click');
    await unsubscribe(t.deps, token, 'page');
    // Assess
    const day = await cells(t, '2026-11-26', '2026-11-26');
    expect(day['step#ebook-nurture#three-ideas']).toEqual({ sent: 1, unsubscribed: 1 });
    expect((await cells(t))['delivery#ebook']).toEqual({ sent: 1 });
  });

  it('counts an exit by its reason (unsubscribed by sales) and a sequence completed', async () => {
    // Prepare
    const exits = fakeMailDeps();
    const completes = fakeMailDeps();
    for (const t of [exits, completes]) {
      t.clock.set(`${DAY}T09:00:00Z`);
      await submitAndMail(t);
    }
    await exits.deps.nurture.unsubscribe(ref, `${DAY}T10:00:00.000Z`, 'console', 'sam@acme.example');
    // Act: the scheduler every hour for two weeks
    for (let hour = 1; hour < 14 * 24; hour++)
      for (const t of [exits, completes]) {
        t.clock.set(new Date(Date.parse(`${DAY}T09:00:00Z`) + hour * 3_600_000));
        await runDueChecks(t.deps);
        for (const job of t.queue.take()) await handleMailJob(t.deps, job);
      }
    // Assess
    const sequence = async (t: ReturnType<typeof fakeMailDeps>) => {
      const sum: Record<string, number> = {};
      for (const c of await t.emailStats.read('demo', DAY, '2026-12-10'))
        if (c.email === 'sequence#ebook-nurture') for (const [m, n] of Object.entries(c.counts)) sum[m] = (sum[m] ?? 0) + (n ?? 0);
      return sum;
    };
    expect(await sequence(exits)).toEqual({ enrolled: 1, exit_unsubscribed: 1 });
    expect(await sequence(completes)).toEqual({ enrolled: 1, completed: 1 });
  });
});

describe('Email rates and SES thresholds', () => {
  it('takes opens, clicks, complaints and unsubscribes of what was delivered; bounces of what was sent', () => {
    expect(emailRates({ sent: 200, delivered: 190, opened: 95, clicked: 19, hardBounced: 6, softBounced: 4, complained: 1, unsubscribed: 2 })).toEqual({
      deliveryRate: 0.95,
      openRate: 0.5,
      clickRate: 0.1,
      bounceRate: 0.05,
      complaintRate: 1 / 190,
      unsubscribeRate: 2 / 190,
    });
    expect(emailRates({})).toMatchObject({ openRate: 0, bounceRate: 0 });
  });

  it('places a rate against review and pause thresholds, each reached at its value', () => {
    expect([0.049, 0.05, 0.099, 0.1].map((r) => standing(r, SES_THRESHOLDS.bounce))).toEqual(['healthy', 'review', 'review', 'pause']);
    expect([0.0009, 0.001, 0.005].map((r) => standing(r, SES_THRESHOLDS.complaint))).toEqual(['healthy', 'review', 'pause']);
  });
});
