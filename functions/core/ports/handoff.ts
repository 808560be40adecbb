import type { LeadRef } from './capture.js';
import type { FitChangedEntry, Source } from '../contracts.js';
import type { Destination } from '../destinations/config.js';

/** Ports of the sales hand-off: webhook jobs, deliveries and their transport; the prospect index and privacy. */

/** Work for the webhook sender: deliver this lead's pending events to this endpoint, oldest first. */
export interface WebhookJob extends LeadRef {
  endpointId: string;
}

/** Work for the webhook sender: delete a person from a destination, after their lead was erased here. */
export interface DestinationErasureJob extends ErasureSubject {
  kind: 'erase';
  destinationId: string;
}

/** What the webhook sender's queue carries. */
export type HandoffJob = WebhookJob | DestinationErasureJob;

export interface WebhookQueue {
  /** Queue jobs, visible after `delaySeconds` (at most 900, SQS's limit). */
  enqueue(jobs: readonly HandoffJob[], options?: { delaySeconds?: number }): Promise<void>;
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
  /**
   * Take the delivery's next try for `until` (ISO time), unless another worker holds it (false) or
   * recorded a try meanwhile (false). Recording the try lets it go.
   */
  lease(delivery: WebhookDelivery, until: string, now: string): Promise<boolean>;
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

/**
 * What an answer means for its delivery. A webhook's follows from its status (`classifyResponse`); a
 * destination's adapter says it, as its vendor documents its answers (a Salesforce 403 may be its daily
 * request limit, to wait out; a Slack 404 `no_service` means the hook is gone).
 */
export type DeliveryVerdict = 'delivered' | 'retry' | 'disable' | 'fail';

/** What came of one HTTP POST to an endpoint (or of the calls delivering one event to a destination). */
export type WebhookOutcome =
  | {
      kind: 'response';
      status: number;
      retryAfter?: string;
      latencyMs: number;
      bodySnippet?: string;
      /** The vendor's meaning of the answer, when it is not the status's (destinations). */
      verdict?: DeliveryVerdict;
      /** What went wrong, in words for the delivery log (never a credential, never the lead's data). */
      error?: string;
    }
  | { kind: 'timeout'; latencyMs: number }
  | { kind: 'network'; code?: string; message: string; latencyMs: number };

/** Signs (Standard Webhooks) and POSTs one webhook; never throws for what the network or the receiver did. */
export interface WebhookTransport {
  send(request: { url: string; body: string; webhookId: string; timestamp: Date; secret: string }): Promise<WebhookOutcome>;
}

/** Who to delete from a destination: enough to find them there, and nothing more. */
export interface ErasureSubject {
  siteId: string;
  email: string;
  leadId: string;
}

/** Delivers an event to a CRM or chat destination, and erases a person there; never throws for what the network or the vendor did. */
export interface DestinationSender {
  /** Deliver one event (the delivery's frozen webhook payload) the way the destination's vendor takes it, idempotently. */
  deliver(destination: Destination, request: { siteId: string; deliveryId: string; body: string }): Promise<WebhookOutcome>;
  /** Delete the person there; `unsupported` where the vendor offers no way (a Slack message stays). */
  erase(destination: Destination, subject: ErasureSubject): Promise<WebhookOutcome | { kind: 'unsupported'; reason: string }>;
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

/**
 * A reader's position in a (site, stage) index: the last number read in each of its shards (a shard not
 * named: none read yet). The index is spread over shards so a burst of qualifications does not write one
 * partition; each shard numbers its own qualifications.
 */
export type ProspectCursor = Readonly<Record<string, number>>;

/** An index entry as read back, with the shard it is numbered in. */
export type IndexedProspect = ProspectEntry & { shard: string };

/** The qualification index behind `GET /v1/prospects`, claims, and the lead's export and erasure. */
export interface ProspectStore {
  /** The qualification's number in its shard: the one it was given before, or the shard counter's next. */
  sequenceOf(ref: LeadRef, stage: string): Promise<number>;
  /** Write the index entry (idempotent). */
  putEntry(stage: string, entry: ProspectEntry): Promise<void>;
  /** Delete an index entry (one written for a lead erased meanwhile). */
  dropEntry(ref: LeadRef, stage: string, seq: number): Promise<void>;
  /** Of every shard, its next entries after the cursor's position in it, in number order, at most `limit` each. */
  entriesAfter(siteId: string, stage: string, after: ProspectCursor, limit: number): Promise<IndexedProspect[]>;
  /** Record who took the prospect, unless someone else did: then their claim. */
  claim(ref: LeadRef, rep: string, at: string): Promise<{ claimed: { rep: string; at: string } } | { taken: { rep: string; at: string } }>;
  /**
   * Give the prospect back: remove the claim, if `rep` holds it (or whoever does, `rep` undefined: an
   * admin's release), with its timeline entry naming who released it. Otherwise who holds it, or none.
   */
  release(
    ref: LeadRef,
    release: { rep?: string; by: string; at: string },
  ): Promise<{ released: { rep: string; at: string } } | { taken: { rep: string; at: string } } | { notClaimed: true }>;
  /** Every item held on the lead (its partition and what points at it), without internal keys, by kind. */
  exportLead(ref: LeadRef): Promise<Record<string, unknown[]>>;
  /** Delete everything held on the lead and keep only an anonymised consent audit entry. Returns false when there was no lead. */
  eraseLead(ref: LeadRef, at: string): Promise<boolean>;
  /**
   * For a writer that may have raced an erasure (its writes are not guarded by the lead item): if the lead
   * is gone, delete whatever is left of it. 'present' when the lead exists (nothing is done).
   */
  sweepIfErased(ref: LeadRef): Promise<'present' | 'swept'>;
  /**
   * Mark the lead handed off to sales (its first claim, or its first qualification webhook delivered).
   * Returns the lead's first source to the one call that set the mark; undefined to every other.
   */
  markHandedOff(ref: LeadRef, at: string): Promise<{ firstSource: Source; email: string } | undefined>;
  /** Mark the lead as not a fit, or requalify it, with its timeline entry; false when it already was so, or is gone. */
  setFit(ref: LeadRef, entry: FitChangedEntry): Promise<boolean>;
}
