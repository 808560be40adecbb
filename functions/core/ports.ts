import type { ConsentRecord, FormSubmittedEntry, LeadView, LifecycleStage, Next, ScoreView, Source, StageChangedEntry } from './contracts.js';
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
  loadForScoring(siteId: string, emailKey: string): Promise<ScoringInput | undefined>;
  /** Store the score; a stage change is recorded (timeline + domain event) in the same write, once. */
  saveScore(siteId: string, emailKey: string, score: ScoreView, change?: StageChangedEntry): Promise<void>;
}

export interface ScoringInput {
  leadId: string;
  email: string;
  profile: Profile;
  stage: LifecycleStage;
  events: { id: string; type: 'form_submitted'; at: string; formId: string; formKind: string }[];
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
