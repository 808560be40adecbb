import type { DueCheck } from '../../core/ports.js';
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
 * | enrolment  | SITE#<site>#EMAIL#<sha256(email)>   | ENROL#<sequenceId>   | —                    |
 * | send       | SITE#<site>#EMAIL#<sha256(email)>   | SEND#<sendKey>       | —                    |
 * | opt-in     | SITE#<site>#EMAIL#<sha256(email)>   | OPTIN#<submissionId> | —                    |
 * | mail log   | SITE#<site>#EMAIL#<sha256(email)>   | LOG#<iso time>#<id>  | —                    |
 * | webhook    | SITE#<site>#EMAIL#<sha256(email)>   | WH#<endpoint>#<event time>#<type> | WHD#<deliveryId> / WH |
 * | wh log     | WHLOG#<site>#<endpoint>#<shard>     | <event time>#<deliveryId> | —               |
 * | endpoint   | WHEP#<site>#<endpoint>              | STATE                | —                    |
 * | prospect   | PROSPECTS#<site>#<stage>#<shard>    | SEQ#<number> / COUNTER | —                  |
 * | due check  | DUE#<yyyy-mm-dd>#<shard>            | <iso time>#<lead PK>[#SEQ#<sequenceId> or #WH#<endpoint>] | — |
 * | due cursor | DUE#CURSOR                          | DUE                  | —                    |
 * | spam       | SITE#<site>#SPAM#<yyyy-mm-dd>       | <subId>              | —                    |
 * | api key    | APIKEY#<sha256(secret)>             | APIKEY               | —                    |
 * | key list   | APIKEYS                             | KEY#<sha256 start>   | —                    |
 * | audit      | AUDIT#<yyyy-mm>                     | <iso time>#<uuid>    | —                    |
 * | export     | EXPORT#<exportId>                   | EXPORT               | —                    |
 * | lead index | SITE#<site>#EMAIL#<sha256(email)>   | IX#<list>[#<value>]  | GSI2: LIX#<site>#<list>[#<value>] / <order> |
 * | rate count | RATE#<scope>#<window start>         | RATE                 | —                    |
 *
 * The email is hashed in keys so no address appears in key-based metrics, logs or error messages.
 */
/** The shards of a day's due checks: the hex digits a lead's key (SHA-256) starts with. */
export const DUE_SHARDS = [...'0123456789abcdef'];

export const keys = {
  /** A background CSV export's record (`DynamoExportJobs`). */
  exportJob: (id: string) => ({ PK: `EXPORT#${id}`, SK: 'EXPORT' }),
  /**
   * A rate-limit counter: one item per (scope, fixed window), counted with a conditional ADD and expired by
   * TTL. `scope` is already hashed (a client's address never appears) and carries the site and the shard.
   */
  rateCount: (scope: string, windowStart: string) => ({ PK: `RATE#${scope}#${windowStart}`, SK: 'RATE' }),
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
  /**
   * Items whose arrival the table stream reacts to (the stream filter too): submissions and page views
   * (and email opens/clicks, also `EV#`) re-score the lead; submissions and opt-ins start its emails;
   * stage changes and mail log entries (an unsubscribe) raise sales webhooks.
   */
  activityPrefixes: ['SUB#', 'EV#', 'OPTIN#', 'STAGE#', 'LOG#'] as const,
  /** Whether an inserted item changes what the lead did, so its score must be recomputed. */
  isActivity: (sk: string) => sk.startsWith('SUB#') || sk.startsWith('EV#'),
  /** A lead's place in one nurture sequence (the state machine's state): one per (lead, sequence), so enrolling twice is a no-op. */
  enrolment: (siteId: string, emailKey: string, sequenceId: string) => ({ PK: leadPartition(siteId, emailKey), SK: `ENROL#${sequenceId}` }),
  enrolmentPrefix: 'ENROL#',
  /**
   * One email to one lead, claimed before it is handed to SES and marked sent after: the key is what makes
   * a send happen once (`step#<sequenceId>#<stepId>`), or once per window (`delivery#<formId>`, `confirmation#<formId>`: see send-mail.ts).
   */
  send: (siteId: string, emailKey: string, sendKey: string) => ({ PK: leadPartition(siteId, emailKey), SK: `SEND#${sendKey}` }),
  sendPrefix: 'SEND#',
  /** A confirmed double opt-in, once per submission; its insert (on the stream) sends the delivery and enrols. */
  optIn: (siteId: string, emailKey: string, submissionId: string) => ({ PK: leadPartition(siteId, emailKey), SK: `OPTIN#${submissionId}` }),
  optInPrefix: 'OPTIN#',
  /** Timeline entries of the mail side (unsubscribed, suppressed, sequence exits, refused sends); `id` makes each idempotent. */
  log: (siteId: string, emailKey: string, at: string, id: string) => ({ PK: leadPartition(siteId, emailKey), SK: `LOG#${at}#${id}` }),
  logPrefix: 'LOG#',
  /**
   * Scheduled work, 16 partitions per UTC day (`DUE#<day>#<shard>`, the shard the first hex digit of the
   * lead's key, which is a hash): the drainer Queries each of the day's partitions from its cursor up to
   * now (SK <= now) instead of scanning, and a day's writes (every new lead enrols, every re-score with
   * decay schedules) spread over 16 partitions instead of one (docs/scale.md). The sort key orders checks
   * by time and names the lead; a nurture step also names its sequence (`…#SEQ#<sequenceId>`), a decay
   * re-score does not.
   */
  due: (at: string, siteId: string, emailKey: string, sequenceId?: string) => ({
    PK: keys.duePartition(dueDay(at), emailKey[0]!),
    SK: `${at}#${leadPartition(siteId, emailKey)}${sequenceId === undefined ? '' : `#SEQ#${sequenceId}`}`,
  }),
  /** A webhook retry: the lead's pending deliveries to this endpoint are tried again then. */
  dueWebhook: (at: string, siteId: string, emailKey: string, endpointId: string) => ({
    PK: keys.duePartition(dueDay(at), emailKey[0]!),
    SK: `${at}#${leadPartition(siteId, emailKey)}#WH#${endpointId}`,
  }),
  duePartition: (day: string, shard: string) => `DUE#${day}#${shard}`,
  /** Every partition of a day's due checks. */
  duePartitions: (day: string) => DUE_SHARDS.map((shard) => `DUE#${day}#${shard}`),
  duePrefix: 'DUE#',
  parseDue: (sk: string): DueCheck | undefined => {
    const match = /^([^#]+)#SITE#([^#]+)#EMAIL#([0-9a-f]{64})(?:#SEQ#([^#]+)|#WH#([^#]+))?$/.exec(sk);
    if (!match) return undefined;
    const check = { at: match[1]!, siteId: match[2]!, emailKey: match[3]! };
    if (match[4] !== undefined) return { ...check, kind: 'step', sequenceId: match[4] };
    if (match[5] !== undefined) return { ...check, kind: 'webhook-retry', endpointId: match[5] };
    return { ...check, kind: 'decay' };
  },
  /** The key of a due check, whatever its kind. */
  dueOf: (check: DueCheck) =>
    check.kind === 'webhook-retry'
      ? keys.dueWebhook(check.at, check.siteId, check.emailKey, check.endpointId)
      : keys.due(check.at, check.siteId, check.emailKey, check.kind === 'step' ? check.sequenceId : undefined),
  /**
   * One webhook delivery (an event for one endpoint), in its lead's partition, ordered per endpoint by the
   * event's time: the sender drains them oldest first, so each lead's events arrive in order. The event
   * time and type make the key, so a repeated stream record cannot create a second delivery.
   */
  webhookDelivery: (siteId: string, emailKey: string, endpointId: string, eventAt: string, type: string) => ({
    PK: leadPartition(siteId, emailKey),
    SK: `WH#${endpointId}#${eventAt}#${type}`,
  }),
  webhookPrefix: (endpointId?: string) => (endpointId === undefined ? 'WH#' : `WH#${endpointId}#`),
  /** Delivery id → its item, via GSI1 (replay by id). */
  webhookById: (deliveryId: string) => ({ GSI1PK: `WHD#${deliveryId}`, GSI1SK: 'WH' }),
  /**
   * Per-endpoint delivery log: a pointer per delivery, in event-time order, for `GET /v1/webhooks/deliveries?endpoint=`.
   * Spread over 16 partitions by the lead's key (as the due checks are), so a burst of deliveries to one
   * endpoint writes 16 partitions, not one; a listing reads all 16 and merges them (docs/scale.md).
   */
  webhookLog: (siteId: string, endpointId: string, emailKey: string, eventAt: string, deliveryId: string) => ({
    PK: `WHLOG#${siteId}#${endpointId}#${emailKey[0]}`,
    SK: `${eventAt}#${deliveryId}`,
  }),
  webhookLogPartitions: (siteId: string, endpointId: string) => DUE_SHARDS.map((shard) => `WHLOG#${siteId}#${endpointId}#${shard}`),
  /**
   * The pull API's index of qualified leads per (site, stage), spread over 16 shards by the lead's key (as
   * the due checks are): each shard numbers its entries from its own counter (`COUNTER`), so a cursor (the
   * last number read in each shard) never skips or repeats a prospect (see `use-cases/prospects.ts`), and
   * a burst of qualifications writes 16 partitions, not one.
   */
  prospect: (siteId: string, stage: string, emailKey: string, seq: number) => ({
    PK: `PROSPECTS#${siteId}#${stage}#${emailKey[0]}`,
    SK: `SEQ#${String(seq).padStart(12, '0')}`,
  }),
  prospectCounter: (siteId: string, stage: string, emailKey: string) => ({ PK: `PROSPECTS#${siteId}#${stage}#${emailKey[0]}`, SK: 'COUNTER' }),
  prospectShards: DUE_SHARDS,
  prospectPartition: (siteId: string, stage: string, shard: string) => `PROSPECTS#${siteId}#${stage}#${shard}`,
  prospectSeqOf: (sk: string): number => Number(sk.slice('SEQ#'.length)),
  /** A form's counters: 8 partitions per form (one picked at random per event), a cell per dimension, day and value. */
  stat: (siteId: string, formId: string, shard: string, dimension: string, day: string, value: string) => ({
    PK: keys.statPartition(siteId, formId, shard),
    SK: keys.statSortKey(dimension, day, value),
  }),
  statShards: [...'01234567'],
  /** The values a form's dimension admitted on a day (a string set): in its own partition, never read as a cell. */
  statKeys: (siteId: string, formId: string, dimension: string, day: string) => ({ PK: `STATS#${siteId}#${formId}#keys`, SK: `${dimension}#${day}` }),
  statPartition: (siteId: string, formId: string, shard: string) => `STATS#${siteId}#${formId}#${shard}`,
  statSortKey: (dimension: string, day: string, value: string) => `${dimension}#${day}#${value}`,
  parseStatSortKey: (sk: string) => {
    const [, day, ...value] = sk.split('#');
    return { day: day!, value: value.join('#') };
  },
  /** An email's (or a sequence's) counters of a day: 4 partitions per site (one picked at random per count), a cell per day and email. */
  emailStat: (siteId: string, shard: string, day: string, email: string) => ({ PK: keys.emailStatPartition(siteId, shard), SK: `${day}#${email}` }),
  emailStatShards: [...'0123'],
  emailStatPartition: (siteId: string, shard: string) => `MAILSTATS#${siteId}#${shard}`,
  /** That an SES event was counted (its id: the message and the event type), kept a week: SES redelivers within hours. */
  emailStatEvent: (eventId: string) => ({ PK: `MAILEVT#${eventId}`, SK: 'COUNTED' }),
  /** The anonymised record that a lead was erased, kept for the consent audit. */
  erased: (siteId: string, at: string, leadId: string) => ({ PK: `ERASED#${siteId}`, SK: `${at}#${leadId}` }),
  /** An endpoint's state: disabled after a 410 Gone until an operator enables it again. */
  webhookEndpoint: (siteId: string, endpointId: string) => ({ PK: `WHEP#${siteId}#${endpointId}`, SK: 'STATE' }),
  /** Where the drainer is: the first day not yet fully drained. */
  dueCursor: { PK: 'DUE#CURSOR', SK: 'DUE' },
  /** The (site, email hash) a lead partition key stands for. */
  parseLeadPartition: (pk: string): { siteId: string; emailKey: string } | undefined => {
    const match = /^SITE#([^#]+)#EMAIL#([0-9a-f]{64})$/.exec(pk);
    return match ? { siteId: match[1]!, emailKey: match[2]! } : undefined;
  },
  /** Spam kept for review per site and day, expiring by TTL; never a lead. */
  /** By submission id, so a retried bot submission is a replay as a lead's is (it counts nothing). */
  spam: (siteId: string, at: string, submissionId: string) => ({ PK: `SITE#${siteId}#SPAM#${at.slice(0, 10)}`, SK: submissionId }),
  /** API keys by hash of the secret: GetItem on every authenticated request (cached in memory). */
  apiKey: (hash: string) => ({ PK: `APIKEY#${hash}`, SK: 'APIKEY' }),
  /** The keys' listing (the console's API keys page): one partition, one entry per key, never the secret. */
  apiKeyListing: (id: string) => ({ PK: 'APIKEYS', SK: `KEY#${id}` }),
} as const;

const LEAD_SK = 'LEAD';

function leadPartition(siteId: string, emailKey: string): string {
  return `SITE#${siteId}#EMAIL#${emailKey}`;
}
