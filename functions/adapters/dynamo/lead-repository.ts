import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, LeadView, LifecycleStage, ScoreView, Source, StageChangedEntry, TimelineEntry } from '../../core/contracts.js';
import { FieldName } from '../../core/fields.js';
import type { CaptureWrite, LeadRef, LeadRepository, ScoreUpdate, ScoringInput, SpamRecord, StoredAnswer, StoredEvent } from '../../core/ports.js';
import type { ScoringEvent } from '../../core/scoring/score.js';
import { TABLE } from './table.js';
import { keys } from './keys.js';

const PROFILE_FIELDS = FieldName.options.filter((f) => f !== 'email');
const SPAM_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * Leads and their submissions in the single table.
 *
 * A capture is two single-item writes, no transaction (a transaction would double the write cost):
 * 1. UpdateItem on the lead: SET only the supplied fields (so nothing known is blanked), the lead id and
 *    creation time with if_not_exists (so concurrent first submissions agree on one lead). Re-applying
 *    it is harmless, which is what makes a crash between the two writes safe to retry.
 * 2. PutItem of the submission under `attribute_not_exists`, holding the answer given: a second writer
 *    of the same submission id loses the condition and returns the first answer.
 * Typical cost: 1 WCU + 1 WCU, plus 1 WCU on the GSI when a lead is created; the replay check is 1 RCU.
 */
export class DynamoLeadRepository implements LeadRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async findAnswer(siteId: string, emailKey: string, submissionId: string): Promise<StoredAnswer | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.submission(siteId, emailKey, submissionId), ProjectionExpression: 'answer', ConsistentRead: true }),
    );
    return Item?.answer as StoredAnswer | undefined;
  }

  async capture(write: CaptureWrite): Promise<StoredAnswer> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const set = (attr: string, value: unknown, onlyIfNew = false) => {
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      sets.push(onlyIfNew ? `#${attr} = if_not_exists(#${attr}, :${attr})` : `#${attr} = :${attr}`);
    };
    const byId = keys.leadById(write.newLeadId);
    set('leadId', write.newLeadId, true);
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

    const { Attributes: before } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.lead(write.siteId, write.emailKey),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    const leadId = (before?.leadId as string | undefined) ?? write.newLeadId;
    const answer: StoredAnswer = { status: before ? 200 : 201, leadId, ...write.reply };

    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.submission(write.siteId, write.emailKey, write.entry.submissionId), entity: 'submission', siteId: write.siteId, leadId, entry: write.entry, answer },
          ConditionExpression: 'attribute_not_exists(PK)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return answer;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        // Another attempt with this submission id won the race: its answer is the answer.
        return unmarshallAnswer(error.Item);
      }
      throw error;
    }
  }

  async recordSpam(record: SpamRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.spam(record.siteId, record.at, record.submissionId),
          entity: 'spam',
          ...record,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(record.at) / 1000) + SPAM_RETENTION_SECONDS,
        },
      }),
    );
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
    const items = await this.queryPartition(partition);
    const lead = items.find((i) => i.SK === 'LEAD');
    if (!lead) return undefined;
    return toLeadView(lead, timelineOf(items));
  }

  /** Re-read everything a lead did (one Query of its partition), for scoring. */
  async loadForScoring(ref: LeadRef): Promise<ScoringInput | undefined> {
    const items = await this.queryPartition(keys.leadPartition(ref.siteId, ref.emailKey));
    const lead = items.find((i) => i.SK === 'LEAD');
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
  async saveScore(ref: LeadRef, update: ScoreUpdate): Promise<void> {
    const { score, change, decayCheckAt, previousDecayCheckAt } = update;
    const rescheduled = decayCheckAt !== previousDecayCheckAt;
    if (decayCheckAt && rescheduled) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.due(decayCheckAt, ref.siteId, ref.emailKey), entity: 'due', siteId: ref.siteId } }));
    }
    await this.writeScore(ref, score, change, decayCheckAt);
    if (previousDecayCheckAt && rescheduled) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.due(previousDecayCheckAt, ref.siteId, ref.emailKey) }));
    }
  }

  private async writeScore(ref: LeadRef, score: ScoreView, change: StageChangedEntry | undefined, decayCheckAt: string | undefined): Promise<void> {
    const Key = keys.lead(ref.siteId, ref.emailKey);
    const schedule = decayCheckAt ? { set: ', #decay = :decay', values: { ':decay': decayCheckAt } } : { set: ' REMOVE #decay', values: {} };
    const names = { '#score': 'score', '#decay': 'decayCheckAt' };
    if (!change) {
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
      return;
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
    } catch (error) {
      // Someone (a retry, a concurrent re-score) already recorded this change: nothing left to do.
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return;
      throw error;
    }
  }

  /**
   * A page view: lead id → partition (GSI1, keys only), the lead's consent (GetItem, two attributes), then a
   * conditional PutItem of `EV#<eventId>`, so a retried send is stored once. About 0.5 + 0.5 RCU + 1 WCU.
   */
  async recordEvent(siteId: string, leadId: string, event: StoredEvent): Promise<'recorded' | 'duplicate' | 'unsubscribed' | 'unknown'> {
    const partition = await this.partitionOf(leadId);
    const ref = partition ? keys.parseLeadPartition(partition) : undefined;
    if (!ref || ref.siteId !== siteId) return 'unknown';
    const { Item: lead } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ProjectionExpression: 'consentMarketing, unsubscribedAt' }),
    );
    if (!lead) return 'unknown';
    if (!isTrackable(lead)) return 'unsubscribed';
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.event(ref.siteId, ref.emailKey, event.eventId), entity: 'event', siteId, leadId, entry: event },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  private async partitionOf(leadId: string): Promise<string | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.leadById(leadId).GSI1PK },
        Limit: 1,
      }),
    );
    return Items?.[0]?.PK as string | undefined;
  }

  private async queryPartition(partition: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': partition }, ConsistentRead: true, ExclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

const TIMELINE_PREFIXES = [keys.submissionPrefix, keys.eventPrefix, keys.stagePrefix];

/** Submissions, page views and stage changes of a partition, oldest first. */
function timelineOf(items: Record<string, unknown>[]): TimelineEntry[] {
  return items
    .filter((i) => typeof i.SK === 'string' && TIMELINE_PREFIXES.some((p) => (i.SK as string).startsWith(p)))
    .map((i) => i.entry as TimelineEntry)
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** What scoring counts from a lead: its profile and timeline (stage changes are results of scoring, not inputs). Shared with the in-memory fake. */
export function scoringInputOf(view: LeadView, decayCheckAt: string | undefined): ScoringInput {
  const events = view.timeline.flatMap((entry): ScoringEvent[] => {
    if (entry.type === 'form_submitted') return [{ id: entry.submissionId, type: 'form_submitted', at: entry.at, formId: entry.formId, formKind: entry.formKind }];
    if (entry.type === 'page_viewed') return [{ id: entry.eventId, type: 'page_viewed', at: entry.at, path: entry.path }];
    return [];
  });
  return { leadId: view.leadId, email: view.email, profile: view.profile, stage: view.stage, events, ...(decayCheckAt && { decayCheckAt }) };
}

/** Page views count only for a lead that consented to marketing and has not unsubscribed since. Shared with the in-memory fake. */
export function isTrackable(lead: Record<string, unknown>): boolean {
  return (lead.consentMarketing as ConsentRecord | undefined)?.granted === true && lead.unsubscribedAt === undefined;
}

/** The stored lead item and its timeline, as the API shows them. Shared with the in-memory fake. */
export function toLeadView(lead: Record<string, unknown>, timeline: TimelineEntry[]): LeadView {
  const profile: Record<string, string> = {};
  for (const field of PROFILE_FIELDS) if (typeof lead[field] === 'string') profile[field] = lead[field];
  const marketing = lead.consentMarketing as ConsentRecord | undefined;
  return {
    leadId: lead.leadId as string,
    siteId: lead.siteId as string,
    email: lead.email as string,
    profile,
    consent: {
      ...(marketing && { marketing }),
      history: timeline.flatMap((e) => (e.type === 'form_submitted' && e.consent ? [e.consent] : [])),
    },
    sources: { first: lead.firstSource as Source, latest: lead.latestSource as Source },
    timeline,
    stage: (lead.stage as LifecycleStage | undefined) ?? 'lead',
    ...(lead.score !== undefined && { score: lead.score as ScoreView }),
    createdAt: lead.createdAt as string,
    updatedAt: lead.updatedAt as string,
  };
}

function unmarshallAnswer(item: Record<string, unknown>): StoredAnswer {
  // ReturnValuesOnConditionCheckFailure gives the raw (marshalled) item on the exception.
  return unmarshall(item as Record<string, AttributeValue>).answer as StoredAnswer;
}
