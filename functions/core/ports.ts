import type { ConsentRecord, FormSubmittedEntry, LeadView, LifecycleStage, Next, PageViewedEntry, ScoreView, Source, StageChangedEntry } from './contracts.js';
import type { ScoringEvent } from './scoring/score.js';
import type { Profile } from './fields.js';

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
  fields: Record<string, string>;
  userAgent?: string;
}

export interface LeadRepository {
  /** The answer given to an earlier submission with this id for this address, if any. */
  findAnswer(siteId: string, emailKey: string, submissionId: string): Promise<StoredAnswer | undefined>;
  /**
   * Merge the submission into the lead (creating it if new) and record the submission, idempotently:
   * the same submissionId twice records one submission and returns the first answer.
   */
  capture(write: CaptureWrite): Promise<StoredAnswer>;
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

/** A scheduled re-score: at `at`, re-score the lead (decay may have moved its stage). */
export interface DueCheck extends LeadRef {
  at: string;
}

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
export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
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
