import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll } from './batch.js';
import type { ConsentRecord, FitChangedEntry, FormSubmittedEntry, Source } from '../../core/contracts.js';
import type { IndexedProspect, LeadRef, ProspectCursor, ProspectEntry, ProspectStore, StoredEnrolment } from '../../core/ports.js';
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
 * its shard's (site, stage) counter, a conditional write of the number onto the `STAGE#` item (a lost race reuses
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
    const stored = async () =>
      (await this.client.send(new GetCommand({ TableName: this.tableName, Key: stageKey, ProjectionExpression: 'prospectSeq', ConsistentRead: true }))).Item
        ?.prospectSeq as number | undefined;
    const before = await stored();
    if (before !== undefined) return before;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.prospectCounter(ref.siteId, stage, ref.emailKey),
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Attributes!.n as number;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stageKey,
          UpdateExpression: 'SET prospectSeq = :seq',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(prospectSeq)',
          ExpressionAttributeValues: { ':seq': seq },
        }),
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
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.prospect(entry.siteId, stage, entry.emailKey, entry.seq), entity: 'prospect', ...entry },
      }),
    );
  }

  async dropEntry(ref: LeadRef, stage: string, seq: number): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.prospect(ref.siteId, stage, ref.emailKey, seq) }));
  }

  async entriesAfter(siteId: string, stage: string, after: ProspectCursor, limit: number): Promise<IndexedProspect[]> {
    // Every shard at once, after its own position.
    const shards = await Promise.all(
      keys.prospectShards.map(async (shard) => {
        const { Items } = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND SK > :after',
            ExpressionAttributeValues: {
              ':pk': keys.prospectPartition(siteId, stage, shard),
              ':after': keys.prospect(siteId, stage, shard, after[shard] ?? 0).SK,
            },
            ConsistentRead: true,
            Limit: limit,
          }),
        );
        return (Items ?? []).map(
          (i) =>
            ({
              siteId: i.siteId,
              emailKey: i.emailKey,
              seq: i.seq,
              leadId: i.leadId,
              qualifiedAt: i.qualifiedAt,
              writtenAt: i.writtenAt,
              shard,
            }) as IndexedProspect,
        );
      }),
    );
    return shards.flat();
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
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.log(ref.siteId, ref.emailKey, claimedAt, 'claimed'),
            entity: 'log',
            siteId: ref.siteId,
            entry: { type: 'prospect_claimed', at: claimedAt, rep },
          },
        }),
      );
      return { claimed: { rep, at: claimedAt } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ConsistentRead: true }));
      if (!Item) throw error;
      return { taken: { rep: Item.claimedBy as string, at: Item.claimedAt as string } };
    }
  }

  async release(
    ref: LeadRef,
    release: { rep?: string; by: string; at: string },
  ): Promise<{ released: { rep: string; at: string } } | { taken: { rep: string; at: string } } | { notClaimed: true }> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(ref.siteId, ref.emailKey),
          UpdateExpression: 'REMOVE claimedBy, claimedAt',
          ConditionExpression: `attribute_exists(PK) AND attribute_exists(claimedBy)${release.rep ? ' AND claimedBy = :rep' : ''}`,
          ...(release.rep && { ExpressionAttributeValues: { ':rep': release.rep } }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      const rep = Attributes!.claimedBy as string;
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.log(ref.siteId, ref.emailKey, release.at, 'released'),
            entity: 'log',
            siteId: ref.siteId,
            entry: { type: 'prospect_released', at: release.at, rep, by: release.by },
          },
        }),
      );
      return { released: { rep, at: release.at } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ConsistentRead: true }));
      if (!Item) throw error;
      return Item.claimedBy ? { taken: { rep: Item.claimedBy as string, at: Item.claimedAt as string } } : { notClaimed: true };
    }
  }

  async exportLead(ref: LeadRef): Promise<Record<string, unknown[]>> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const out: Record<string, unknown[]> = { lead: [] };
    for (const item of items) {
      const sk = item.SK as string;
      if (sk.startsWith('IX#')) continue; // the console's index entries: copies of what the lead item holds
      const kind = sk === keys.leadSortKey ? 'lead' : (KINDS.find(([prefix]) => sk.startsWith(prefix))?.[1] ?? 'other');
      (out[kind] ??= []).push(Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k))));
    }
    return out;
  }

  /**
   * Erase a lead. The lead item goes first: from then on every guarded write (score, stage, suppression,
   * claim) fails, and every consumer that reads the lead finds none and sweeps what it may have written
   * meanwhile (`sweepIfErased`). Only then is the partition read and cleared, so whatever was written
   * before the lead went is found and deleted here, and whatever comes after is swept by its writer.
   */
  async eraseLead(ref: LeadRef, at: string): Promise<boolean> {
    let lead: Record<string, unknown> | undefined;
    try {
      ({ Attributes: lead } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.lead(ref.siteId, ref.emailKey),
          ConditionExpression: 'attribute_exists(PK)',
          ReturnValues: 'ALL_OLD',
        }),
      ));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    const items = await this.sweep(ref, lead);
    const history = items
      .filter((i) => (i.SK as string).startsWith(keys.submissionPrefix))
      .flatMap((i) => ((i.entry as FormSubmittedEntry).consent ? [(i.entry as FormSubmittedEntry).consent!] : []));
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.erased(ref.siteId, at, lead!.leadId as string), entity: 'erased', ...anonymisedAudit(lead!.leadId as string, at, history) },
      }),
    );
    return true;
  }

  /**
   * For a writer that may have raced an erasure: when the lead is gone (a consistent GetItem, 1 RCU), delete
   * whatever is left of it. Called after writes that are not guarded by the lead item itself.
   */
  async sweepIfErased(ref: LeadRef): Promise<'present' | 'swept'> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ProjectionExpression: 'PK', ConsistentRead: true }),
    );
    if (Item) return 'present';
    await this.sweep(ref);
    return 'swept';
  }

  async markHandedOff(ref: LeadRef, at: string): Promise<{ firstSource: Source; email: string } | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(ref.siteId, ref.emailKey),
          UpdateExpression: 'SET handedOffAt = :at',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(handedOffAt)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { firstSource: Attributes!.firstSource as Source, email: Attributes!.email as string };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** The lead's `notAFitAt`/`notAFitBy` and the `LOG#<at>#<type>` entry in one transaction: about 4 WCU. */
  async setFit(ref: LeadRef, entry: FitChangedEntry): Promise<boolean> {
    const notAFit = entry.type === 'marked_not_a_fit';
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(ref.siteId, ref.emailKey),
                ...(notAFit
                  ? {
                      UpdateExpression: 'SET notAFitAt = :at, notAFitBy = :by, updatedAt = :at',
                      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(notAFitAt)',
                      ExpressionAttributeValues: { ':at': entry.at, ':by': entry.by },
                    }
                  : {
                      UpdateExpression: 'SET updatedAt = :at REMOVE notAFitAt, notAFitBy',
                      ConditionExpression: 'attribute_exists(PK) AND attribute_exists(notAFitAt)',
                      ExpressionAttributeValues: { ':at': entry.at },
                    }),
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.log(ref.siteId, ref.emailKey, entry.at, entry.type), entity: 'log', siteId: ref.siteId, entry },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /** Delete the lead's partition and what points at it from elsewhere; returns the partition's items as they were. */
  private async sweep(ref: LeadRef, lead?: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const doomed: Record<string, unknown>[] = items.map((i) => ({ PK: i.PK, SK: i.SK }));
    // What points at the lead from elsewhere: its scheduled work, its prospect index entries, its webhook log pointers.
    if (typeof lead?.decayCheckAt === 'string') doomed.push(keys.due(lead.decayCheckAt, ref.siteId, ref.emailKey));
    for (const item of items) {
      const sk = item.SK as string;
      const enrolment = sk.startsWith(keys.enrolmentPrefix) ? (item as unknown as StoredEnrolment) : undefined;
      if (enrolment?.state.nextAt) doomed.push(keys.due(enrolment.state.nextAt, ref.siteId, ref.emailKey, enrolment.state.sequenceId));
      if (sk.startsWith(keys.stagePrefix) && typeof item.prospectSeq === 'number')
        doomed.push(keys.prospect(ref.siteId, sk.slice(keys.stagePrefix.length), ref.emailKey, item.prospectSeq));
      if (sk.startsWith('WH#')) {
        doomed.push(keys.webhookLog(ref.siteId, item.endpointId as string, ref.emailKey, item.eventAt as string, item.deliveryId as string));
        if (typeof item.nextAttemptAt === 'string') doomed.push(keys.dueWebhook(item.nextAttemptAt, ref.siteId, ref.emailKey, item.endpointId as string));
      }
    }
    await batchDeleteAll(this.client, this.tableName, doomed);
    return items;
  }
}

/** What is kept of an erased lead: that it existed, when it was erased, and its consent decisions without text or address. */
export const anonymisedAudit = (leadId: string, erasedAt: string, history: readonly ConsentRecord[]) => ({
  leadId,
  erasedAt,
  consent: history.map((c) => ({ formId: c.formId, version: c.version, granted: c.granted, at: c.at })),
});
