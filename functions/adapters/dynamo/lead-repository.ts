import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeadView, ScoreView, StageChangedEntry, TimelineEntry } from '../../core/contracts.js';
import { claimEntry, isClaim, isTrackable, scoringInputOf, toLeadView } from '../../core/lead-record.js';
import type {
  CaptureOutcome,
  CaptureWrite,
  Limit,
  LeadRef,
  LeadRepository,
  ScoreUpdate,
  ScoringInput,
  SpamRecord,
  StoredAnswer,
  StoredEnrolment,
  StoredEvent,
} from '../../core/ports.js';
import { BusyError } from '../../core/errors.js';
import { counterHit } from './rate-limiter.js';
import { TABLE } from './table.js';
import { keys } from './keys.js';
import { queryAll } from './query.js';

const SPAM_RETENTION_SECONDS = 30 * 24 * 3600;
/** The address hash of no lead (a real one is 64 hex digits): where a page view of no lead is not written. */
const NOBODY = '-';
/** A capture tries at most this often: a lead created or erased meanwhile, or a concurrent twin, takes another. */
const CAPTURE_ATTEMPTS = 6;

/** Leads, their submissions and timelines in the single table (the capture's requests: see `capture`). */
export class DynamoLeadRepository implements LeadRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /**
   * Two round trips, the same for a new address, a known one and a caught bot (`recordSpam`), so the time
   * an answer takes tells nothing:
   * 1. GetItem of the lead item (consistent, its id only): is the address a lead of this site?
   * 2. one transaction: the lead (its upsert, or for a claim a condition that it is still that lead), the
   *    submission's conditional put (its answer stored with it) and the client's counter, all or nothing.
   * - a retried submissionId: cancelled by the submission's condition, whose reason carries the first
   *   answer; nothing was written or counted;
   * - over the limit: cancelled by the counter's condition; nothing was written;
   * - the lead created or erased between the read and the write: cancelled by the lead's condition, and
   *   tried again from the read.
   * Two transactions on the same items at once (the same address or client in flight twice) may cancel
   * one with a conflict: it is tried again after a short random pause.
   * Typical cost: 1 RCU (read) + 2 WCU per item written (transactional), plus 1 WCU on the GSI for a new lead.
   */
  async capture(write: CaptureWrite, limit: Limit): Promise<CaptureOutcome> {
    for (let attempt = 0; attempt < CAPTURE_ATTEMPTS; attempt++) {
      const known = await this.leadIdOf(write.siteId, write.emailKey);
      const claim = isClaim(write, known);
      const answer: StoredAnswer = { status: known ? 200 : 201, leadId: known ?? write.newLeadId, ...(claim && { claim: true as const }), ...write.reply };
      const counter = counterHit(this.tableName, limit, Date.parse(write.source.at));
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              claim ? { ConditionCheck: this.stillLead(write, known!) } : { Update: this.leadUpsert(write, known) },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...keys.submission(write.siteId, write.emailKey, write.entry.submissionId),
                    entity: 'submission',
                    siteId: write.siteId,
                    leadId: answer.leadId,
                    entry: claim ? claimEntry(write) : write.entry,
                    answer,
                    // Counted by the table stream (once): not the smoke test's; an item without it (written
                    // before the stream counted) was counted by its request.
                    ...(write.counted && { countable: true }),
                  },
                  ConditionExpression: 'attribute_not_exists(PK)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              { Update: counter.update },
            ],
          }),
        );
        return { stored: answer };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [lead, submission, count] = error.CancellationReasons ?? [];
        if (submission?.Code === 'ConditionalCheckFailed' && submission.Item) return { replayed: unmarshallAnswer(submission.Item) };
        if (count?.Code === 'ConditionalCheckFailed') return { limited: { retryAfterSeconds: counter.retryAfterSeconds } };
        if (lead?.Code === 'ConditionalCheckFailed') continue;
        if (!error.CancellationReasons?.some((r) => r.Code === 'TransactionConflict')) throw error;
        await new Promise((ok) => setTimeout(ok, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new BusyError();
  }

  /** The id of the lead with this address in this site, if there is one (1 RCU, consistent). */
  private async leadIdOf(siteId: string, emailKey: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.lead(siteId, emailKey), ProjectionExpression: 'leadId', ConsistentRead: true }),
    );
    return Item?.leadId as string | undefined;
  }

  /** A claim writes nothing to the lead: it only holds while the lead is the one read (not erased since). */
  private stillLead(write: CaptureWrite, leadId: string) {
    return {
      TableName: this.tableName,
      Key: keys.lead(write.siteId, write.emailKey),
      ConditionExpression: '#leadId = :known',
      ExpressionAttributeNames: { '#leadId': 'leadId' },
      ExpressionAttributeValues: { ':known': leadId },
    };
  }

  /** The lead's upsert: only the fields this submission supplied; id, creation and first source kept. */
  private leadUpsert(write: CaptureWrite, knownLeadId: string | undefined) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const set = (attr: string, value: unknown, onlyIfNew = false) => {
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      sets.push(onlyIfNew ? `#${attr} = if_not_exists(#${attr}, :${attr})` : `#${attr} = :${attr}`);
    };
    const byId = keys.leadById(knownLeadId ?? write.newLeadId);
    set('leadId', knownLeadId ?? write.newLeadId, true);
    set(TABLE.gsi1.partitionKey, byId.GSI1PK, true);
    set(TABLE.gsi1.sortKey, byId.GSI1SK, true);
    set('createdAt', write.source.at, true);
    set('firstSource', write.source, true);
    set('entity', 'lead');
    set('siteId', write.siteId);
    set('email', write.email);
    set('updatedAt', write.source.at);
    set('latestSource', write.source);
    for (const [field, value] of Object.entries(write.profile)) if (value !== undefined && value !== '') set(field, value);
    if (write.consent) set('consentMarketing', write.consent);
    // New: the item must not exist. Known: it must still be the lead whose id the answer gives.
    if (knownLeadId) values[':known'] = knownLeadId;
    return {
      TableName: this.tableName,
      Key: keys.lead(write.siteId, write.emailKey),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: knownLeadId ? '#leadId = :known' : 'attribute_not_exists(PK)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async markCounted(ref: LeadRef, submissionId: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.submission(ref.siteId, ref.emailKey, submissionId),
          UpdateExpression: 'SET countedAt = :at',
          // An erased lead's submission is not written back; one counted before is not counted again.
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(countedAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordSpam(record: SpamRecord, limit: Limit): Promise<{ limited: { retryAfterSeconds: number } } | undefined> {
    // The same read as a capture's, and a transaction of as many items: a bot's answer takes as long.
    await this.leadIdOf(record.siteId, record.emailKey);
    const { emailKey: _, ...kept } = record;
    const counter = counterHit(this.tableName, limit, Date.parse(record.at));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              // Holds always: it reads the lead item as a capture's condition does, and writes nothing.
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: keys.lead(record.siteId, record.emailKey),
                  ConditionExpression: 'attribute_not_exists(PK) OR attribute_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...keys.spam(record.siteId, record.at, record.submissionId),
                    entity: 'spam',
                    ...kept,
                    [TABLE.ttlAttribute]: Math.floor(Date.parse(record.at) / 1000) + SPAM_RETENTION_SECONDS,
                  },
                  // A retried submission id is a replay, as a lead's is: cancelled, nothing counted.
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              { Update: counter.update },
            ],
          }),
        );
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') return undefined;
        if (error.CancellationReasons?.[2]?.Code === 'ConditionalCheckFailed') return { limited: { retryAfterSeconds: counter.retryAfterSeconds } };
        // A capture of the same address in flight: as a capture would, try again after a short random pause,
        // and answer busy (503) as a capture does when it never clears.
        if (!error.CancellationReasons?.some((r) => r.Code === 'TransactionConflict')) throw error;
        if (attempt + 1 >= CAPTURE_ATTEMPTS) throw new BusyError();
        await new Promise((ok) => setTimeout(ok, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  async findById(leadId: string): Promise<LeadView | undefined> {
    const partition = await this.partitionOf(leadId);
    return partition ? this.readLead(partition) : undefined;
  }

  async findByEmail(siteId: string, emailKey: string): Promise<LeadView | undefined> {
    return this.readLead(keys.leadPartition(siteId, emailKey));
  }

  /** One lead with its timeline: a single (paginated) Query of its partition. */
  private async readLead(partition: string): Promise<LeadView | undefined> {
    const items = await queryLeadPartition(this.client, this.tableName, partition);
    const lead = items.find((i) => i.SK === keys.leadSortKey);
    if (!lead) return undefined;
    return toLeadView(lead, timelineOf(items), enrolmentsOf(items));
  }

  /** Re-read everything a lead did (one Query of its partition), for scoring. */
  async loadForScoring(ref: LeadRef): Promise<ScoringInput | undefined> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const lead = items.find((i) => i.SK === keys.leadSortKey);
    if (!lead) return undefined;
    const view = toLeadView(lead, timelineOf(items));
    return scoringInputOf(view, lead.decayCheckAt as string | undefined);
  }

  /**
   * Store a lead's score. A new decay schedule is written first (a due item, idempotent by key), so a crash
   * after it costs one extra re-score, never a lost check; the check it replaces is deleted last. A stage change is one transaction: the lead's
   * stage (only if it is still the stage the change started from) and the `STAGE#<stage>` item, which is
   * at once the timeline entry and the domain event. Re-running it is harmless: a change already recorded
   * fails its condition.
   */
  async saveScore(ref: LeadRef, update: ScoreUpdate): Promise<boolean> {
    const { score, change, decayCheckAt, previousDecayCheckAt } = update;
    const rescheduled = decayCheckAt !== previousDecayCheckAt;
    if (decayCheckAt && rescheduled) {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...keys.due(decayCheckAt, ref.siteId, ref.emailKey), entity: 'due', siteId: ref.siteId } }),
      );
    }
    const written = await this.writeScore(ref, score, change, decayCheckAt);
    if (written === 'lead-gone') {
      // Erased meanwhile: the check just scheduled must not outlive it.
      if (decayCheckAt && rescheduled)
        await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.due(decayCheckAt, ref.siteId, ref.emailKey) }));
      return false;
    }
    if (previousDecayCheckAt && rescheduled) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.due(previousDecayCheckAt, ref.siteId, ref.emailKey) }));
    }
    return written === 'written' && change !== undefined;
  }

  /** Write the score (and a stage change); 'lead-gone' when the lead was erased meanwhile (nothing is written). */
  private async writeScore(
    ref: LeadRef,
    score: ScoreView,
    change: StageChangedEntry | undefined,
    decayCheckAt: string | undefined,
  ): Promise<'written' | 'lead-gone' | 'stage-moved'> {
    const Key = keys.lead(ref.siteId, ref.emailKey);
    const schedule = decayCheckAt ? { set: ', #decay = :decay', values: { ':decay': decayCheckAt } } : { set: ' REMOVE #decay', values: {} };
    const names = { '#score': 'score', '#decay': 'decayCheckAt' };
    if (!change) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: `SET #score = :score${schedule.set}`,
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':score': score, ...schedule.values },
          }),
        );
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'lead-gone';
        throw error;
      }
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key,
                UpdateExpression: `SET #score = :score, #stage = :to${schedule.set}`,
                ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#stage) OR #stage = :from)',
                ExpressionAttributeNames: { ...names, '#stage': 'stage' },
                ExpressionAttributeValues: { ':score': score, ':to': change.to, ':from': change.from, ...schedule.values },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.stage(ref.siteId, ref.emailKey, change.to), entity: 'stage', siteId: ref.siteId, entry: change },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return 'written';
    } catch (error) {
      // Someone (a retry, a concurrent re-score) already recorded this change: nothing left to do. Unless
      // the lead itself is gone (erased meanwhile): then nothing of it may be written again.
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
        const lead = error.CancellationReasons[0];
        return lead?.Code === 'ConditionalCheckFailed' && !lead.Item ? 'lead-gone' : 'stage-moved';
      }
      throw error;
    }
  }

  /**
   * A page view: lead id → partition (GSI1, keys only), the lead's consent (GetItem, two attributes), then a
   * conditional PutItem of `EV#<eventId>`, so a retried send is stored once. About 0.5 + 0.5 RCU + 1 WCU.
   * The same three requests whatever the lead: one that does not exist (a caught bot's token, an erased
   * lead) or does not consent reads a lead item that is not there and makes a put that cannot succeed, so
   * the time a page view takes tells no one which it was.
   */
  async recordEvent(siteId: string, leadId: string, event: StoredEvent): Promise<'recorded' | 'duplicate' | 'unsubscribed' | 'unknown'> {
    const partition = await this.partitionOf(leadId);
    const found = partition ? keys.parseLeadPartition(partition) : undefined;
    const ref = found?.siteId === siteId ? found : { siteId, emailKey: NOBODY };
    const { Item: lead } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ProjectionExpression: 'consentMarketing, unsubscribedAt' }),
    );
    const refused = !lead ? 'unknown' : !isTrackable(lead) ? 'unsubscribed' : undefined;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.event(ref.siteId, ref.emailKey, event.eventId), entity: 'event', siteId, leadId, entry: event },
          ConditionExpression: refused ? 'attribute_exists(PK) AND attribute_not_exists(PK)' : 'attribute_not_exists(PK)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return refused ?? 'duplicate';
      throw error;
    }
  }

  private partitionOf(leadId: string): Promise<string | undefined> {
    return findLeadPartition(this.client, this.tableName, leadId);
  }
}

/**
 * The partition key of the lead with this public id (any site), via GSI1 (KEYS_ONLY, eventually
 * consistent): about 0.5 RCU. Shared by the repository and the nurture store.
 */
export async function findLeadPartition(client: DynamoDBDocumentClient, tableName: string, leadId: string): Promise<string | undefined> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: TABLE.gsi1.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
      ExpressionAttributeValues: { ':pk': keys.leadById(leadId).GSI1PK },
      Limit: 1,
    }),
  );
  return Items?.[0]?.PK as string | undefined;
}

/**
 * Every item of one lead partition (the lead, its submissions, events, stages, enrolments, sends, opt-ins
 * and mail log): one strongly consistent Query, paginated past 1 MB. 1 RCU per 4 KB read (rounded up over
 * the whole page, not per item). Shared by the repository and the nurture store.
 */
export function queryLeadPartition(client: DynamoDBDocumentClient, tableName: string, partition: string): Promise<Record<string, unknown>[]> {
  return queryAll(client, { TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': partition }, ConsistentRead: true });
}

/** Items of a lead partition that are timeline entries as they stand (their `entry`). */
const TIMELINE_PREFIXES = [keys.submissionPrefix, keys.eventPrefix, keys.stagePrefix, keys.optInPrefix, keys.logPrefix];

/**
 * The timeline of a partition, oldest first: submissions, page views, email opens and clicks (`EV#`), stage
 * changes, confirmed opt-ins, the mail log (unsubscribes, suppressions, sequence exits) and the emails
 * sent or refused for good (`SEND#` items once `sent`/`failed`; a claim in flight or released is not an
 * entry). Ties keep the Query's sort-key order.
 */
function timelineOf(items: Record<string, unknown>[]): TimelineEntry[] {
  return items
    .filter((i) => {
      const sk = typeof i.SK === 'string' ? i.SK : '';
      if (sk.startsWith(keys.sendPrefix)) return (i.status === 'sent' || i.status === 'failed') && i.entry !== undefined;
      return TIMELINE_PREFIXES.some((p) => sk.startsWith(p)) && i.entry !== undefined;
    })
    .map((i) => i.entry as TimelineEntry)
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** The `ENROL#` items of a partition, as stored enrolments (in sequence id order, as the Query returns them). */
export function enrolmentsOf(items: Record<string, unknown>[]): StoredEnrolment[] {
  return items
    .filter((i) => typeof i.SK === 'string' && i.SK.startsWith(keys.enrolmentPrefix))
    .map((i) => ({ state: i.state as StoredEnrolment['state'], formId: i.formId as string, enrolledAt: i.enrolledAt as string }));
}

function unmarshallAnswer(item: Record<string, unknown>): StoredAnswer {
  // ReturnValuesOnConditionCheckFailure gives the raw (marshalled) item on the exception.
  return unmarshall(item as Record<string, AttributeValue>).answer as StoredAnswer;
}
