import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, LeadView, LifecycleStage, ScoreView, Source, StageChangedEntry, TimelineEntry } from '../../core/contracts.js';
import { FieldName } from '../../core/fields.js';
import type { CaptureWrite, LeadRepository, ScoringInput, SpamRecord, StoredAnswer } from '../../core/ports.js';
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
    const partition = Items?.[0]?.PK as string | undefined;
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
  async loadForScoring(siteId: string, emailKey: string): Promise<ScoringInput | undefined> {
    const items = await this.queryPartition(keys.leadPartition(siteId, emailKey));
    const lead = items.find((i) => i.SK === 'LEAD');
    if (!lead) return undefined;
    const view = toLeadView(lead, timelineOf(items));
    return { leadId: view.leadId, email: view.email, profile: view.profile, stage: view.stage, events: view.timeline.flatMap(toScoringEvent) };
  }

  /**
   * Store a lead's score. A stage change is one transaction: the lead's stage (only if it is still the
   * stage the change started from) and the `STAGE#<stage>` item, which is at once the timeline entry and
   * the domain event. Re-running it is harmless: a change already recorded fails its condition.
   */
  async saveScore(siteId: string, emailKey: string, score: ScoreView, change?: StageChangedEntry): Promise<void> {
    const Key = keys.lead(siteId, emailKey);
    if (!change) {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key, UpdateExpression: 'SET #score = :score', ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeNames: { '#score': 'score' }, ExpressionAttributeValues: { ':score': score } }),
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
                UpdateExpression: 'SET #score = :score, #stage = :to',
                ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#stage) OR #stage = :from)',
                ExpressionAttributeNames: { '#score': 'score', '#stage': 'stage' },
                ExpressionAttributeValues: { ':score': score, ':to': change.to, ':from': change.from },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.stage(siteId, emailKey, change.to), entity: 'stage', siteId, entry: change },
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

/** Submissions and stage changes of a partition, oldest first. */
function timelineOf(items: Record<string, unknown>[]): TimelineEntry[] {
  return items
    .filter((i) => typeof i.SK === 'string' && (i.SK.startsWith(keys.submissionPrefix) || i.SK.startsWith(keys.stagePrefix)))
    .map((i) => i.entry as TimelineEntry)
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** What scoring counts from the timeline (stage changes are results of scoring, not inputs). */
function toScoringEvent(entry: TimelineEntry): ScoringInput['events'] {
  return entry.type === 'form_submitted' ? [{ id: entry.submissionId, type: 'form_submitted', at: entry.at, formId: entry.formId, formKind: entry.formKind }] : [];
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
