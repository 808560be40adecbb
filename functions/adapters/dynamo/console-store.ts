import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { indexEntriesOf, passes, type IndexEntry, type LeadCard, type ListPlan } from '../../core/lead-index.js';
import { ValidationError } from '../../core/errors.js';
import type { AuditEntry, AuditLog, ExportJob, ExportJobs, LeadIndex, LeadRef, ListPage } from '../../core/ports.js';
import { batchWriteAll } from './batch.js';
import { keys } from './keys.js';
import { TABLE } from './table.js';

const INDEX_PREFIX = 'IX#';

/**
 * The console's lead lists (`core/lead-index.ts`): each lead's index entries live in its own partition
 * (`IX#<list>`), so erasing the partition erases them; GSI2 orders them per list. Written by the table
 * stream's consumer after a lead changes: only the entries that differ (a score change rewrites the
 * entries, whose card shows the score; a page view that changes nothing writes nothing).
 */
export class DynamoLeadIndex implements LeadIndex {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async refresh(ref: LeadRef, card: LeadCard | undefined): Promise<number> {
    const { client, tableName } = this.deps;
    const partition = keys.leadPartition(ref.siteId, ref.emailKey);
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :ix)',
        ExpressionAttributeValues: { ':pk': partition, ':ix': INDEX_PREFIX },
        ConsistentRead: true,
      }),
    );
    const wanted = new Map((card ? indexEntriesOf(card) : []).map((e) => [skOf(e), indexItemOf(ref, e, card!)]));
    const held = new Map(Items.map((i) => [i.SK as string, i]));
    const puts = [...wanted].filter(([sk, item]) => canonical(held.get(sk)) !== canonical(item)).map(([, item]) => item);
    const deletes = [...held.keys()].filter((sk) => !wanted.has(sk)).map((SK) => ({ PK: partition, SK }));
    if (puts.length || deletes.length) await batchWriteAll(client, tableName, { puts, deletes });
    return puts.length + deletes.length;
  }

  async page(siteId: string, plan: ListPlan, options: { limit: number; maxRead: number; cursor?: string | undefined }): Promise<ListPage> {
    if (plan.lists.length > 1) return this.search(siteId, plan, options);
    const list = plan.lists[0]!;
    const pk = listKey(siteId, list.dimension, list.value);
    let startKey = options.cursor === undefined ? undefined : cursorOf(options.cursor, pk);
    const cards: LeadCard[] = [];
    let read = 0;
    const range = rangeOf(list);
    do {
      const page = await this.deps.client
        .send(
          new QueryCommand({
            TableName: this.deps.tableName,
            IndexName: TABLE.gsi2.name,
            ...range,
            ExpressionAttributeValues: { ':pk': pk, ...range.ExpressionAttributeValues },
            ScanIndexForward: !plan.newestFirst,
            // Unfiltered: exactly a page. Filtered: what is left of the page's read budget.
            Limit: Object.keys(plan.filter).length ? options.maxRead - read : options.limit - cards.length,
            ExclusiveStartKey: startKey,
          }),
        )
        .catch((error: Error) => {
          // A cursor of this list but another range (the dates or scores changed since): start again.
          if (error.name === 'ValidationException' && startKey)
            throw new ValidationError({ 'query.cursor': 'is not a cursor of this list and range (start again without it)' });
          throw error;
        });
      for (const item of page.Items ?? []) {
        read++;
        const card = item.card as LeadCard;
        if (passes(card, plan.filter)) cards.push(card);
        if (cards.length === options.limit) {
          startKey = { PK: item.PK, SK: item.SK, GSI2PK: item.GSI2PK, GSI2SK: item.GSI2SK };
          break;
        }
      }
      if (cards.length < options.limit) startKey = page.LastEvaluatedKey;
    } while (startKey && cards.length < options.limit && read < options.maxRead);
    return { cards, read, ...(startKey && { nextCursor: Buffer.from(JSON.stringify(startKey)).toString('base64url') }) };
  }

  /** A search: the start of an email, a name or a company, each list read once (a page of each), merged. */
  private async search(siteId: string, plan: ListPlan, options: { limit: number }): Promise<ListPage> {
    const found = await Promise.all(
      plan.lists.map(async (list) => {
        const range = rangeOf(list);
        const { Items = [] } = await this.deps.client.send(
          new QueryCommand({
            TableName: this.deps.tableName,
            IndexName: TABLE.gsi2.name,
            ...range,
            ExpressionAttributeValues: { ':pk': listKey(siteId, list.dimension, list.value), ...range.ExpressionAttributeValues },
            Limit: options.limit,
          }),
        );
        return Items.map((i) => i.card as LeadCard);
      }),
    );
    const seen = new Set<string>();
    const cards = found.flat().filter((c) => !seen.has(c.leadId) && seen.add(c.leadId) && passes(c, plan.filter));
    const incomplete = found.some((list) => list.length === options.limit) || cards.length > options.limit;
    return { cards: cards.slice(0, options.limit), read: found.flat().length, ...(incomplete && { incomplete: true as const }) };
  }
}

/** JSON with every object's keys in order: DynamoDB hands attributes back in an order of its own. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** The index partition of a list. */
const listKey = (siteId: string, dimension: string, value?: string): string =>
  `LIX#${siteId}#${dimension}${value === undefined ? '' : `#${encodeURIComponent(value)}`}`;
const skOf = (e: IndexEntry): string => `${INDEX_PREFIX}${e.dimension}${e.value === undefined ? '' : `#${encodeURIComponent(e.value)}`}`;
/** The item of one list entry, in the lead's partition (the bench seeds leads with these). */
export const indexItemOf = (ref: LeadRef, e: IndexEntry, card: LeadCard) => ({
  PK: keys.leadPartition(ref.siteId, ref.emailKey),
  SK: skOf(e),
  GSI2PK: listKey(ref.siteId, e.dimension, e.value),
  GSI2SK: e.sort,
  entity: 'lead-index',
  card,
});

/** The key condition of a list's range: all of it, a prefix, or between two bounds. */
function rangeOf(list: ListPlan['lists'][number]): { KeyConditionExpression: string; ExpressionAttributeValues: Record<string, string> } {
  if (list.prefix !== undefined)
    return { KeyConditionExpression: 'GSI2PK = :pk AND begins_with(GSI2SK, :prefix)', ExpressionAttributeValues: { ':prefix': list.prefix } };
  if (list.after !== undefined && list.before !== undefined)
    return {
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK BETWEEN :after AND :before',
      ExpressionAttributeValues: { ':after': list.after, ':before': list.before },
    };
  if (list.after !== undefined) return { KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK >= :after', ExpressionAttributeValues: { ':after': list.after } };
  if (list.before !== undefined) return { KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :before', ExpressionAttributeValues: { ':before': list.before } };
  return { KeyConditionExpression: 'GSI2PK = :pk', ExpressionAttributeValues: {} };
}

/** A cursor this list gave: anything else (another list's, edited, invented) is refused. */
function cursorOf(cursor: string, pk: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<string, unknown>;
    const names = ['PK', 'SK', 'GSI2PK', 'GSI2SK'];
    if (key.GSI2PK === pk && Object.keys(key).length === 4 && names.every((n) => typeof key[n] === 'string' && key[n] !== ''))
      return key as Record<string, string>;
  } catch {}
  throw new ValidationError({ 'query.cursor': 'is not a cursor of this list (start again without it)' });
}

/** How long audit entries are kept (TTL), in days: two years. */
export const AUDIT_RETENTION_DAYS = 730;
/** How far back a listing walks, in months, before it stops (the retention). */
const AUDIT_MONTHS = 25;

/**
 * The audit log: one partition per UTC month (`AUDIT#<yyyy-mm>`), entries sorted by time. A listing reads
 * the newest month first and walks back a month at a time while the page is not full.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          PK: `AUDIT#${entry.at.slice(0, 7)}`,
          SK: `${entry.at}#${randomUUID()}`,
          entity: 'audit',
          entry,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(entry.at) / 1000) + AUDIT_RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  async list(options: { limit: number; cursor?: string | undefined; now?: Date }): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const entries: AuditEntry[] = [];
    let at = auditCursorOf(options.cursor) ?? { month: (options.now ?? new Date()).toISOString().slice(0, 7) };
    for (let walked = 0; walked < AUDIT_MONTHS && entries.length < options.limit; walked++) {
      const page = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `AUDIT#${at.month}` },
          ScanIndexForward: false,
          Limit: options.limit - entries.length,
          ...(at.after && { ExclusiveStartKey: { PK: `AUDIT#${at.month}`, SK: at.after } }),
        }),
      );
      entries.push(...(page.Items ?? []).map((i) => i.entry as AuditEntry));
      if (page.LastEvaluatedKey) at = { month: at.month, after: page.LastEvaluatedKey.SK as string };
      else at = { month: previousMonth(at.month) };
    }
    return { entries, ...(entries.length === options.limit && { nextCursor: Buffer.from(JSON.stringify(at)).toString('base64url') }) };
  }
}

/** How long an export's record stays (its file is kept a day; the record says so a day longer, then goes). */
const EXPORT_RECORD_DAYS = 2;

/** Export jobs (`use-cases/exports.ts`): one item each, gone by TTL two days after it was asked for. */
export class DynamoExportJobs implements ExportJobs {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async create(job: ExportJob): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          ...keys.exportJob(job.id),
          entity: 'export',
          job,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(job.createdAt) / 1000) + EXPORT_RECORD_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(id: string): Promise<ExportJob | undefined> {
    const { Item } = await this.deps.client.send(new GetCommand({ TableName: this.deps.tableName, Key: keys.exportJob(id), ConsistentRead: true }));
    return Item?.job as ExportJob | undefined;
  }

  async finish(id: string, outcome: Pick<ExportJob, 'status' | 'rows' | 'bytes' | 'truncated' | 'finishedAt' | 'error'>): Promise<void> {
    // One write: the outcome's fields set on the job, an earlier failure's message removed.
    const fields = Object.entries(outcome).filter(([, v]) => v !== undefined);
    const clearsError = outcome.error === undefined;
    const names = Object.fromEntries([...fields.map(([k], i) => [`#f${i}`, k]), ['#status', 'status'], ...(clearsError ? [['#error', 'error']] : [])]);
    const values = Object.fromEntries([...fields.map(([, v], i) => [`:f${i}`, v]), [':done', 'done']]);
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: keys.exportJob(id),
          UpdateExpression: `SET ${fields.map((_, i) => `job.#f${i} = :f${i}`).join(', ')}${clearsError ? ' REMOVE job.#error' : ''}`,
          // A done job stays done: a late retry of the same job changes nothing (nor does one of a job gone).
          ConditionExpression: 'attribute_exists(PK) AND job.#status <> :done',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

const previousMonth = (month: string): string => {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};

function auditCursorOf(cursor: string | undefined): { month: string; after?: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const at = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { month?: unknown; after?: unknown };
    if (
      typeof at.month === 'string' &&
      /^\d{4}-(0[1-9]|1[0-2])$/.test(at.month) &&
      (at.after === undefined || (typeof at.after === 'string' && at.after !== ''))
    )
      return at as { month: string; after?: string };
  } catch {}
  throw new ValidationError({ 'query.cursor': 'is not a cursor of the audit log (start again without it)' });
}
