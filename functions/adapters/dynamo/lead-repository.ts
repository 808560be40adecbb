import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, LeadView, Source, TimelineEntry } from '../../core/contracts.js';
import { FieldName } from '../../core/fields.js';
import type { CaptureWrite, LeadRepository, SpamRecord, StoredAnswer } from '../../core/ports.js';
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
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const lead = items.find((i) => i.SK === 'LEAD');
    if (!lead) return undefined;
    const timeline = items
      .filter((i) => typeof i.SK === 'string' && i.SK.startsWith(keys.submissionPrefix))
      .map((i) => i.entry as TimelineEntry)
      .sort((a, b) => a.at.localeCompare(b.at));
    return toLeadView(lead, timeline);
  }
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
      history: timeline.flatMap((e) => (e.consent ? [e.consent] : [])),
    },
    sources: { first: lead.firstSource as Source, latest: lead.latestSource as Source },
    timeline,
    createdAt: lead.createdAt as string,
    updatedAt: lead.updatedAt as string,
  };
}

function unmarshallAnswer(item: Record<string, unknown>): StoredAnswer {
  // ReturnValuesOnConditionCheckFailure gives the raw (marshalled) item on the exception.
  return unmarshall(item as Record<string, AttributeValue>).answer as StoredAnswer;
}
