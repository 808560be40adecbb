import { dueDay } from '../../core/due.js';

/**
 * Every key of the single table, with the access pattern it serves. Nothing else builds keys.
 *
 * | entity     | PK                                  | SK                   | GSI1PK / GSI1SK      |
 * |------------|-------------------------------------|----------------------|----------------------|
 * | lead       | SITE#<site>#EMAIL#<sha256(email)>   | LEAD                 | LEAD#<leadId> / LEAD |
 * | submission | SITE#<site>#EMAIL#<sha256(email)>   | SUB#<submissionId>   | —                    |
 * | stage      | SITE#<site>#EMAIL#<sha256(email)>   | STAGE#<stage>        | —                    |
 * | event      | SITE#<site>#EMAIL#<sha256(email)>   | EV#<eventId>         | —                    |
 * | due check  | DUE#<yyyy-mm-dd>                    | <iso time>#<lead PK> | —                    |
 * | due cursor | DUE#CURSOR                          | DUE                  | —                    |
 * | spam       | SITE#<site>#SPAM#<yyyy-mm-dd>       | <iso time>#<subId>   | —                    |
 * | api key    | APIKEY#<sha256(secret)>             | APIKEY               | —                    |
 *
 * The email is hashed in keys so no address appears in key-based metrics, logs or error messages.
 */
export const keys = {
  /** Dedupe: one lead per (site, address); the key itself is the uniqueness constraint. GetItem/UpdateItem. */
  lead: (siteId: string, emailKey: string) => ({ PK: leadPartition(siteId, emailKey), SK: LEAD_SK }),
  /** The sort key of the lead item itself within its partition (site-wide listings filter on it). */
  leadSortKey: 'LEAD',
  /** A lead's whole record (lead item + its submissions) is one partition: one Query reads it. */
  leadPartition: (siteId: string, emailKey: string) => leadPartition(siteId, emailKey),
  /** Public lead id → the lead's partition, via GSI1 (KEYS_ONLY, written once when the lead is created). */
  leadById: (leadId: string) => ({ GSI1PK: `LEAD#${leadId}`, GSI1SK: 'LEAD' }),
  /** Idempotency: the submission id is the sort key, so a retried submission cannot be written twice. */
  submission: (siteId: string, emailKey: string, submissionId: string) => ({ PK: leadPartition(siteId, emailKey), SK: `SUB#${submissionId}` }),
  submissionPrefix: 'SUB#',
  /**
   * A lifecycle stage reached: once per stage, so a re-run cannot emit it twice. It is the timeline entry
   * and the domain event (`lead.qualified`…) that stream consumers downstream react to.
   */
  stage: (siteId: string, emailKey: string, stage: string) => ({ PK: leadPartition(siteId, emailKey), SK: `STAGE#${stage}` }),
  stagePrefix: 'STAGE#',
  /** A behaviour event (page view): idempotent by the client's event id, like a submission. */
  event: (siteId: string, emailKey: string, eventId: string) => ({ PK: leadPartition(siteId, emailKey), SK: `EV#${eventId}` }),
  eventPrefix: 'EV#',
  /** Items whose arrival changes what a lead did, so its score must be recomputed (the stream filter too). */
  activityPrefixes: ['SUB#', 'EV#'] as const,
  isActivity: (sk: string) => sk.startsWith('SUB#') || sk.startsWith('EV#'),
  /**
   * Scheduled re-scores, one partition per UTC day: the drainer Queries the days from its cursor up to now
   * (SK <= now) instead of scanning. The sort key orders checks by time and names the lead.
   */
  due: (at: string, siteId: string, emailKey: string) => ({ PK: `DUE#${dueDay(at)}`, SK: `${at}#${leadPartition(siteId, emailKey)}` }),
  duePartition: (day: string) => `DUE#${day}`,
  parseDue: (sk: string): { at: string; siteId: string; emailKey: string } | undefined => {
    const match = /^([^#]+)#SITE#([^#]+)#EMAIL#([0-9a-f]{64})$/.exec(sk);
    return match ? { at: match[1]!, siteId: match[2]!, emailKey: match[3]! } : undefined;
  },
  /** Where the drainer is: the first day not yet fully drained. */
  dueCursor: { PK: 'DUE#CURSOR', SK: 'DUE' },
  /** The (site, email hash) a lead partition key stands for. */
  parseLeadPartition: (pk: string): { siteId: string; emailKey: string } | undefined => {
    const match = /^SITE#([^#]+)#EMAIL#([0-9a-f]{64})$/.exec(pk);
    return match ? { siteId: match[1]!, emailKey: match[2]! } : undefined;
  },
  /** Spam kept for review per site and day, expiring by TTL; never a lead. */
  spam: (siteId: string, at: string, submissionId: string) => ({ PK: `SITE#${siteId}#SPAM#${at.slice(0, 10)}`, SK: `${at}#${submissionId}` }),
  /** API keys by hash of the secret: GetItem on every authenticated request (cached in memory). */
  apiKey: (hash: string) => ({ PK: `APIKEY#${hash}`, SK: 'APIKEY' }),
} as const;

const LEAD_SK = 'LEAD';

function leadPartition(siteId: string, emailKey: string): string {
  return `SITE#${siteId}#EMAIL#${emailKey}`;
}
