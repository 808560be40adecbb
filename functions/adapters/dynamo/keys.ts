/**
 * Every key of the single table, with the access pattern it serves. Nothing else builds keys.
 *
 * | entity     | PK                                  | SK                   | GSI1PK / GSI1SK      |
 * |------------|-------------------------------------|----------------------|----------------------|
 * | lead       | SITE#<site>#EMAIL#<sha256(email)>   | LEAD                 | LEAD#<leadId> / LEAD |
 * | submission | SITE#<site>#EMAIL#<sha256(email)>   | SUB#<submissionId>   | —                    |
 * | stage      | SITE#<site>#EMAIL#<sha256(email)>   | STAGE#<stage>        | —                    |
 * | spam       | SITE#<site>#SPAM#<yyyy-mm-dd>       | <iso time>#<subId>   | —                    |
 * | api key    | APIKEY#<sha256(secret)>             | APIKEY               | —                    |
 *
 * The email is hashed in keys so no address appears in key-based metrics, logs or error messages.
 */
export const keys = {
  /** Dedupe: one lead per (site, address); the key itself is the uniqueness constraint. GetItem/UpdateItem. */
  lead: (siteId: string, emailKey: string) => ({ PK: leadPartition(siteId, emailKey), SK: 'LEAD' }),
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
  /** Items whose arrival changes what a lead did, so its score must be recomputed. */
  isActivity: (sk: string) => sk.startsWith('SUB#'),
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

function leadPartition(siteId: string, emailKey: string): string {
  return `SITE#${siteId}#EMAIL#${emailKey}`;
}
