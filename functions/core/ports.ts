import type {
  ConsentRecord,
  EmailEngagedEntry,
  EmailFailedEntry,
  EmailKind,
  EmailSentEntry,
  EmailSuppressedEntry,
  FormSubmittedEntry,
  LeadView,
  LifecycleStage,
  Next,
  PageViewedEntry,
  ScoreView,
  Source,
  StageChangedEntry,
} from './contracts.js';
import type { ScoringEvent } from './scoring/score.js';
import type { Profile } from './fields.js';
import type { EnrolmentState } from './nurture/sequence.js';

/** Time is a port so tests set it and nothing sleeps. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new random, URL-safe, unguessable id. */
  newId(): string;
}

/** What one accepted submission changes: the lead's profile and the new timeline entry. */
export interface CaptureWrite {
  siteId: string;
  email: string;
  emailKey: string;
  /** Only the fields this submission supplied; nothing known is blanked. */
  profile: Profile;
  /** The consent decision made on this submission, if the form asked. */
  consent?: ConsentRecord;
  source: Source;
  entry: FormSubmittedEntry;
  /** Used only if the lead is new. */
  newLeadId: string;
  /** The reply, stored with the submission so a retry of the same submissionId gets the same answer. */
  reply: { next: Next; message?: string };
}

export interface StoredAnswer {
  status: 201 | 200;
  leadId: string;
  next: Next;
  message?: string;
}

export interface SpamRecord {
  siteId: string;
  formId: string;
  submissionId: string;
  reason: 'honeypot' | 'too-fast';
  at: string;
  /**
   * The length of each field sent, not its value: a bot's submission often carries a real person's
   * address, name and company, and spam is kept 30 days, beyond the reach of that person's erasure.
   */
  fieldLengths: Record<string, number>;
  userAgent?: string;
}

/** A shared counter: at most `limit` hits in each window of `windowSeconds`. */
export interface Limit {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** What a capture did: stored the submission, found it stored before (a retry), or was over the limit. */
export type CaptureOutcome = { stored: StoredAnswer } | { replayed: StoredAnswer } | { limited: { retryAfterSeconds: number } };

export interface LeadRepository {
  /**
   * Merge the submission into the lead (creating it if new), record the submission and count it against
   * the client's limit, all or nothing: a submissionId stored before gets its first answer and counts
   * nothing; over the limit, nothing is written.
   */
  capture(write: CaptureWrite, limit: Limit): Promise<CaptureOutcome>;
  recordSpam(record: SpamRecord): Promise<void>;
  findById(leadId: string): Promise<LeadView | undefined>;
  findByEmail(siteId: string, emailKey: string): Promise<LeadView | undefined>;
  /** Everything scoring needs about one lead, read consistently. */
  loadForScoring(ref: LeadRef): Promise<ScoringInput | undefined>;
  /**
   * Store the score; a stage change is recorded (timeline + domain event) in the same write, once. When
   * `decayCheckAt` is new, a due check is written first, so a crash cannot lose the schedule.
   */
  saveScore(ref: LeadRef, update: ScoreUpdate): Promise<void>;
  /**
   * Record a behaviour event of the lead with this id, unless it withdrew consent. Idempotent by eventId.
   * `unknown`: no such lead on this site.
   */
  recordEvent(siteId: string, leadId: string, event: StoredEvent): Promise<'recorded' | 'duplicate' | 'unsubscribed' | 'unknown'>;
}

/** What raises sales webhooks: a stage reached, or an unsubscribe. */
export type WebhookTrigger = { kind: 'stage'; change: Pick<StageChangedEntry, 'from' | 'to' | 'at'> } | { kind: 'unsubscribed'; at: string };

/** A lead's partition: the site and the hash of its address. */
export interface LeadRef {
  siteId: string;
  emailKey: string;
}

export interface ScoringInput {
  leadId: string;
  email: string;
  profile: Profile;
  stage: LifecycleStage;
  events: ScoringEvent[];
  /** The decay check already scheduled, if any. */
  decayCheckAt?: string;
}

export interface ScoreUpdate {
  score: ScoreView;
  change?: StageChangedEntry;
  /** When decay may next move the lead's stage; absent when it cannot. */
  decayCheckAt?: string;
  /** The one stored before, so an unchanged schedule is not written again. */
  previousDecayCheckAt?: string;
}

/** A page view (the only behaviour event the public API takes), as stored on the lead's timeline. */
export type StoredEvent = PageViewedEntry;

/**
 * Scheduled work on a lead at `at`: a decay re-score (decay may have moved its stage), or, with
 * `sequenceId`, the lead's next step in that nurture sequence.
 */
/**
 * Scheduled work on a lead, by kind: a decay re-score (its stage may change with time alone), the next step
 * of a nurture sequence, or a webhook retry (the lead's pending deliveries to one endpoint).
 */
export type DueCheck = LeadRef & { at: string } & ({ kind: 'decay' } | { kind: 'step'; sequenceId: string } | { kind: 'webhook-retry'; endpointId: string });

/**
 * Scheduled work, bucketed by day so a scheduled drainer reads a handful of small partitions. The cursor
 * is the first day not yet fully drained.
 */
export interface DueChecks {
  list(day: string, until: string): Promise<DueCheck[]>;
  done(check: DueCheck): Promise<void>;
  cursor(): Promise<string | undefined>;
  setCursor(day: string): Promise<void>;
}

export interface ApiKey {
  name: string;
  /** Sites this key may read; `*` is every site. */
  siteIds: string[];
}

export interface ApiKeyStore {
  /** Look a key up by the SHA-256 of its secret; keys are never stored in clear. */
  findByHash(hash: string): Promise<ApiKey | undefined>;
}

/** Caps how often one client may submit; returns seconds to wait when over the limit. */
/**
 * A ceiling on many clients at once (a form's submissions), enforced one request late: each request is
 * counted alongside its own work, and the first one the counter refuses marks the ceiling reached for the
 * requests after it in this environment. No round trip is spent on it before the work.
 */
export interface Ceiling {
  /** Seconds until the ceiling opens again, if it is known to be reached. */
  retryAfter(key: string): number | undefined;
  /** Count one request. */
  count(key: string, limit: number, windowSeconds: number): Promise<void>;
}

export interface RateLimiter {
  /** Count one hit; an allowed hit can be taken back (`undo`), e.g. when it turns out to be a replay. */
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: true; undo(): Promise<void> } | { allowed: false; retryAfterSeconds: number }>;
}

export type { Profile };

/**
 * Opaque, signed tokens that tie a browser to a lead for behaviour tracking, without an email address in
 * sight. Issued on a consented submission; verified on every event.
 */
export interface VisitorTokens {
  issue(siteId: string, leadId: string): Promise<string>;
  /** The site and lead a token stands for; undefined when it is malformed, forged or expired. */
  verify(token: string): Promise<{ siteId: string; leadId: string } | undefined>;
}

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
export type MailJob =
  | { type: 'submitted'; siteId: string; emailKey: string; submissionId: string }
  | { type: 'confirmed'; siteId: string; emailKey: string; submissionId: string }
  | { type: 'step'; siteId: string; emailKey: string; sequenceId: string };

export interface MailQueue {
  enqueue(jobs: readonly MailJob[]): Promise<void>;
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
  unsubscribe(ref: LeadRef, at: string, method: 'one-click' | 'page'): Promise<'unsubscribed' | 'already'>;
  /** Suppress the address (hard bounce, complaint): nothing more is ever sent to it from this site. */
  suppress(ref: LeadRef, entry: EmailSuppressedEntry): Promise<void>;
  /** Count a soft bounce; returns how many there have been. */
  countSoftBounce(ref: LeadRef): Promise<number>;
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
  sequenceId?: string;
  stepId?: string;
} & (
    | { type: 'bounced'; permanent: boolean; detail: string }
    | { type: 'complained'; detail?: string }
    | { type: 'opened' }
    | { type: 'clicked'; link: string }
  );

// -------------------------------------------------------------------------------------------------------
// Hand-off: webhooks

/** Work for the webhook sender: deliver this lead's pending events to this endpoint, oldest first. */
export interface WebhookJob extends LeadRef {
  endpointId: string;
}

export interface WebhookQueue {
  /** Queue jobs, visible after `delaySeconds` (at most 900, SQS's limit). */
  enqueue(jobs: readonly WebhookJob[], options?: { delaySeconds?: number }): Promise<void>;
  /** Report a delivery that ran out of tries (or was refused for good): it lands where the operator's alarm watches. */
  deadLetter(notice: { deliveryId: string; siteId: string; endpointId: string; type: string; reason: string }): Promise<void>;
}

/** One try at delivering, as the delivery log shows it. */
export interface WebhookAttempt {
  at: string;
  /** `delivered`, `retry` (will be tried again), `failed` (a 4xx that no retry fixes), `dead` (out of tries), `disabled` (410 Gone). */
  result: 'delivered' | 'retry' | 'failed' | 'dead' | 'disabled';
  status?: number;
  latencyMs: number;
  error?: string;
}

/** A delivery of one event to one endpoint. Its `deliveryId` is the `webhook-id` of every try, so receivers can deduplicate. */
export interface WebhookDelivery extends LeadRef {
  deliveryId: string;
  endpointId: string;
  type: string;
  leadId: string;
  /** When the event happened: the delivery order per lead and endpoint. */
  eventAt: string;
  createdAt: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  /** The JSON body, frozen when the event happened: every try sends the same bytes. */
  body: string;
  attempts: WebhookAttempt[];
  nextAttemptAt?: string;
}

/** Deliveries (in their lead's partition), the per-endpoint log and endpoint state. */
export interface WebhookStore {
  /** Record new deliveries; one that exists already (a repeated stream record) is left as it is. */
  create(deliveries: readonly Omit<WebhookDelivery, 'attempts' | 'status'>[]): Promise<void>;
  /** The lead's pending deliveries to this endpoint, oldest event first. */
  pending(ref: LeadRef, endpointId: string): Promise<WebhookDelivery[]>;
  /** Add a try to the log and set the outcome, unless another worker recorded a try first (false). */
  recordAttempt(delivery: WebhookDelivery, attempt: WebhookAttempt, next: { status: WebhookDelivery['status']; nextAttemptAt?: string }): Promise<boolean>;
  /** Schedule the lead's deliveries to this endpoint to be tried again at `at` (a due item). */
  scheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void>;
  /** Take a scheduled retry back (its lead was erased while it was being scheduled). */
  unscheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void>;
  find(deliveryId: string): Promise<WebhookDelivery | undefined>;
  forLead(ref: LeadRef): Promise<WebhookDelivery[]>;
  /** The endpoint's deliveries, newest first. */
  forEndpoint(siteId: string, endpointId: string, options: { limit: number }): Promise<WebhookDelivery[]>;
  /** Put a delivery back to pending (a replay), keeping its log. */
  reopen(delivery: WebhookDelivery, at: string): Promise<void>;
  disabledAt(siteId: string, endpointId: string): Promise<string | undefined>;
  setDisabled(siteId: string, endpointId: string, at: string | undefined, reason?: string): Promise<void>;
}

/** The signing secret (`whsec_…`) of an endpoint. */
export interface WebhookSecrets {
  secretOf(siteId: string, endpointId: string): Promise<string>;
}

/** What came of one HTTP POST to an endpoint. */
export type WebhookOutcome =
  | { kind: 'response'; status: number; retryAfter?: string; latencyMs: number; bodySnippet?: string }
  | { kind: 'timeout'; latencyMs: number }
  | { kind: 'network'; code?: string; message: string; latencyMs: number };

/** Signs (Standard Webhooks) and POSTs one webhook; never throws for what the network or the receiver did. */
export interface WebhookTransport {
  send(request: { url: string; body: string; webhookId: string; timestamp: Date; secret: string }): Promise<WebhookOutcome>;
}

// -------------------------------------------------------------------------------------------------------
// Hand-off: the pull API and privacy

/** One entry of the prospect index: a lead that reached a stage, numbered in qualification order. */
export interface ProspectEntry extends LeadRef {
  seq: number;
  leadId: string;
  qualifiedAt: string;
  /** When the index entry was written (a gap before it older than a minute is permanent). */
  writtenAt: string;
}

/** The qualification index behind `GET /v1/prospects`, claims, and the lead's export and erasure. */
export interface ProspectStore {
  /** The qualification's number: the one it was given before, or the next of the (site, stage) counter. */
  sequenceOf(ref: LeadRef, stage: string): Promise<number>;
  /** Write the index entry (idempotent). */
  putEntry(stage: string, entry: ProspectEntry): Promise<void>;
  /** Delete an index entry (one written for a lead erased meanwhile). */
  dropEntry(siteId: string, stage: string, seq: number): Promise<void>;
  /** Index entries after `afterSeq`, in order, at most `limit`. */
  entriesAfter(siteId: string, stage: string, afterSeq: number, limit: number): Promise<ProspectEntry[]>;
  /** Record who took the prospect, unless someone else did: then their claim. */
  claim(ref: LeadRef, rep: string, at: string): Promise<{ claimed: { rep: string; at: string } } | { taken: { rep: string; at: string } }>;
  /** Every item held on the lead (its partition and what points at it), without internal keys, by kind. */
  exportLead(ref: LeadRef): Promise<Record<string, unknown[]>>;
  /** Delete everything held on the lead and keep only an anonymised consent audit entry. Returns false when there was no lead. */
  eraseLead(ref: LeadRef, at: string): Promise<boolean>;
  /**
   * For a writer that may have raced an erasure (its writes are not guarded by the lead item): if the lead
   * is gone, delete whatever is left of it. 'present' when the lead exists (nothing is done).
   */
  sweepIfErased(ref: LeadRef): Promise<'present' | 'swept'>;
}
