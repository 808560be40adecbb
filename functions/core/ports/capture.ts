import type { ConsentRecord, FormSubmittedEntry, LeadView, LifecycleStage, Next, PageViewedEntry, ScoreView, Source, StageChangedEntry } from '../contracts.js';
import type { Attribution, MAX_KEYS_PER_DAY, StatDimension, StatMetric } from '../stats.js';
import type { ScoringEvent } from '../scoring/score.js';
import type { Profile } from '../fields.js';
import type { Person } from '../people.js';
import type { SpamReason } from '../capture.js';

/** Ports of capture and scoring: leads, limits, visitor tokens, due checks, API keys. */

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
  /**
   * The lead this browser showed it created (its visitor token's creator grant). A submission to a known
   * lead other than this one is a claim: stored on the timeline, not applied (`isClaim`).
   */
  trustedLeadId?: string;
  /** The reply, stored with the submission so a retry of the same submissionId gets the same answer. */
  reply: { next: Next; message?: string };
  /** Whether the form's numbers count it (the stream does, once): not for the smoke test's addresses. */
  counted: boolean;
}

/** The answer stored with a submission (a retry gets it again); the API shows only `next` and `message`. */
export interface StoredAnswer {
  /** 201: it created the lead; 200: the lead existed (for the form's numbers, never shown). */
  status: 201 | 200;
  leadId: string;
  /** It was a claim (`isClaim`): the visitor token it gets carries no creator grant. */
  claim?: true;
  next: Next;
  message?: string;
}

export interface SpamRecord {
  siteId: string;
  /** Of the address it gave: the spam write reads the same lead item a capture reads, so both take as long. */
  emailKey: string;
  formId: string;
  submissionId: string;
  reason: SpamReason;
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
  /**
   * Keep a caught bot's submission, counted against the client's limit as a capture is, with the same
   * requests a capture makes (a read of the lead item, then one transaction of three items), so a bot
   * cannot tell it was caught by the time its answer takes. Over the limit, nothing is written.
   */
  recordSpam(record: SpamRecord, limit: Limit): Promise<{ limited: { retryAfterSeconds: number } } | undefined>;
  findById(leadId: string): Promise<LeadView | undefined>;
  findByEmail(siteId: string, emailKey: string): Promise<LeadView | undefined>;
  /** Everything scoring needs about one lead, read consistently. */
  loadForScoring(ref: LeadRef): Promise<ScoringInput | undefined>;
  /**
   * Store the score; a stage change is recorded (timeline + domain event) in the same write, once. When
   * `decayCheckAt` is new, a due check is written first, so a crash cannot lose the schedule. True when
   * this call recorded the stage change (false: none, or another call recorded it first, or the lead is gone).
   */
  saveScore(ref: LeadRef, update: ScoreUpdate): Promise<boolean>;
  /**
   * Record a behaviour event of the lead with this id, unless it withdrew consent. Idempotent by eventId.
   * `unknown`: no such lead on this site.
   */
  recordEvent(siteId: string, leadId: string, event: StoredEvent): Promise<'recorded' | 'duplicate' | 'unsubscribed' | 'unknown'>;
  /**
   * Mark a stored submission as counted in the form's numbers. True for the first call only, so a stream
   * record delivered twice is counted once; false too when the submission is gone (erased).
   */
  markCounted(ref: LeadRef, submissionId: string, at: string): Promise<boolean>;
}

/** What raises sales webhooks: a stage reached, or an unsubscribe. */
export type WebhookTrigger = { kind: 'stage'; change: Pick<StageChangedEntry, 'from' | 'to' | 'at'> } | { kind: 'unsubscribed'; at: string };

/** A stored submission as the form's numbers count it (from the table stream). */
export interface SubmissionCount {
  submissionId: string;
  /** When it was stored: the day it counts on. */
  at: string;
  /** It created the lead (the capture answered 201). */
  newLead: boolean;
  /** Its form, variant, page and UTM values. */
  source: Pick<Source, 'formId' | 'variant' | 'pageUrl' | 'utm'>;
}

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
  /** Marked as not a fit: scored, but held at its stage. */
  notAFit?: true;
  events: ScoringEvent[];
  /** The submission that created the lead: its MQL and SQL are credited to that form, variant, campaign and page. */
  firstSource?: Source;
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
  /** Store a new key by its hash, with who made it (the CLI, or a person in the console). */
  save(hash: string, key: ApiKey, createdAt: string, createdBy?: string): Promise<void>;
  /** Every key made since the listing existed, newest first, without its secret or hash. */
  list(): Promise<ApiKeyInfo[]>;
  /** Revoke a key by its id (from the listing) or its hash; false when there is no such key, or it was revoked. */
  revoke(which: { id: string } | { hash: string }, at: string): Promise<boolean>;
}

/** A key as the console lists it: an id (the start of its hash, not enough to use it), never the secret. */
export interface ApiKeyInfo extends ApiKey {
  id: string;
  createdAt: string;
  createdBy?: string;
  revokedAt?: string;
}

/** Who a console request's bearer token stands for: undefined for a forged, expired or foreign one. */
export interface PeopleTokens {
  verify(token: string): Promise<Person | undefined>;
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
  issue(grant: VisitorGrant): Promise<string>;
  /** What a token grants; undefined when it is malformed, forged or expired. */
  verify(token: string): Promise<VisitorGrant | undefined>;
}

/** What a visitor token lets its browser do (docs/security.md). */
export interface VisitorGrant {
  siteId: string;
  leadId: string;
  /**
   * `creator`: its browser's submission created the lead (or showed a creator token), so its later
   * submissions update the lead and its page views score. `claim`: it submitted an address that was
   * already a lead; its page views are kept but score only once the owner acts.
   */
  trust: 'creator' | 'claim';
  /** The profile fields this browser gave (all it may learn back through `/known`). */
  fields: string[];
}

/**
 * Proof that a form's definition was served, handed out with it and sent back with the form's impression.
 * The same for every request of one minute (definitions are cached that long), valid for two hours.
 */
export interface ImpressionProofs {
  issue(siteId: string, formId: string, variant: string | undefined, at: Date): Promise<string>;
  /** Whether `proof` was issued for this form and variant, at most two hours before `now` (and not after it). */
  verify(proof: string, siteId: string, formId: string, variant: string | undefined, now: Date): Promise<boolean>;
}

export interface CountOptions {
  /**
   * Asked before a value new to the day is let in among its dimension's {@link MAX_KEYS_PER_DAY}: false
   * counts it as `(other)`. The impression beacon lets each network prefix bring only a few new values a
   * day, so one party cannot take the day's keys. Not asked for a value already in.
   */
  mayAdmit?: () => Promise<boolean>;
}

/** A form's counters (see core/stats.ts): per day and dimension value, shared by every environment. */
export interface FormStats {
  /**
   * Add `add` to every cell of one event (the form's total and each dimension's value) on `day`. Each call
   * is applied once; callers call once per event (a retried beacon or replayed submission never calls).
   */
  count(siteId: string, attribution: Attribution, day: string, add: Partial<Record<StatMetric, number>>, options?: CountOptions): Promise<void>;
  /** Each cell of one dimension (`all` for the totals) from day `from` to day `to`, both included. */
  read(siteId: string, formId: string, dimension: 'all' | StatDimension, from: string, to: string): Promise<StatCell[]>;
}

export interface StatCell {
  day: string;
  value: string;
  counts: Partial<Record<StatMetric, number>>;
}
