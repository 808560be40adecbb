import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentRecord, FormSubmittedEntry } from '../../core/contracts.js';
import type { LeadRef, ProspectEntry, ProspectStore, StoredEnrolment } from '../../core/ports.js';
import { keys } from './keys.js';
import { queryLeadPartition } from './lead-repository.js';

const INTERNAL = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'entity', 'expiresAt', 'emailKey']);
const KINDS: [prefix: string, kind: string][] = [
  ['SUB#', 'submissions'],
  ['EV#', 'events'],
  ['STAGE#', 'stageChanges'],
  ['ENROL#', 'enrolments'],
  ['SEND#', 'emails'],
  ['OPTIN#', 'optIns'],
  ['LOG#', 'log'],
  ['WH#', 'webhookDeliveries'],
];

/**
 * The prospect index, claims, export and erasure in the single table (keys in `keys.ts`).
 * Numbering a qualification: a read of its `STAGE#` item (a repeat reuses its number), an atomic ADD on
 * the (site, stage) counter, a conditional write of the number onto the `STAGE#` item (a lost race reuses
 * the winner's, leaving a harmless gap): about 1 RCU + 2 WCU, then 1 WCU for the index entry.
 */
export class DynamoProspectStore implements ProspectStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async sequenceOf(ref: LeadRef, stage: string): Promise<number> {
    const stageKey = keys.stage(ref.siteId, ref.emailKey, stage);
    const stored = async () => (await this.client.send(new GetCommand({ TableName: this.tableName, Key: stageKey, ProjectionExpression: 'prospectSeq', ConsistentRead: true }))).Item?.prospectSeq as number | undefined;
    const before = await stored();
    if (before !== undefined) return before;
    const { Attributes } = await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: keys.prospectCounter(ref.siteId, stage), UpdateExpression: 'ADD #n :one', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' }),
    );
    const seq = Attributes!.n as number;
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: stageKey, UpdateExpression: 'SET prospectSeq = :seq', ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(prospectSeq)', ExpressionAttributeValues: { ':seq': seq } }),
      );
      return seq;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const winner = await stored();
      if (winner === undefined) throw new Error('the stage item is gone (the lead was erased)');
      return winner;
    }
  }

  async putEntry(stage: string, entry: ProspectEntry): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.prospect(entry.siteId, stage, entry.seq), entity: 'prospect', ...entry } }));
  }

  async entriesAfter(siteId: string, stage: string, afterSeq: number, limit: number): Promise<ProspectEntry[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK > :after',
        ExpressionAttributeValues: { ':pk': keys.prospectPartition(siteId, stage), ':after': keys.prospect(siteId, stage, afterSeq).SK },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => ({ siteId: i.siteId, emailKey: i.emailKey, seq: i.seq, leadId: i.leadId, qualifiedAt: i.qualifiedAt, writtenAt: i.writtenAt }) as ProspectEntry);
  }

  async claim(ref: LeadRef, rep: string, at: string): Promise<{ claimed: { rep: string; at: string } } | { taken: { rep: string; at: string } }> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(ref.siteId, ref.emailKey),
          UpdateExpression: 'SET claimedBy = :rep, claimedAt = if_not_exists(claimedAt, :at)',
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(claimedBy) OR claimedBy = :rep)',
          ExpressionAttributeValues: { ':rep': rep, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const claimedAt = Attributes!.claimedAt as string;
      // The timeline entry, once per claim (a repeat by the same rep writes the same key).
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.log(ref.siteId, ref.emailKey, claimedAt, 'claimed'), entity: 'log', siteId: ref.siteId, entry: { type: 'prospect_claimed', at: claimedAt, rep } } }));
      return { claimed: { rep, at: claimedAt } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ConsistentRead: true }));
      if (!Item) throw error;
      return { taken: { rep: Item.claimedBy as string, at: Item.claimedAt as string } };
    }
  }

  async exportLead(ref: LeadRef): Promise<Record<string, unknown[]>> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const out: Record<string, unknown[]> = { lead: [] };
    for (const item of items) {
      const sk = item.SK as string;
      const kind = sk === keys.leadSortKey ? 'lead' : (KINDS.find(([prefix]) => sk.startsWith(prefix))?.[1] ?? 'other');
      (out[kind] ??= []).push(Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k))));
    }
    return out;
  }

  async eraseLead(ref: LeadRef, at: string): Promise<boolean> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const lead = items.find((i) => i.SK === keys.leadSortKey);
    if (!lead) return false;
    const doomed: Record<string, unknown>[] = items.map((i) => ({ PK: i.PK, SK: i.SK }));
    // What points at the lead from elsewhere: its scheduled work, its prospect index entries, its webhook log pointers.
    if (typeof lead.decayCheckAt === 'string') doomed.push(keys.due(lead.decayCheckAt, ref.siteId, ref.emailKey));
    for (const item of items) {
      const sk = item.SK as string;
      const enrolment = sk.startsWith(keys.enrolmentPrefix) ? (item as unknown as StoredEnrolment) : undefined;
      if (enrolment?.state.nextAt) doomed.push(keys.due(enrolment.state.nextAt, ref.siteId, ref.emailKey, enrolment.state.sequenceId));
      if (sk.startsWith(keys.stagePrefix) && typeof item.prospectSeq === 'number') doomed.push(keys.prospect(ref.siteId, sk.slice(keys.stagePrefix.length), item.prospectSeq));
      if (sk.startsWith('WH#')) {
        doomed.push(keys.webhookLog(ref.siteId, item.endpointId as string, item.eventAt as string, item.deliveryId as string));
        if (typeof item.nextAttemptAt === 'string') doomed.push(keys.dueWebhook(item.nextAttemptAt, ref.siteId, ref.emailKey, item.endpointId as string));
      }
    }
    for (let i = 0; i < doomed.length; i += 25) {
      let pending = doomed.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let tries = 0; pending.length; tries++) {
        if (tries > 8) throw new Error('erasure: DynamoDB kept items unprocessed; run it again');
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
        if (pending.length) await new Promise((ok) => setTimeout(ok, 50 * 2 ** tries));
      }
    }
    const history = items.filter((i) => (i.SK as string).startsWith(keys.submissionPrefix)).flatMap((i) => ((i.entry as FormSubmittedEntry).consent ? [(i.entry as FormSubmittedEntry).consent!] : []));
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.erased(ref.siteId, at, lead.leadId as string), entity: 'erased', ...anonymisedAudit(lead.leadId as string, at, history) } }));
    return true;
  }
}

/** What is kept of an erased lead: that it existed, when it was erased, and its consent decisions without text or address. */
export const anonymisedAudit = (leadId: string, erasedAt: string, history: readonly ConsentRecord[]) => ({
  leadId,
  erasedAt,
  consent: history.map((c) => ({ formId: c.formId, version: c.version, granted: c.granted, at: c.at })),
});
