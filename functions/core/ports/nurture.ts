import type {
  ConsentRecord,
  EmailEngagedEntry,
  EmailFailedEntry,
  EmailKind,
  EmailSentEntry,
  EmailSuppressedEntry,
  FormSubmittedEntry,
  LifecycleStage,
  UnsubscribeMethod,
} from '../contracts.js';
import type { Profile } from '../fields.js';
import type { EnrolmentState } from '../nurture/sequence.js';
import type { EmailCounts, EmailStatCell } from '../email-stats.js';
import type { LeadRef } from './capture.js';

/** Ports of nurture: mail jobs and their queue, the mailer, enrolments and send records, mail links. */

/** One email, ready to hand to the mail service: rendered, footer included. */
export interface OutgoingEmail {
  to: string;
  from: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058). */
  headers: Record<string, string>;
  /** Come back on the provider's delivery, bounce, complaint, open and click events: which send this was. */
  tags: Record<string, string>;
  /** Whether the provider tracks this email's opens and clicks (the site's `email.tracking`). @default neither */
  tracking?: { opens: boolean; clicks: boolean };
  /** Links click tracking must leave as they are (confirm, unsubscribe): a rewritten one would be a third party's URL. */
  untrackedLinks?: string[];
}

/**
 * Sends email. Throws {@link TransientMailError} for what a later retry may fix (throttling, outages,
 * sending paused) and {@link PermanentMailError} for what no retry will (the address is rejected).
 */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

// -------------------------------------------------------------------------------------------------------
// Nurture

/**
 * Mail work, carried by a durable queue (SQS with a dead-letter queue on AWS) to the sender:
 * - `submitted`: a submission landed: send the confirmation (double opt-in) or the delivery, and enrol;
 * - `confirmed`: a double opt-in was confirmed: send the delivery and enrol;
 * - `step`: the lead's next step in a sequence is due.
 * Jobs name the lead by its partition, never by address. Handling a job twice is harmless.
 */
export type MailJob = (
  | { type: 'submitted'; siteId: string; emailKey: string; submissionId: string }
  | { type: 'confirmed'; siteId: string; emailKey: string; submissionId: string }
  | { type: 'step'; siteId: string; emailKey: string; sequenceId: string }
) & {
  /** Set on a job held because the sender could not send yet: when it was first held. */
  heldSince?: string;
};

export interface MailQueue {
  /** Queue jobs, optionally delayed (up to 900 s, SQS's limit). */
  enqueue(jobs: readonly MailJob[], options?: { delaySeconds?: number }): Promise<void>;
}

/** A lead's enrolment in one sequence, as stored. */
export interface StoredEnrolment {
  state: EnrolmentState;
  formId: string;
  enrolledAt: string;
}

/** One email's send record: claimed before SES is called, `sent` after, `failed` when refused for good. */
export interface SendRecord {
  sendKey: string;
  kind: EmailKind;
  status: 'sending' | 'sent' | 'failed';
  /** When it was claimed (sending) or sent. */
  at: string;
  sequenceId?: string;
}

/** Everything the sender needs about one lead, read in one consistent Query of its partition. */
export interface MailLead extends LeadRef {
  leadId: string;
  email: string;
  profile: Profile;
  stage: LifecycleStage;
  consent?: ConsentRecord;
  unsubscribedAt?: string;
  suppressed?: 'bounced' | 'complained';
  softBounces: number;
  /** The lead's IANA time zone, when its browser told it (the latest submission's). */
  timeZone?: string;
  submissions: FormSubmittedEntry[];
  optIns: string[];
  enrolments: StoredEnrolment[];
  sends: SendRecord[];
}

/** Where the mail side keeps its state: enrolments, send records, opt-ins, suppression, unsubscribes. */
/** How a send claim may be taken again. */
export interface ClaimOptions {
  /**
   * A send finished (sent or refused) more than this long ago may be claimed again: one key then stands for
   * "at most one such email per window" (the delivery per lead and form), not "once ever".
   */
  reclaimAfterMs?: number;
}

export interface NurtureStore {
  load(ref: LeadRef): Promise<MailLead | undefined>;
  /** The partition of the lead with this public id on this site (tokens carry ids, not addresses). */
  findRef(siteId: string, leadId: string): Promise<LeadRef | undefined>;
  /**
   * Enrol, unless the lead already is (or was) in this sequence: the due step is scheduled first, so a
   * crash cannot lose it. Returns false when an enrolment already existed.
   */
  enrol(ref: LeadRef, enrolment: StoredEnrolment): Promise<boolean>;
  /**
   * Store the enrolment's next state, only if it is still `from` (a concurrent or retried run that
   * already moved it loses, harmlessly). A new `nextAt` is scheduled before the write; an exit is
   * recorded on the timeline.
   */
  moveEnrolment(ref: LeadRef, from: EnrolmentState, to: EnrolmentState, at: string): Promise<boolean>;
  /**
   * Claim one email before sending it. `claimed`: go ahead. `sent`/`failed`: it was done already.
   * `busy`: another worker claimed it less than `staleAfterMs` ago (it may be sending right now).
   * A claim older than that is taken over: the worker that held it died mid-send.
   */
  claimSend(
    ref: LeadRef,
    send: { sendKey: string; kind: EmailKind; sequenceId?: string },
    at: string,
    staleAfterMs: number,
    options?: ClaimOptions,
  ): Promise<'claimed' | 'sent' | 'failed' | 'busy'>;
  /** The email left: record it (the timeline entry) on the claim. */
  markSent(ref: LeadRef, sendKey: string, entry: EmailSentEntry): Promise<void>;
  /** SES refused the address for good: record why; the claim stays, so it is never retried. */
  markFailed(ref: LeadRef, sendKey: string, entry: EmailFailedEntry): Promise<void>;
  /** A transient failure: drop the claim so the retry can send. */
  releaseSend(ref: LeadRef, sendKey: string): Promise<void>;
  /** Record a confirmed double opt-in for a submission; `duplicate` when it was confirmed before. */
  confirmOptIn(ref: LeadRef, submissionId: string, formId: string, at: string): Promise<'confirmed' | 'duplicate'>;
  /** Unsubscribe the lead (consent withdrawn, nothing more sent); `already` when it was. */
  unsubscribe(ref: LeadRef, at: string, method: UnsubscribeMethod, by?: string): Promise<'unsubscribed' | 'already'>;
  /** Suppress the address (hard bounce, complaint): nothing more is ever sent to it from this site. */
  suppress(ref: LeadRef, entry: EmailSuppressedEntry): Promise<void>;
  /** Count a soft bounce of one email, once however often it is reported; returns how many there have been. */
  countSoftBounce(ref: LeadRef, messageId: string): Promise<number>;
  /** An open or click (idempotent by eventId); lands on the timeline and re-scores the lead. */
  recordEngagement(ref: LeadRef, entry: EmailEngagedEntry): Promise<'recorded' | 'duplicate' | 'unknown'>;
}

/** Signed links in emails: confirmation (expires) and unsubscribe (does not). They carry a lead id, never an address. */
export interface MailLinks {
  confirmUrl(siteId: string, leadId: string, submissionId: string): Promise<string>;
  unsubscribeUrl(siteId: string, leadId: string): Promise<string>;
  /** The (site, lead, submission) of a confirmation token; `expired` when it was genuine but is too old. */
  verifyConfirm(token: string): Promise<{ siteId: string; leadId: string; submissionId: string } | 'expired' | undefined>;
  verifyUnsubscribe(token: string): Promise<{ siteId: string; leadId: string } | undefined>;
}

/** Keeps the send rate under a per-second limit (SES's max send rate): resolves when one more email may go. */
export interface SendThrottle {
  acquire(key: string, perSecond: number): Promise<void>;
}

/** What the mail service reports back about an email Funnel sent, provider-neutral (the SES adapter parses SES's events into it). */
export type MailEvent = LeadRef & {
  at: string;
  /** The provider's id of the email, with the event type it makes each event's id. */
  messageId: string;
  kind?: EmailKind;
  formId?: string;
  sequenceId?: string;
  stepId?: string;
  /** An email to a test lead (an address at SES's simulator): counted nowhere. */
  test?: true;
} & (
    | { type: 'delivered' }
    | { type: 'bounced'; permanent: boolean; detail: string }
    | { type: 'complained'; detail?: string }
    | { type: 'opened' }
    | { type: 'clicked'; link: string }
  );

/** Each email's and sequence's counters (see core/email-stats.ts), per site and UTC day. */
export interface EmailStats {
  /**
   * Add to one cell. With an `eventId`, at most once for that id (SES events come at least once): a
   * repeated id adds nothing and answers `duplicate`.
   */
  count(siteId: string, day: string, email: string, add: EmailCounts, eventId?: string): Promise<'counted' | 'duplicate'>;
  /** Every cell of the site from `from` to `to` (UTC days, inclusive), summed over its partitions. */
  read(siteId: string, from: string, to: string): Promise<EmailStatCell[]>;
}

/** The sending account as the mail service sees it: what the console's deliverability page shows. */
export interface MailAccountState {
  /** A stand-in for SES (the local emulator): no sandbox, no quota, no reputation. */
  emulator?: boolean;
  /** Still in SES's sandbox: only verified recipients, 200 emails a day. */
  sandbox: boolean;
  sendingEnabled: boolean;
  /** SES's own verdict on the account: `HEALTHY`, `PROBATION` (under review) or `SHUTDOWN`. */
  enforcement?: string;
  quota?: { max24Hour: number; sentLast24Hours: number; maxSendRate: number };
  /** Whether SES itself adds hard bounces and complaints to the account's suppression list. */
  suppressionReasons: string[];
}

/** A sender domain's identity: verified for sending, and its DKIM signing status. */
export interface SenderIdentity {
  domain: string;
  /** `missing`: the account has no such identity. */
  verified: boolean | 'missing';
  /** SES's DKIM status: `SUCCESS`, `PENDING`, `FAILED`, `TEMPORARY_FAILURE`, `NOT_STARTED`. */
  dkim?: string;
}

/** An address on the account's suppression list: SES sends nothing to it while it is there. */
export interface SuppressedAddress {
  address: string;
  reason: 'BOUNCE' | 'COMPLAINT';
  at: string;
}

/** The mail service's account: state, sender identities, suppression list. */
export interface MailAccount {
  state(): Promise<MailAccountState>;
  identities(domains: readonly string[]): Promise<SenderIdentity[]>;
  /** One exact address, else the newest page of the list (`next`: the next page's token). */
  suppressed(query: { address?: string; next?: string }): Promise<{ entries: SuppressedAddress[]; next?: string }>;
  /** Take an address off the list; false when it was not on it. */
  unsuppress(address: string): Promise<boolean>;
}
