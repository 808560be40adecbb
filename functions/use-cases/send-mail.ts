import type { Form, Site } from '../core/config.js';
import type { EmailKind, FormSubmittedEntry } from '../core/contracts.js';
import { PermanentMailError, SenderNotReadyError, TransientMailError } from '../core/errors.js';
import {
  DEFAULT_CONFIRMATION,
  afterSend,
  applyDecision,
  decide,
  effectiveTimeZone,
  enrol,
  localDay,
  renderEmail,
  senderOf,
  type EmailTemplateParts,
  type EnrolmentState,
  type Mailbox,
  type MergeValues,
  type NurtureLead,
  type Sequence,
  type SiteEmail,
} from '../core/nurture/index.js';
import { SHARED_PROVIDERS, isTestAddress, mailDomain, mailboxKey } from '../core/email.js';
import { formsSubmittedOf } from '../core/lead-record.js';
import type { ClaimOptions, MailJob, MailLead, OutgoingEmail } from '../core/ports.js';
import { type EmailCounts, exitMetric, sequenceCell } from '../core/email-stats.js';
import { dueDay } from '../core/due.js';
import type { Deps } from './deps.js';

/**
 * How long a claimed send may stay in flight before another worker takes it over (the lease).
 *
 * The timing argument: a live sender holds a claim at most as long as its function may run, 30 s
 * (`SEND_QUEUE.functionTimeoutSeconds`: Lambda stops it there), so a lease of twice that never overtakes a
 * live worker. A job that finds a claim it cannot own fails and is retried by its queue; it must not run
 * out of tries before the lease ends. On AWS the send queue redelivers after 180 s, 10 receives: 27 minutes.
 * Locally the queue backs off 1, 2, 4 … s, capped at 60 s, 10 receives: at least 194 s even with -20%
 * jitter. Both exceed the lease plus one retry interval, so a claim left by a sender killed mid-send is
 * always taken over and its email sent (`test/unit/lease-timing.test.ts` checks these numbers).
 */
export const SEND_CLAIM_STALE_MS = 60_000;

export type MailDeps = Pick<
  Deps,
  'config' | 'clock' | 'nurture' | 'mailer' | 'mailLinks' | 'sendThrottle' | 'prospects' | 'mailQueue' | 'metrics' | 'mailCaps' | 'emailStats'
>;

/**
 * A job whose sender cannot send yet (domain not verified, sandbox recipient) is held: queued again, with
 * waits doubling from 1 minute to SQS's longest delay, 15 minutes, for as long as SES takes to verify DKIM
 * (AWS: up to 72 hours). After that it fails as any transient error does, so it reaches the dead-letter
 * queue (alarmed, 14 days, redrivable): a lead magnet is never dropped for it.
 */
export const SENDER_HOLD = { firstDelaySeconds: 60, maxDelaySeconds: 900, maxHoldMs: 72 * 3_600_000 } as const;

/** What handling one job did, for logs and tests. */
export interface MailJobResult {
  /** Send keys of the emails handed to the mail service by this run. */
  sent: string[];
  /** Why nothing (more) happened, when that is worth saying. */
  note?: string;
  /** A mailbox or domain cap held an email back: the job is queued again for when it may go. */
  retryAfterSeconds?: number;
}

/**
 * How long an email a mailbox or domain cap holds back keeps being tried: a day and an hour, so the
 * person's own lead magnet or confirmation arrives once the window an attacker filled reopens, instead
 * of never. Tried again at most every 15 minutes (SQS's longest delay).
 */
export const CAP_HOLD = { maxHoldMs: 25 * 3_600_000, maxDelaySeconds: 900 } as const;

/**
 * Handle one mail job: send the emails it calls for, each exactly once, and move the lead through its
 * sequences. Safe to run twice or concurrently for the same job.
 * 1. read the lead (one consistent Query: profile, consent, submissions, opt-ins, enrolments, sends)
 * 2. `submitted`: on a double opt-in form not yet confirmed, send the confirmation email; otherwise as `confirmed`
 * 3. `confirmed`: send the delivery email, then enrol in the form's sequence (with marketing consent
 *    when the form asks for it); unsubscribed or suppressed leads get nothing
 * 4. `step`: ask the sequence state machine: send the due step (then advance), wait, defer (daily cap) or exit
 * Every send is claimed before SES is called and marked after, so a retry cannot double it.
 * @throws TransientMailError when SES throttles or is down, or another worker holds the send: retry later
 */
export async function handleMailJob(deps: MailDeps, job: MailJob): Promise<MailJobResult> {
  const site = deps.config.findSite(job.siteId);
  if (!site?.email) return { sent: [], note: `site "${job.siteId}" sends no email` };
  const lead = await deps.nurture.load(job);
  if (!lead) return { sent: [], note: 'no such lead (erased?)' };
  const ctx: SendContext = { deps, site, siteEmail: site.email, lead };
  let result: MailJobResult;
  try {
    result = await run(ctx, job);
  } catch (error) {
    if (error instanceof LeadErasedError) return { sent: [], note: 'the lead was erased: nothing sent' };
    if (error instanceof SenderNotReadyError) {
      const held = await hold(deps, job);
      if (held) return { sent: [], note: held };
    }
    throw error;
  }
  // An erasure may have raced this job between its read of the lead and its writes (claims, enrolments,
  // scheduled steps are not guarded by the lead item): if the lead is gone now, nothing of it may stay.
  if ((await deps.prospects.sweepIfErased(lead)) === 'swept') return { sent: result.sent, note: 'the lead was erased meanwhile: what this job wrote is gone' };
  if (result.retryAfterSeconds !== undefined && job.type !== 'step') return holdForCap(deps, job, result);
  return result;
}

/**
 * A cap held the job's email back (a stranger filled the mailbox's or the domain's window): queue it again
 * for when the window reopens, for up to {@link CAP_HOLD} since it was first held; then it is dropped, noted.
 */
async function holdForCap(deps: MailDeps, job: MailJob, result: MailJobResult): Promise<MailJobResult> {
  const now = deps.clock.now();
  const since = job.heldSince ?? now.toISOString();
  if (now.getTime() - Date.parse(since) >= CAP_HOLD.maxHoldMs)
    return { sent: result.sent, note: `${result.note}; held back for ${CAP_HOLD.maxHoldMs / 3_600_000} h: not sent` };
  const delaySeconds = Math.min(CAP_HOLD.maxDelaySeconds, Math.max(60, result.retryAfterSeconds ?? 0));
  await deps.mailQueue.enqueue([{ ...job, heldSince: since }], { delaySeconds });
  return { ...result, note: `${result.note}; queued again in ${delaySeconds} s` };
}

/** Queue the job again for later, unless it has been held for longer than SES takes to verify a domain. */
async function hold(deps: MailDeps, job: MailJob): Promise<string | undefined> {
  const now = deps.clock.now();
  const since = job.heldSince ?? now.toISOString();
  const heldMs = now.getTime() - Date.parse(since);
  if (heldMs >= SENDER_HOLD.maxHoldMs) return undefined;
  // Wait as long again as it has been held so far: the waits double (60, 60, 120, 240 … s) up to 15 minutes.
  const delaySeconds = Math.min(SENDER_HOLD.maxDelaySeconds, Math.max(SENDER_HOLD.firstDelaySeconds, Math.round(heldMs / 1000)));
  await deps.mailQueue.enqueue([{ ...job, heldSince: since }], { delaySeconds });
  deps.metrics.count('EmailsHeld');
  return `held: the sender cannot send yet (not verified), tried again in ${delaySeconds} s`;
}

async function run(ctx: SendContext, job: MailJob): Promise<MailJobResult> {
  if (job.type === 'step') return onStepDue(ctx, job.sequenceId);
  const submission = ctx.lead.submissions.find((s) => s.submissionId === job.submissionId);
  const form = submission && ctx.site.forms.find((f) => f.id === submission.formId);
  if (!submission || !form) return { sent: [], note: 'no such submission' };
  if (job.type === 'submitted' && form.doubleOptIn && !confirmedFor(ctx.lead, form.id)) return sendConfirmation(ctx, form, submission);
  return deliver(ctx, form, submission);
}

interface SendContext {
  deps: MailDeps;
  site: Site;
  siteEmail: SiteEmail;
  lead: MailLead;
}

/** Whether the lead confirmed its address on this form before (a returning reader need not confirm again). */
const confirmedFor = (lead: MailLead, formId: string): boolean => lead.submissions.some((s) => s.formId === formId && lead.optIns.includes(s.submissionId));

const blocked = (lead: MailLead): string | undefined =>
  lead.unsubscribedAt ? 'unsubscribed' : lead.suppressed ? `suppressed (${lead.suppressed})` : undefined;

/**
 * The send keys of the emails a public form triggers: one per lead and form, claimed again only after the
 * site's `resendAfterHours`. However many submissions an attacker makes for one address, the conditional
 * claim lets one email through per window, under any concurrency, with the one write a send always cost.
 */
export const deliveryKey = (formId: string): string => `delivery#${formId}`;
export const confirmationKey = (formId: string): string => `confirmation#${formId}`;

/** Emails of every kind the address got in the last 24 hours: what `maxPerAddressPerDay` counts. */
export function sentInLastDay(lead: Pick<MailLead, 'sends'>, now: Date): number {
  const since = now.getTime() - 24 * 3_600_000;
  return lead.sends.filter((s) => s.status === 'sent' && Date.parse(s.at) > since).length;
}

/** Why a form-triggered email must not go now, if it must not. */
function capped(ctx: SendContext): string | undefined {
  const why = blocked(ctx.lead);
  if (why) return why;
  const sent = sentInLastDay(ctx.lead, ctx.deps.clock.now());
  return sent >= ctx.siteEmail.maxPerAddressPerDay
    ? `address cap: ${sent} emails in 24 h (maxPerAddressPerDay ${ctx.siteEmail.maxPerAddressPerDay})`
    : undefined;
}

const windowOf = (ctx: SendContext): ClaimOptions => ({ reclaimAfterMs: ctx.siteEmail.resendAfterHours * 3_600_000 });

async function sendConfirmation(ctx: SendContext, form: Form, submission: FormSubmittedEntry): Promise<MailJobResult> {
  const why = capped(ctx);
  if (why) return { sent: [], note: why };
  const confirmUrl = await ctx.deps.mailLinks.confirmUrl(ctx.site.id, ctx.lead.leadId, submission.submissionId);
  const template = form.email?.confirmation ?? DEFAULT_CONFIRMATION;
  const sendKey = confirmationKey(form.id);
  const outcome = await sendOnce(ctx, form, { kind: 'confirmation', sendKey, template, values: { confirmUrl } }, windowOf(ctx));
  if (typeof outcome === 'object') return { sent: [], note: outcome.capped, retryAfterSeconds: outcome.retryAfterSeconds };
  return outcome === 'sent' ? { sent: [sendKey] } : { sent: [], note: `a confirmation went out less than ${ctx.siteEmail.resendAfterHours} h ago` };
}

async function deliver(ctx: SendContext, form: Form, submission: FormSubmittedEntry): Promise<MailJobResult> {
  const why = blocked(ctx.lead);
  if (why) return { sent: [], note: why };
  const sent: string[] = [];
  let note: string | undefined;
  let retryAfterSeconds: number | undefined;
  const delivery = form.email?.delivery;
  if (delivery) {
    const sendKey = deliveryKey(form.id);
    const cap = capped(ctx);
    const outcome = cap ? { capped: cap } : await sendOnce(ctx, form, { kind: 'delivery', sendKey, template: delivery }, windowOf(ctx));
    if (typeof outcome === 'object') {
      note = outcome.capped;
      retryAfterSeconds = 'retryAfterSeconds' in outcome ? outcome.retryAfterSeconds : undefined;
    } else if (outcome === 'sent') sent.push(sendKey);
    else note = `this form's delivery was already sent (or refused) less than ${ctx.siteEmail.resendAfterHours} h ago`;
  }
  const sequence = form.email?.sequence;
  // Marketing needs consent where the form asks for it: a reader who left the box unticked gets the ebook, not the sequence.
  // A claim (an address typed by a browser that has not proven it) enrols nobody on its own word: only a
  // lead that consented before, or the owner's confirmation on a double opt-in form (this path runs after it).
  const consented = form.consent?.marketing ? submission.consent?.granted === true : true;
  const mayMarket = consented && (!submission.unverified || form.doubleOptIn || ctx.lead.consent?.granted === true);
  if (sequence && mayMarket && !ctx.lead.enrolments.some((e) => e.state.sequenceId === sequence.id)) {
    const now = ctx.deps.clock.now();
    const state = enrol(sequence, now, effectiveTimeZone(ctx.lead.timeZone, ctx.siteEmail.timeZone));
    if (await ctx.deps.nurture.enrol(ctx.lead, { state, formId: form.id, enrolledAt: now.toISOString() }))
      await tally(ctx, dueDay(now.toISOString()), sequenceCell(sequence.id), { enrolled: 1 });
  }
  return note === undefined ? { sent } : { sent, note, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
}

async function onStepDue(ctx: SendContext, sequenceId: string): Promise<MailJobResult> {
  const { deps, lead } = ctx;
  const enrolment = lead.enrolments.find((e) => e.state.sequenceId === sequenceId);
  if (!enrolment) return { sent: [], note: `not enrolled in "${sequenceId}"` };
  const form = ctx.site.forms.find((f) => f.id === enrolment.formId);
  const sequence = form?.email?.sequence?.id === sequenceId ? form.email.sequence : undefined;
  const from = enrolment.state;
  const now = deps.clock.now();
  if (!form || !sequence) {
    // The sequence was removed from the config: nothing more can be sent in it.
    await moveIfChanged(ctx, from, applyDecision(from, { type: 'completed' }), now);
    return { sent: [], note: `sequence "${sequenceId}" is no longer configured` };
  }
  const timeZone = effectiveTimeZone(lead.timeZone, ctx.siteEmail.timeZone);
  // The address cap counts every kind of email: when it is reached, the step waits as at the daily cap.
  const addressCapped = sentInLastDay(lead, now) >= ctx.siteEmail.maxPerAddressPerDay;
  const decision = decide(from, sequence, nurtureLeadOf(lead), ctx.siteEmail, now, addressCapped ? ctx.siteEmail.maxPerDay : sentToday(lead, now, timeZone));
  if (decision.type !== 'send') {
    await moveIfChanged(ctx, from, applyDecision(from, decision), now);
    return { sent: [], note: decision.type };
  }
  const step = sequence.steps[decision.stepIndex]!;
  const sendKey = stepSendKey(sequence, step.id);
  const outcome = await sendOnce(ctx, form, { kind: 'step', sendKey, template: step, sequenceId, stepId: step.id });
  if (typeof outcome === 'object') {
    // The mailbox (over its aliases) or the domain is at its cap: the step waits as at the daily cap.
    await moveIfChanged(ctx, from, applyDecision(from, decide(from, sequence, nurtureLeadOf(lead), ctx.siteEmail, now, ctx.siteEmail.maxPerDay)), now);
    return { sent: [], note: outcome.capped };
  }
  if (outcome === 'failed' || outcome === 'failed-before') {
    await moveIfChanged(ctx, from, applyDecision(from, { type: 'exit', reason: 'send-failed', detail: 'the mail service refused the address' }), now);
    return { sent: [], note: 'send failed' };
  }
  // Sent now or by an earlier run that died before advancing: advance from when it left.
  const sentAt = outcome === 'sent' ? now : new Date(lead.sends.find((s) => s.sendKey === sendKey)?.at ?? now.toISOString());
  await move(ctx, from, afterSend(from, sequence, sentAt, timeZone), now);
  return { sent: outcome === 'sent' ? [sendKey] : [] };
}

export const stepSendKey = (sequence: Pick<Sequence, 'id'>, stepId: string): string => `step#${sequence.id}#${stepId}`;

async function moveIfChanged(ctx: SendContext, from: EnrolmentState, to: EnrolmentState, now: Date): Promise<void> {
  if (JSON.stringify(from) !== JSON.stringify(to)) await move(ctx, from, to, now);
}

/** Store the enrolment's next state; the run that moved it out of `active` counts how it left (completed, or exited and why). */
async function move(ctx: SendContext, from: EnrolmentState, to: EnrolmentState, now: Date): Promise<void> {
  const moved = await ctx.deps.nurture.moveEnrolment(ctx.lead, from, to, now.toISOString());
  if (!moved || from.status !== 'active' || to.status === 'active') return;
  const metric = to.status === 'completed' ? 'completed' : exitMetric(to.exitReason!);
  await tally(ctx, dueDay(now.toISOString()), sequenceCell(to.sequenceId), { [metric]: 1 });
}

/**
 * Add to the console's email counters, which never hold up an email: a count the table refuses (after the
 * adapter's own tries) is dropped, and the job goes on; so is the count of a test lead (an address at SES's
 * simulator: the smoke test's, the console's), which the numbers leave out as the form counters do.
 */
async function tally(ctx: SendContext, day: string, cell: string, add: EmailCounts): Promise<void> {
  if (isTestAddress(ctx.lead.email)) return;
  await ctx.deps.emailStats.count(ctx.site.id, day, cell, add).catch(() => undefined);
}

/** What the state machine needs to know about the lead, fresh from the table. */
export function nurtureLeadOf(lead: MailLead): NurtureLead {
  return {
    stage: lead.stage,
    unsubscribed: lead.unsubscribedAt !== undefined,
    suppressed: lead.suppressed,
    formsSubmitted: formsSubmittedOf(lead.submissions),
    timeZone: lead.timeZone,
  };
}

/** Sequence emails the lead got today (its local day), across all sequences: what the daily cap counts. */
export function sentToday(lead: MailLead, now: Date, timeZone: string): number {
  const today = localDay(now, timeZone);
  return lead.sends.filter((s) => s.kind === 'step' && s.status === 'sent' && localDay(new Date(s.at), timeZone) === today).length;
}

interface OneEmail {
  kind: EmailKind;
  sendKey: string;
  template: EmailTemplateParts;
  sequenceId?: string;
  stepId?: string;
  values?: MergeValues;
}

/**
 * Send one email at most once: claim it, take room under the mailbox and domain caps, hand it to the mail
 * service, mark it sent. A transient failure releases the claim (the job is retried); a permanent one is
 * recorded and never retried; over a cap, the claim is released and nothing is sent (`capped`).
 */
async function sendOnce(
  ctx: SendContext,
  form: Form,
  email: OneEmail,
  claim: ClaimOptions = {},
): Promise<'sent' | 'sent-before' | 'failed' | 'failed-before' | { capped: string; retryAfterSeconds: number }> {
  const { deps, lead, site, siteEmail } = ctx;
  const at = deps.clock.now().toISOString();
  const ids = { ...(email.sequenceId && { sequenceId: email.sequenceId }), ...(email.stepId && { stepId: email.stepId }) };
  const claimed = await deps.nurture.claimSend(
    lead,
    { sendKey: email.sendKey, kind: email.kind, ...(email.sequenceId && { sequenceId: email.sequenceId }) },
    at,
    SEND_CLAIM_STALE_MS,
    claim,
  );
  if (claimed === 'sent') return 'sent-before';
  if (claimed === 'failed') return 'failed-before';
  if (claimed === 'busy') throw new TransientMailError(`another worker is sending ${email.sendKey}`);
  const room = await takeMailboxRoom(ctx);
  if ('capped' in room) {
    await deps.nurture.releaseSend(lead, email.sendKey);
    deps.metrics.count('EmailsCapped');
    return room;
  }

  const outgoing = await composeEmail(ctx, form, email);
  let messageId: string;
  try {
    await deps.sendThrottle.acquire(site.id, siteEmail.sendRatePerSecond);
    // The last moment before the email leaves: no email to an address whose lead was erased meanwhile (the
    // sweep also removes this claim). SES has no way to take an email back, so this check comes last.
    if ((await deps.prospects.sweepIfErased(lead)) === 'swept') throw new LeadErasedError();
    ({ messageId } = await deps.mailer.send(outgoing));
  } catch (error) {
    // An email that did not leave gives its room back: a retried job counts once.
    if (!(error instanceof PermanentMailError)) await room.giveBack();
    if (error instanceof LeadErasedError) throw error;
    if (error instanceof PermanentMailError) {
      await deps.nurture.markFailed(lead, email.sendKey, { type: 'email_failed', at, kind: email.kind, formId: form.id, ...ids, reason: error.reason });
      deps.metrics.count('EmailsFailed');
      return 'failed';
    }
    await deps.nurture.releaseSend(lead, email.sendKey);
    throw error instanceof TransientMailError ? error : new TransientMailError((error as Error).message, { cause: error });
  }
  await deps.nurture.markSent(lead, email.sendKey, { type: 'email_sent', at, kind: email.kind, formId: form.id, ...ids, subject: outgoing.subject, messageId });
  deps.metrics.count('EmailsSent');
  // After the mark, so a count cannot send the email again: a crash between the two leaves one email
  // uncounted, never one counted twice.
  await tally(ctx, dueDay(at), email.sendKey, { sent: 1 });
  return 'sent';
}

/**
 * Counted only for an email about to leave (the claim is ours), and given back when it does not leave
 * (`giveBack`: a transient failure, an erasure), so a retried job counts nothing twice: the mailbox's daily cap over every lead whose address reaches it (`jane+1@…`, `j.a.ne@gmail.com`: a
 * lead per alias, one inbox), and the domain's hourly ceiling, which a catch-all domain would otherwise
 * turn into an unlimited inbox. Counters are shared by every environment and every site (one inbox).
 * Over either: the reason, and when to try again. Fixed windows (the UTC day, the clock hour).
 */
async function takeMailboxRoom(ctx: SendContext): Promise<{ capped: string; retryAfterSeconds: number } | { giveBack(): Promise<void> }> {
  const { deps, lead, siteEmail } = ctx;
  const mailbox = await deps.mailCaps.hit(`mailbox#${mailboxKey(lead.email)}`, siteEmail.maxPerAddressPerDay, 86_400);
  if (!mailbox.allowed)
    return {
      capped: `mailbox cap: ${siteEmail.maxPerAddressPerDay} emails a day to this mailbox over all its addresses (maxPerAddressPerDay)`,
      retryAfterSeconds: mailbox.retryAfterSeconds,
    };
  const domain = mailDomain(lead.email);
  if (SHARED_PROVIDERS.has(domain)) return { giveBack: mailbox.undo };
  const ceiling = await deps.mailCaps.hit(`maildomain#${mailboxKey(`@${domain}`)}`, siteEmail.maxPerDomainPerHour, 3_600);
  if (!ceiling.allowed) {
    await mailbox.undo();
    return {
      capped: `domain ceiling: ${siteEmail.maxPerDomainPerHour} emails an hour to ${domain} (maxPerDomainPerHour)`,
      retryAfterSeconds: ceiling.retryAfterSeconds,
    };
  }
  return { giveBack: async () => void (await Promise.all([mailbox.undo(), ceiling.undo()])) };
}

/** The lead was erased while its email was on its way: the job ends, and sends nothing. */
class LeadErasedError extends Error {
  override name = 'LeadErasedError';
}

/** Render the template for this lead, with the footer, the RFC 8058 one-click unsubscribe headers and the tags SES events come back with. */
async function composeEmail(ctx: SendContext, form: Form, email: OneEmail): Promise<OutgoingEmail> {
  const { deps, lead, site, siteEmail } = ctx;
  const unsubscribeUrl = await deps.mailLinks.unsubscribeUrl(site.id, lead.leadId);
  const sender = senderOf(siteEmail);
  const rendered = renderEmail(
    email.template,
    { ...mergeValues(site, form, lead), ...email.values },
    { footer: { postalAddress: siteEmail.postalAddress, unsubscribeUrl, senderName: sender.name } },
  );
  return {
    to: lead.email,
    from: formatMailbox(sender),
    ...(siteEmail.replyTo && { replyTo: siteEmail.replyTo }),
    ...rendered,
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    tracking: siteEmail.tracking,
    untrackedLinks: [unsubscribeUrl, ...(typeof email.values?.confirmUrl === 'string' ? [email.values.confirmUrl] : [])],
    tags: {
      site: site.id,
      lead: lead.emailKey,
      kind: email.kind,
      form: form.id,
      ...(email.sequenceId && { sequence: email.sequenceId }),
      ...(email.stepId && { step: email.stepId }),
      // A test lead's email: its SES events count nowhere.
      ...(isTestAddress(lead.email) && { test: 'true' }),
    },
  };
}

/** The merge values of a real send: the lead's profile and the form's own values. */
export function mergeValues(site: Site, form: Form, lead: Pick<MailLead, 'email' | 'profile'>): MergeValues {
  const p = lead.profile;
  return {
    firstName: p.firstName,
    lastName: p.lastName,
    company: p.company,
    jobTitle: p.jobTitle,
    email: lead.email,
    siteName: site.name,
    formTitle: form.title,
    ...(form.kind === 'gated-content' && { leadMagnetTitle: form.leadMagnet.title, leadMagnetUrl: form.leadMagnet.url }),
    ...(form.kind === 'free-trial' && form.trialUrl && { trialUrl: form.trialUrl }),
  };
}

/**
 * A From header value: `"Acme Inc." <hello@acme.com>`; a non-ASCII display name is RFC 2047-encoded, as SES requires.
 * @example formatMailbox({ name: 'Zoë', address: 'z@acme.com' }) // '=?UTF-8?B?Wm/Dqw==?= <z@acme.com>'
 */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  // eslint-disable-next-line no-control-regex
  const name = /^[\x20-\x7e]*$/.test(mailbox.name)
    ? `"${mailbox.name.replace(/["\\]/g, '\\$&')}"`
    : `=?UTF-8?B?${Buffer.from(mailbox.name, 'utf8').toString('base64')}?=`;
  return `${name} <${mailbox.address}>`;
}
