import { describe, expect, it } from 'vitest';
import { emailKey } from '../../../functions/core/email.js';
import { SenderNotReadyError, TransientMailError } from '../../../functions/core/errors.js';
import type { MailJob } from '../../../functions/core/ports.js';
import { handleMailEvent } from '../../../functions/use-cases/mail-events.js';
import { confirmOptIn, unsubscribe } from '../../../functions/use-cases/mail-links.js';
import { findLeadByEmail, getLead } from '../../../functions/use-cases/read-leads.js';
import { rescoreLead } from '../../../functions/use-cases/rescore-lead.js';
import { runDueChecks } from '../../../functions/use-cases/run-due-checks.js';
import { deliveryKey, formatMailbox, handleMailJob, SEND_CLAIM_STALE_MS, SENDER_HOLD } from '../../../functions/use-cases/send-mail.js';
import { submitForm } from '../../../functions/use-cases/submit-form.js';
import { aSubmission, fakeMailDeps, ORIGIN, testConfig } from '../../support/builders.js';

const JANE = 'jane.doe@acme.com';
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** Submit a form as the widget would, then hand the sender the job the table stream would queue. */
async function submitAndMail(t: ReturnType<typeof fakeMailDeps>, body = aSubmission().build(), formId = 'ebook') {
  const answer = await submitForm(t.deps, { formId, body, origin: ORIGIN, clientIp: '203.0.113.7' });
  const fields = body.fields as { email: string };
  const job: MailJob = { type: 'submitted', siteId: 'demo', emailKey: emailKey(fields.email), submissionId: body.submissionId as string };
  const result = await handleMailJob(t.deps, job);
  return { answer, job, result, ref: { siteId: 'demo', emailKey: emailKey(fields.email) } };
}

/** What the scheduler does every minute: queue the due steps; then the sender handles each. */
async function runScheduler(t: ReturnType<typeof fakeMailDeps>) {
  await runDueChecks(t.deps);
  const jobs = t.queue.take();
  for (const job of jobs) await handleMailJob(t.deps, job);
  return jobs;
}

/** A trial sign-up by the same reader (the trial form declares no job title). */
const aTrial = () => ({ ...aSubmission().build(), fields: { email: JANE, firstName: 'Jane', company: 'Acme' } });

const subjects = (t: ReturnType<typeof fakeMailDeps>, to = JANE) => t.mailer.to(to).map((e) => e.subject);

describe('Use case: handleMailJob (nurture)', () => {
  it('sends the delivery email at once, rendered for the lead, with the footer, one-click unsubscribe headers and tags', async () => {
    // Prepare
    const t = fakeMailDeps();
    // Act
    const { result } = await submitAndMail(t);
    // Assess
    expect(result.sent).toHaveLength(1);
    const [email] = t.mailer.to(JANE);
    expect(email).toMatchObject({ from: '"Acme" <hello@acme.example>', replyTo: 'team@acme.example', subject: 'Your copy of The Serverless Funnel Playbook' });
    expect(email!.html).toContain('Hi Jane,');
    expect(email!.html).toContain('href="http://localhost:3000/demo/assets/serverless-funnel-playbook.pdf"');
    expect(email!.html).toContain('548 Market St');
    expect(email!.text).toMatch(/Unsubscribe: https:\/\/api\.test\/v1\/unsubscribe\?token=u1\./);
    expect(email!.headers['List-Unsubscribe']).toMatch(/^<https:\/\/api\.test\/v1\/unsubscribe\?token=u1\.[\w.-]+>$/);
    expect(email!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(email!.tags).toEqual({ site: 'demo', lead: emailKey(JANE), kind: 'delivery', form: 'ebook' });
    expect(JSON.stringify(email!.headers)).not.toContain('@');
    // Untracked unless the site asks; the unsubscribe link is never rewritten by click tracking.
    expect(email!.tracking).toEqual({ opens: false, clicks: false });
    expect(email!.untrackedLinks).toEqual([email!.headers['List-Unsubscribe']!.slice(1, -1)]);
  });

  it('enrols a consenting reader in the sequence, first step due after its delay at the next window opening (site time zone)', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set('2026-11-22T10:00:00Z'); // Sunday, 05:00 in New York
    // Act
    const { ref } = await submitAndMail(t);
    // Assess: +2 days = Tuesday 05:00 New York; the window (Mon–Fri 9–17) opens at 09:00 = 14:00 UTC
    const lead = await t.deps.nurture.load(ref);
    expect(lead!.enrolments.map((e) => e.state)).toEqual([{ sequenceId: 'ebook-nurture', stepIndex: 0, nextAt: '2026-11-24T14:00:00.000Z', status: 'active' }]);
    expect([...t.due.checks.values()]).toEqual([expect.objectContaining({ at: '2026-11-24T14:00:00.000Z', sequenceId: 'ebook-nurture' })]);
  });

  it("uses the reader's own time zone when the browser told it", async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set('2026-11-22T10:00:00Z');
    const body = aSubmission().with('context', { timeZone: 'Europe/Berlin' }).build();
    // Act
    const { ref } = await submitAndMail(t, body);
    // Assess: Sunday 11:00 in Berlin + 2 days = Tuesday 11:00, inside the window = 10:00 UTC
    expect((await t.deps.nurture.load(ref))!.enrolments[0]!.state.nextAt).toBe('2026-11-24T10:00:00.000Z');
  });

  it('sends the delivery but does not enrol a reader who left the consent box unticked', async () => {
    // Prepare
    const t = fakeMailDeps();
    // Act
    const { ref } = await submitAndMail(t, aSubmission().with('consent', { marketing: false }).build());
    // Assess
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    expect((await t.deps.nurture.load(ref))!.enrolments).toEqual([]);
  });

  it('runs the whole sequence across weeks on a fake clock, each step once, in its window, then completes', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.clock.set('2026-11-22T10:00:00Z');
    const { ref } = await submitAndMail(t);
    const sentAt: string[] = [];
    // Act: the scheduler runs every few minutes for three weeks
    for (let minute = 0; minute < 21 * 24 * 60; minute += 15) {
      t.clock.set(new Date(Date.parse('2026-11-22T10:00:00Z') + minute * 60_000));
      const before = t.mailer.outbox.length;
      await runScheduler(t);
      if (t.mailer.outbox.length > before) sentAt.push(t.clock.now().toISOString());
    }
    // Assess
    expect(subjects(t)).toEqual([
      'Your copy of The Serverless Funnel Playbook',
      'Three ideas from the playbook you can use this week',
      'How Acme could double trial sign-ups',
      'Want a 20-minute walkthrough?',
    ]);
    // Tue 09:00 NY, then +3 days = Fri 09:00, then +4 days = Tue 09:00 (all 14:00 UTC in winter)
    expect(sentAt).toEqual(['2026-11-24T14:00:00.000Z', '2026-11-27T14:00:00.000Z', '2026-12-01T14:00:00.000Z']);
    const lead = await t.deps.nurture.load(ref);
    expect(lead!.enrolments[0]!.state).toMatchObject({ status: 'completed', stepIndex: 3 });
    expect(t.due.checks.size).toBe(0);
  });

  it('sends each step exactly once when the same job is handled twice, or by two workers at once', async () => {
    // Prepare
    const t = fakeMailDeps();
    await submitAndMail(t);
    t.clock.set('2026-11-24T14:00:00Z');
    await runDueChecks(t.deps);
    const [job] = t.queue.take();
    // Act
    const concurrent = await Promise.allSettled([handleMailJob(t.deps, job!), handleMailJob(t.deps, job!)]);
    await handleMailJob(t.deps, job!).catch(() => undefined);
    await handleMailJob(t.deps, job!).catch(() => undefined);
    // Assess
    expect(subjects(t).filter((s) => s.startsWith('Three ideas'))).toHaveLength(1);
    // A worker that found the send claimed by the other either saw it sent or was told to retry later.
    for (const r of concurrent) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TransientMailError);
  });

  it('retries through SES throttling: nothing is lost and nothing doubled', async () => {
    // Prepare
    const t = fakeMailDeps();
    t.mailer.failNext('transient', 2);
    const body = aSubmission().build();
    await expect(submitAndMail(t, body)).rejects.toBeInstanceOf(TransientMailError);
    const job: MailJob = { type: 'submitted', siteId: 'demo', emailKey: emailKey(JANE), submissionId: body.submissionId as string };
    // Act: the queue redelivers the job until it goes through
    await expect(handleMailJob(t.deps, job)).rejects.toBeInstanceOf(TransientMailError);
    await handleMailJob(t.deps, job);
    await handleMailJob(t.deps, job);
    // Assess
    expect(t.mailer.calls).toBe(3);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
  });

  it('holds a lead magnet while the sender is not verified (DKIM pending, sandbox): queued again with doubling waits, sent once it can go', async () => {
    // Prepare: SES refuses the sender for the first three tries
    const t = fakeMailDeps();
    t.mailer.failNext('not-ready', 3);
    // Act: each held job comes back after its delay, as SQS would bring it
    const first = await submitAndMail(t);
    const delays: number[] = [];
    for (let i = 0; i < 5 && t.queue.jobs.length; i++) {
      delays.push(t.queue.delays[0]!);
      const [job] = t.queue.take();
      t.clock.advance(delays.at(-1)! * 1000);
      await handleMailJob(t.deps, job!);
    }
    // Assess: held (not failed: no send-failed, the sequence starts), then delivered once
    expect(first.result.note).toMatch(/^held: the sender cannot send yet/);
    expect(delays).toEqual([60, 60, 120]);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    const lead = await t.deps.nurture.load(first.ref);
    expect(lead!.sends.map((s) => s.status)).toEqual(['sent']);
    expect(lead!.enrolments).toHaveLength(1);
  });

  it('gives a held job back to the queue as failed after 72 hours (dead-lettered, alarmed, redrivable), never marked failed', async () => {
    const t = fakeMailDeps();
    t.mailer.failNext('not-ready', 1);
    const body = aSubmission().build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    const job: MailJob = {
      type: 'submitted',
      siteId: 'demo',
      emailKey: emailKey(JANE),
      submissionId: body.submissionId as string,
      heldSince: new Date(t.clock.now().getTime() - SENDER_HOLD.maxHoldMs).toISOString(),
    };
    await expect(handleMailJob(t.deps, job)).rejects.toBeInstanceOf(SenderNotReadyError);
    expect(t.queue.jobs).toEqual([]);
    // A redrive once the domain is verified sends it (the claim was released, not marked failed)
    await handleMailJob(t.deps, job);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
  });

  it('sends one delivery per lead and form in the window, however often the form is submitted, and again after it', async () => {
    // Prepare: an attacker submits the ebook form for a victim's address over and over
    const t = fakeMailDeps(testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 })));
    // Act: 50 submissions in a minute, each answered and each with its own mail job
    const results = [];
    for (let i = 0; i < 50; i++) {
      results.push(await submitAndMail(t));
      t.clock.advance(1000);
    }
    // Assess: every submission was answered with the download, and recorded; one email left
    expect(results.every((r) => r.answer.body.next.type === 'download')).toBe(true);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    const view = await t.deps.leads.findByEmail('demo', emailKey(JANE));
    expect(view!.timeline.filter((e) => e.type === 'form_submitted')).toHaveLength(50);
    expect(results.at(-1)!.result.note).toBe("this form's delivery was already sent (or refused) less than 24 h ago");
    // A day later the reader may get it again (resendAfterHours: 24)
    t.clock.advance(24 * 3_600_000);
    await submitAndMail(t);
    expect(subjects(t)).toHaveLength(2);
  });

  it('caps the emails of every kind to one address in 24 hours (maxPerAddressPerDay)', async () => {
    // Prepare: a cap of 2, and a trial after the ebook (two forms: two deliveries allowed by the window)
    const t = fakeMailDeps(testConfig((c) => (c.sites[0]!.email!.maxPerAddressPerDay = 1)));
    // Act
    await submitAndMail(t);
    const trial = await submitAndMail(t, aTrial(), 'trial');
    // Assess: the trial's delivery waits for the cap, with the reason said
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    expect(trial.result).toEqual({ sent: [], note: 'address cap: 1 emails in 24 h (maxPerAddressPerDay 1)' });
  });

  it('sends nothing to a lead erased while its email waited to leave, and leaves nothing of it behind', async () => {
    // Prepare: the erasure lands while the sender waits for its send slot (after reading the lead, after claiming)
    const t = fakeMailDeps();
    const body = aSubmission().build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
    t.deps.sendThrottle = { acquire: async () => void (await t.deps.prospects.eraseLead(ref, t.clock.now().toISOString())) };
    // Act
    const result = await handleMailJob(t.deps, { type: 'submitted', ...ref, submissionId: body.submissionId as string });
    // Assess
    expect(result).toEqual({ sent: [], note: 'the lead was erased: nothing sent' });
    expect(t.mailer.to(JANE)).toEqual([]);
    expect(await t.deps.leads.findByEmail(ref.siteId, ref.emailKey)).toBeUndefined();
    expect(await t.deps.nurture.load(ref)).toBeUndefined();
  });

  it('takes over a send whose worker died mid-send, once the claim is stale', async () => {
    // Prepare
    const t = fakeMailDeps();
    const body = aSubmission().build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
    await t.deps.nurture.claimSend(ref, { sendKey: deliveryKey('ebook'), kind: 'delivery' }, t.clock.now().toISOString(), SEND_CLAIM_STALE_MS);
    const job: MailJob = { type: 'submitted', ...ref, submissionId: body.submissionId as string };
    // Act + Assess: while the claim is fresh, another worker must wait; after it is stale it sends
    await expect(handleMailJob(t.deps, job)).rejects.toBeInstanceOf(TransientMailError);
    t.clock.advance(SEND_CLAIM_STALE_MS + 1);
    await handleMailJob(t.deps, job);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
  });

  it('stops the sequence with a recorded reason when SES refuses the address for good', async () => {
    // Prepare
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    t.clock.set('2026-11-24T14:00:00Z');
    t.mailer.failNext('permanent');
    // Act
    await runScheduler(t);
    t.clock.set('2026-12-10T14:00:00Z');
    await runScheduler(t);
    // Assess
    const lead = await t.deps.nurture.load(ref);
    expect(lead!.enrolments[0]!.state).toMatchObject({ status: 'exited', exitReason: 'send-failed' });
    const view = await t.deps.leads.findByEmail('demo', emailKey(JANE));
    expect(view!.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['email_failed', 'sequence_exited']));
    expect(t.mailer.calls).toBe(2);
  });

  it('after a one-click unsubscribe nothing more is sent, and the exit is on the timeline', async () => {
    // Prepare
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    const token = tokenOf(t.mailer.to(JANE)[0]!.headers['List-Unsubscribe']!.slice(1, -1));
    // Act
    expect(await unsubscribe(t.deps, token, 'one-click')).toEqual({ status: 'unsubscribed', siteName: 'Demo Blog' });
    expect(await unsubscribe(t.deps, token, 'one-click')).toEqual({ status: 'already-unsubscribed', siteName: 'Demo Blog' });
    t.clock.set('2026-12-31T14:00:00Z');
    await runScheduler(t);
    await submitAndMail(t); // downloading again after unsubscribing: not even the delivery goes out
    // Assess
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    const lead = await t.deps.nurture.load(ref);
    expect(lead!.enrolments[0]!.state).toMatchObject({ status: 'exited', exitReason: 'unsubscribed' });
    const view = await t.deps.leads.findByEmail('demo', emailKey(JANE));
    expect(view!.timeline.filter((e) => e.type === 'unsubscribed')).toEqual([expect.objectContaining({ method: 'one-click' })]);
    expect(view!.mail).toMatchObject({
      unsubscribedAt: expect.any(String),
      sequences: [expect.objectContaining({ status: 'exited', exitReason: 'unsubscribed' })],
    });
  });

  it('reads a sequence the lead has left as exited, with why, before the sender records the exit', async () => {
    // Prepare: enrolled in the ebook sequence, first step days away
    const t = fakeMailDeps();
    await submitAndMail(t);
    const key = { name: 'test', siteIds: ['*'] };
    const before = await findLeadByEmail(t.deps, key, { email: JANE, site: 'demo' });
    expect(before.mail!.sequences).toEqual([expect.objectContaining({ sequenceId: 'ebook-nurture', status: 'active', nextAt: expect.any(String) })]);
    // Act: a one-click unsubscribe; no step has come due, so nothing is recorded on the enrolment yet
    const token = tokenOf(t.mailer.to(JANE)[0]!.headers['List-Unsubscribe']!.slice(1, -1));
    await unsubscribe(t.deps, token, 'one-click');
    const stored = (await t.deps.nurture.load((await t.deps.nurture.findRef('demo', before.leadId))!))!.enrolments[0]!.state;
    const after = await getLead(t.deps, key, before.leadId);
    // Assess: the store still says active; the API says what will happen
    expect(stored.status).toBe('active');
    expect(after.mail!.sequences).toEqual([{ sequenceId: 'ebook-nurture', formId: 'ebook', status: 'exited', stepsSent: 0, exitReason: 'unsubscribed' }]);
  });

  it('reads a sequence left by submitting an exit form as exited, naming the form', async () => {
    // Prepare: the ebook sequence exits when the lead starts a trial
    const t = fakeMailDeps();
    const { answer } = await submitAndMail(t);
    // Act: the same browser (its token) starts a trial
    await submitAndMail(t, { ...aTrial(), visitorToken: answer.body.visitorToken }, 'trial');
    const view = await findLeadByEmail(t.deps, { name: 'test', siteIds: ['demo'] }, { email: JANE });
    // Assess
    const ebook = view.mail!.sequences.find((s) => s.sequenceId === 'ebook-nurture')!;
    expect(ebook).toMatchObject({ status: 'exited', exitReason: 'form-submitted', exitDetail: 'trial' });
    expect(ebook.nextAt).toBeUndefined();
    expect(view.mail!.sequences.find((s) => s.sequenceId === 'trial-onboarding')).toMatchObject({ status: 'active', nextAt: expect.any(String) });
  });

  it('rejects a forged unsubscribe token', async () => {
    const t = fakeMailDeps();
    await submitAndMail(t);
    expect(await unsubscribe(t.deps, 'u1.ZGVtby54.AAAA', 'one-click')).toEqual({ status: 'invalid' });
  });

  it('ends the sequence when the lead starts a trial (an exit condition) and keeps the trial sequence going', async () => {
    // Prepare
    const t = fakeMailDeps();
    const { ref, answer } = await submitAndMail(t);
    // Act: the same browser (its token) starts a trial
    await submitAndMail(t, { ...aTrial(), visitorToken: answer.body.visitorToken }, 'trial');
    t.clock.set('2026-11-24T14:00:00Z');
    await runScheduler(t);
    // Assess
    const lead = await t.deps.nurture.load(ref);
    const byId = Object.fromEntries(lead!.enrolments.map((e) => [e.state.sequenceId, e.state]));
    expect(byId['ebook-nurture']).toMatchObject({ status: 'exited', exitReason: 'form-submitted', exitDetail: 'trial' });
    expect(byId['trial-onboarding']).toMatchObject({ status: 'active', stepIndex: 1 });
    expect(subjects(t)).toContain('Your first dashboard in five minutes');
    expect(subjects(t)).not.toContain('Three ideas from the playbook you can use this week');
  });

  it('keeps a lead in several sequences to maxPerDay emails a day, deferring the rest to the next window', async () => {
    // Prepare: both sequences' first steps fall due on the same morning; at most one email a day
    const t = fakeMailDeps(
      testConfig((c) => {
        c.sites[0]!.email!.maxPerDay = 1;
        c.sites[0]!.forms[1]!.email!.sequence!.steps[0]!.delay = { days: 2 };
        delete c.sites[0]!.forms[0]!.email!.sequence!.exit!.formsSubmitted;
      }),
    );
    t.clock.set('2026-11-22T10:00:00Z');
    await submitAndMail(t);
    await submitAndMail(t, aTrial(), 'trial');
    // Act
    t.clock.set('2026-11-24T14:00:00Z');
    await runScheduler(t);
    const firstDay = subjects(t).length;
    t.clock.set('2026-11-25T14:00:00Z');
    await runScheduler(t);
    // Assess: two deliveries on Sunday; Tuesday one step; Wednesday the deferred one
    expect(firstDay).toBe(3);
    expect(subjects(t)).toHaveLength(4);
  });
});

describe('Use case: confirmOptIn (double opt-in)', () => {
  const doubleOptIn = () => testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true));

  it('sends only the confirmation until the link is clicked; then the delivery, and the lead is enrolled', async () => {
    // Prepare
    const t = fakeMailDeps(doubleOptIn());
    const { answer, ref, job } = await submitAndMail(t);
    expect(answer.body.next).toEqual({ type: 'confirm-email' });
    const [confirmation] = t.mailer.to(JANE);
    const confirmUrl = /href="(https:\/\/api\.test\/v1\/confirm\?token=[^"]+)"/.exec(confirmation!.html)![1]!;
    expect(confirmation!.subject).toBe('Please confirm your email address');
    expect((await t.deps.nurture.load(ref))!.enrolments).toEqual([]);
    // Act
    expect(await confirmOptIn(t.deps, tokenOf(confirmUrl))).toEqual({ status: 'confirmed', siteName: 'Demo Blog' });
    await handleMailJob(t.deps, { ...job, type: 'confirmed' });
    expect(await confirmOptIn(t.deps, tokenOf(confirmUrl))).toEqual({ status: 'already-confirmed', siteName: 'Demo Blog' });
    await handleMailJob(t.deps, { ...job, type: 'confirmed' });
    // Assess
    expect(subjects(t)).toEqual(['Please confirm your email address', 'Your copy of The Serverless Funnel Playbook']);
    expect((await t.deps.nurture.load(ref))!.enrolments).toHaveLength(1);
  });

  it('refuses an expired or forged confirmation link', async () => {
    // Prepare
    const t = fakeMailDeps(doubleOptIn());
    await submitAndMail(t);
    const confirmUrl = /href="([^"]+\/v1\/confirm[^"]+)"/.exec(t.mailer.to(JANE)[0]!.html)![1]!.replace(/&amp;/g, '&');
    // Act + Assess
    expect(await confirmOptIn(t.deps, 'c1.bm9wZQ.AAAA')).toEqual({ status: 'invalid' });
    t.clock.advance(8 * 86_400_000);
    expect(await confirmOptIn(t.deps, tokenOf(confirmUrl))).toEqual({ status: 'expired' });
  });
});

describe('Use case: handleMailEvent (bounces, complaints, opens, clicks)', () => {
  const event = (over: Record<string, unknown>) =>
    ({ siteId: 'demo', emailKey: emailKey(JANE), messageId: 'msg-1', at: '2026-11-23T10:00:00.000Z', ...over }) as never;

  it('suppresses at once on a hard bounce: the sequence stops at its next step, recorded on the timeline', async () => {
    // Prepare
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    // Act
    expect(await handleMailEvent(t.deps, event({ type: 'bounced', permanent: true, detail: 'Permanent / General' }))).toBe('suppressed');
    t.clock.set('2026-11-24T14:00:00Z');
    await runScheduler(t);
    // Assess
    expect(t.mailer.outbox).toHaveLength(1);
    const lead = await t.deps.nurture.load(ref);
    expect(lead).toMatchObject({ suppressed: 'bounced' });
    expect(lead!.enrolments[0]!.state).toMatchObject({ status: 'exited', exitReason: 'bounced' });
  });

  it(`suppresses after repeated soft bounces only (of three emails: SES's second copy of one is no second bounce)`, async () => {
    // Prepare
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    const soft = (messageId: string) => event({ type: 'bounced', permanent: false, detail: 'Transient / MailboxFull', messageId });
    // Act + Assess
    expect(await handleMailEvent(t.deps, soft('m-1'))).toBe('soft-bounce');
    expect(await handleMailEvent(t.deps, soft('m-2'))).toBe('soft-bounce');
    expect(await handleMailEvent(t.deps, soft('m-2'))).toBe('soft-bounce');
    expect((await t.deps.nurture.load(ref))!.suppressed).toBeUndefined();
    expect(await handleMailEvent(t.deps, soft('m-3'))).toBe('suppressed');
    expect((await t.deps.nurture.load(ref))!.suppressed).toBe('bounced');
  });

  it('suppresses on a complaint, which outranks an earlier bounce', async () => {
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    await handleMailEvent(t.deps, event({ type: 'bounced', permanent: true, detail: 'x' }));
    await handleMailEvent(t.deps, event({ type: 'complained', detail: 'abuse' }));
    expect((await t.deps.nurture.load(ref))!.suppressed).toBe('complained');
  });

  it('turns opens and clicks into engagement on the timeline (once each); clicks on the unsubscribe link do not count', async () => {
    // Prepare
    const t = fakeMailDeps();
    await submitAndMail(t);
    const click = event({
      type: 'clicked',
      link: 'https://acme.example/pricing?utm_source=email',
      sequenceId: 'ebook-nurture',
      stepId: 'three-ideas',
      kind: 'step',
    });
    // Act
    const outcomes = [
      await handleMailEvent(t.deps, event({ type: 'opened' })),
      await handleMailEvent(t.deps, click),
      await handleMailEvent(t.deps, click),
      await handleMailEvent(t.deps, event({ type: 'clicked', link: 'https://api.test/v1/unsubscribe?token=u1.x.y' })),
    ];
    // Assess
    expect(outcomes).toEqual(['recorded', 'recorded', 'duplicate', 'ignored']);
    const view = await t.deps.leads.findByEmail('demo', emailKey(JANE));
    const engaged = view!.timeline.filter((e) => e.type === 'email_opened' || e.type === 'email_clicked');
    expect(engaged).toEqual([
      expect.objectContaining({ type: 'email_opened' }),
      expect.objectContaining({ type: 'email_clicked', link: 'https://acme.example/pricing', sequenceId: 'ebook-nurture' }),
    ]);
    // The click counts for scoring (the demo rule "Clicked a nurture email": 5 points).
    const rescored = await rescoreLead(t.deps, { siteId: 'demo', emailKey: emailKey(JANE) });
    expect(rescored!.score.breakdown).toContainEqual(expect.objectContaining({ ruleId: 'nurture-click', points: 5, events: 1 }));
  });
});

describe('formatMailbox', () => {
  it('quotes ASCII display names and encodes others as RFC 2047', () => {
    expect(formatMailbox({ address: 'a@b.co' })).toBe('a@b.co');
    expect(formatMailbox({ name: 'Acme "Labs"', address: 'a@b.co' })).toBe('"Acme \\"Labs\\"" <a@b.co>');
    expect(formatMailbox({ name: 'Zoë', address: 'z@acme.com' })).toBe('=?UTF-8?B?Wm/Dqw==?= <z@acme.com>');
  });

  it("does not let a stranger's claim end the owner's sequence: a trial from another browser is kept, the nurture goes on", async () => {
    const t = fakeMailDeps();
    const { ref } = await submitAndMail(t);
    await submitAndMail(t, aTrial(), 'trial');
    const view = await findLeadByEmail(t.deps, { name: 'test', siteIds: ['demo'] }, { email: JANE });
    expect(view.mail!.sequences.find((s) => s.sequenceId === 'ebook-nurture')).toMatchObject({ status: 'active' });
    expect((await t.deps.nurture.load(ref))!.submissions.find((s) => s.formId === 'trial')).toMatchObject({ unverified: true });
  });

  it('queues a delivery a mailbox cap held back again, for when the window reopens (a stranger cannot make it never arrive)', async () => {
    // Prepare: a stranger filled Jane's mailbox window through five aliases
    const t = fakeMailDeps();
    for (let i = 0; i < 5; i++) await submitAndMail(t, aSubmission().withEmail(`jane.doe+${i}@acme.com`).build());
    // Act: Jane's own download
    const { result, job } = await submitAndMail(t);
    // Assess: not sent now, queued again (at most 15 minutes); sent once the window reopens
    expect(result).toMatchObject({ sent: [], note: expect.stringMatching(/mailbox cap.*queued again in \d+ s/) });
    const [again] = t.queue.take();
    expect(again).toMatchObject({ ...job, heldSince: expect.any(String) });
    t.clock.advance(86_400_000);
    expect((await handleMailJob(t.deps, again!)).sent).toEqual(['delivery#ebook']);
    expect(subjects(t)).toEqual(['Your copy of The Serverless Funnel Playbook']);
  });

  it('gives the mailbox its room back when an email does not leave (a transient failure): the retry counts once', async () => {
    // Prepare: SES fails once, then works
    const t = fakeMailDeps();
    t.mailer.failNext('transient', 1);
    // Act: Jane's download fails and is retried, then four more of her aliases submit
    const body = aSubmission().build();
    await expect(submitAndMail(t, body)).rejects.toBeInstanceOf(TransientMailError);
    const job: MailJob = { type: 'submitted', siteId: 'demo', emailKey: emailKey(JANE), submissionId: body.submissionId as string };
    expect((await handleMailJob(t.deps, job)).sent).toEqual(['delivery#ebook']);
    const results = [];
    for (let i = 1; i <= 5; i++) results.push((await submitAndMail(t, aSubmission().withEmail(`jane.doe+${i}@acme.com`).build())).result.sent.length);
    // Assess: five emails in all reach the mailbox (the failed try took none of its room), the sixth waits
    expect(results).toEqual([1, 1, 1, 1, 0]);
  });
});
