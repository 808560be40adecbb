import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  EmailEngagedEntry,
  EmailFailedEntry,
  EmailKind,
  EmailSentEntry,
  EmailSuppressedEntry,
  FormSubmittedEntry,
  OptInConfirmedEntry,
  SequenceExitedEntry,
  UnsubscribedEntry,
  UnsubscribeMethod,
} from '../../core/contracts.js';
import type { EnrolmentState } from '../../core/nurture/sequence.js';
import type { ClaimOptions, LeadRef, MailLead, NurtureStore, SendRecord, StoredEnrolment } from '../../core/ports.js';
import { keys } from './keys.js';
import { enrolmentsOf, findLeadPartition, queryLeadPartition } from './lead-repository.js';
import { mailLeadOf } from '../../core/lead-record.js';

/**
 * The mail side's state in the single table, all of it in the lead's partition (see `keys.ts`):
 * `ENROL#<sequenceId>` (one enrolment per sequence), `SEND#<sendKey>` (one claim per email),
 * `OPTIN#<submissionId>`, `LOG#<at>#<id>` (timeline entries of the mail side), `EV#<eventId>` (opens and
 * clicks, like page views) and attributes on the lead item (`unsubscribedAt`, `suppressed`, `softBounces`).
 * Due nurture steps are `DUE#<day>` items whose sort key ends in `#SEQ#<sequenceId>`.
 *
 * Every write is idempotent or conditional, so a retried or concurrent job changes nothing twice. Costs
 * below are for the small items these are (≤ 1 KB: 1 WCU per write, 2 WCU per transactional write,
 * 0.5 RCU per eventually consistent read of ≤ 4 KB, 1 RCU strongly consistent).
 *
 * Items never deleted here but due items: the sender's IAM role may DeleteItem only on `DUE#` keys.
 */
export class DynamoNurtureStore implements NurtureStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /**
   * The lead with everything the sender needs: one strongly consistent (paginated) Query of its partition.
   * 1 RCU per 4 KB of partition (a typical lead with a few submissions, sends and events: 1–2 RCU).
   * Released claims are left out of `sends` (they are as good as never claimed).
   */
  async load(ref: LeadRef): Promise<MailLead | undefined> {
    const items = await queryLeadPartition(this.client, this.tableName, keys.leadPartition(ref.siteId, ref.emailKey));
    const lead = items.find((i) => i.SK === keys.leadSortKey);
    if (!lead) return undefined;
    const withPrefix = (prefix: string) => items.filter((i) => typeof i.SK === 'string' && i.SK.startsWith(prefix));
    return mailLeadOf(ref, lead, {
      submissions: withPrefix(keys.submissionPrefix).map((i) => i.entry as FormSubmittedEntry),
      optIns: withPrefix(keys.optInPrefix).map((i) => (i.SK as string).slice(keys.optInPrefix.length)),
      enrolments: enrolmentsOf(items),
      sends: withPrefix(keys.sendPrefix).flatMap((i) => {
        const record = sendRecordOf(i);
        return record ? [record] : [];
      }),
    });
  }

  /** The lead with this public id, if it belongs to `siteId`: one Query of GSI1 (KEYS_ONLY), about 0.5 RCU. */
  async findRef(siteId: string, leadId: string): Promise<LeadRef | undefined> {
    const partition = await findLeadPartition(this.client, this.tableName, leadId);
    const ref = partition ? keys.parseLeadPartition(partition) : undefined;
    return ref && ref.siteId === siteId ? ref : undefined;
  }

  /**
   * Enrol: PutItem of the due step first (when the state is active with a `nextAt`; idempotent by key),
   * then a conditional PutItem of `ENROL#<sequenceId>`. When an enrolment already existed (false), the due
   * item just written is deleted again unless the stored enrolment is due at the same time.
   * Cost: 1 WCU (due) + 1 WCU (enrolment); a lost race adds 1 WCU for the failed condition (it is billed)
   * and 1 WCU for the delete.
   */
  async enrol(ref: LeadRef, enrolment: StoredEnrolment): Promise<boolean> {
    const { state } = enrolment;
    const dueAt = scheduledAt(state);
    if (dueAt) await this.schedule(ref, dueAt, state.sequenceId);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.enrolment(ref.siteId, ref.emailKey, state.sequenceId),
            entity: 'enrolment',
            siteId: ref.siteId,
            state: defined(state),
            formId: enrolment.formId,
            enrolledAt: enrolment.enrolledAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Enrolled before (a retry or a concurrent job): keep its schedule, drop ours unless it is the same.
      const existing = error.Item ? (unmarshall(error.Item as Record<string, AttributeValue>).state as EnrolmentState | undefined) : undefined;
      if (dueAt && existing && scheduledAt(existing) !== dueAt) await this.unschedule(ref, dueAt, state.sequenceId);
      return false;
    }
  }

  /**
   * Move an enrolment from `from` to `to`, only if the stored state still has `from`'s step, status and
   * `nextAt` (so of two concurrent moves from one state exactly one wins).
   * 1. a new `nextAt` is scheduled first (PutItem of the due item): 1 WCU
   * 2. UpdateItem of `ENROL#` (1 WCU); an exit is a TransactWriteItems with a PutItem of the
   *    `LOG#<at>#exit-<sequenceId>` timeline entry (2 × 2 WCU)
   * 3. the due item it replaces is deleted (idempotent): 1 WCU
   * Returns false, writing nothing more, when the state had moved on (a retry or a concurrent run).
   */
  async moveEnrolment(ref: LeadRef, from: EnrolmentState, to: EnrolmentState, at: string): Promise<boolean> {
    if (from.sequenceId !== to.sequenceId) throw new Error(`Cannot move an enrolment from "${from.sequenceId}" to "${to.sequenceId}"`);
    const sequenceId = from.sequenceId;
    const before = scheduledAt(from);
    const after = scheduledAt(to);
    if (after && after !== before) await this.schedule(ref, after, sequenceId);

    const update = {
      TableName: this.tableName,
      Key: keys.enrolment(ref.siteId, ref.emailKey, sequenceId),
      UpdateExpression: 'SET #state = :to',
      ConditionExpression: `#state.#stepIndex = :fromStep AND #state.#status = :fromStatus AND ${from.nextAt === undefined ? 'attribute_not_exists(#state.#nextAt)' : '#state.#nextAt = :fromNext'}`,
      ExpressionAttributeNames: { '#state': 'state', '#stepIndex': 'stepIndex', '#status': 'status', '#nextAt': 'nextAt' },
      ExpressionAttributeValues: {
        ':to': defined(to),
        ':fromStep': from.stepIndex,
        ':fromStatus': from.status,
        ...(from.nextAt !== undefined && { ':fromNext': from.nextAt }),
      },
    };
    try {
      if (to.status === 'exited') {
        const entry: SequenceExitedEntry = {
          type: 'sequence_exited',
          at,
          sequenceId,
          reason: to.exitReason ?? 'unknown',
          ...(to.exitDetail !== undefined && { detail: to.exitDetail }),
        };
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...keys.log(ref.siteId, ref.emailKey, at, `exit-${sequenceId}`), entity: 'log', siteId: ref.siteId, entry },
                },
              },
            ],
          }),
        );
      } else {
        await this.client.send(new UpdateCommand(update));
      }
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (before && before !== after) await this.unschedule(ref, before, sequenceId);
    return true;
  }

  /**
   * Claim one email: a conditional PutItem of `SEND#<sendKey>` that succeeds when there is no claim, the
   * claim was released, or it is `sending` since before `at − staleAfterMs` (its worker died). 1 WCU
   * (a failed condition is billed 1 WCU too); on failure the stored item comes back with the error, so
   * `sent` / `failed` / `busy` costs no extra read.
   */
  async claimSend(
    ref: LeadRef,
    send: { sendKey: string; kind: EmailKind; sequenceId?: string },
    at: string,
    staleAfterMs: number,
    options: ClaimOptions = {},
  ): Promise<'claimed' | 'sent' | 'failed' | 'busy'> {
    const staleBefore = new Date(Date.parse(at) - staleAfterMs).toISOString();
    // Far in the past when a send is once-ever: no finished claim is older than that.
    const reclaimBefore = options.reclaimAfterMs === undefined ? '0000' : new Date(Date.parse(at) - options.reclaimAfterMs).toISOString();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.send(ref.siteId, ref.emailKey, send.sendKey),
            entity: 'send',
            siteId: ref.siteId,
            status: 'sending',
            kind: send.kind,
            ...(send.sequenceId !== undefined && { sequenceId: send.sequenceId }),
            claimedAt: at,
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR #status = :released OR (#status = :sending AND #claimedAt < :staleBefore) OR (#status IN (:sent, :failed) AND #claimedAt < :reclaimBefore)',
          ExpressionAttributeNames: { '#status': 'status', '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: {
            ':released': 'released',
            ':sending': 'sending',
            ':sent': 'sent',
            ':failed': 'failed',
            ':staleBefore': staleBefore,
            ':reclaimBefore': reclaimBefore,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const status = error.Item ? unmarshall(error.Item as Record<string, AttributeValue>).status : undefined;
      return status === 'sent' ? 'sent' : status === 'failed' ? 'failed' : 'busy';
    }
  }

  /** The email left: UpdateItem of the claim to `sent` with its timeline entry (the claim must exist). 1 WCU (≤ 1 KB). */
  async markSent(ref: LeadRef, sendKey: string, entry: EmailSentEntry): Promise<void> {
    await this.finish(ref, sendKey, 'sent', entry);
  }

  /** Refused for good: UpdateItem of the claim to `failed` with its timeline entry; it is never claimed again. 1 WCU. */
  async markFailed(ref: LeadRef, sendKey: string, entry: EmailFailedEntry): Promise<void> {
    await this.finish(ref, sendKey, 'failed', entry);
  }

  /**
   * Drop a claim after a transient failure: UpdateItem to `released`, only while it is still `sending`
   * (a claim that was taken over and finished is left alone; that condition failure is swallowed). No
   * DeleteItem: the sender's role may delete only due items. 1 WCU.
   */
  async releaseSend(ref: LeadRef, sendKey: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.send(ref.siteId, ref.emailKey, sendKey),
          UpdateExpression: 'SET #status = :released',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': 'released', ':sending': 'sending' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** A confirmed double opt-in: conditional PutItem of `OPTIN#<submissionId>` (its insert, on the stream, sends the delivery). 1 WCU. */
  async confirmOptIn(ref: LeadRef, submissionId: string, formId: string, at: string): Promise<'confirmed' | 'duplicate'> {
    const entry: OptInConfirmedEntry = { type: 'opt_in_confirmed', at, formId, submissionId };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.optIn(ref.siteId, ref.emailKey, submissionId), entity: 'opt-in', siteId: ref.siteId, entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'confirmed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  /**
   * Unsubscribe: one TransactWriteItems of the lead's `unsubscribedAt` (only if the lead exists and has
   * none yet) and the `LOG#<at>#unsubscribed` timeline entry. 2 × (lead item size in KB) WCU + 2 WCU, so
   * about 4–6 WCU; `already` (no lead or unsubscribed before) is billed for the condition checks only.
   */
  async unsubscribe(ref: LeadRef, at: string, method: UnsubscribeMethod, by?: string): Promise<'unsubscribed' | 'already'> {
    const entry: UnsubscribedEntry = { type: 'unsubscribed', at, method, ...(by !== undefined && { by }) };
    const done = await this.leadChangeWithLog(
      ref,
      {
        // The lead changed: `updatedAt` says so (a CRM syncing by it picks the unsubscribe up).
        UpdateExpression: 'SET #unsubscribedAt = :at, updatedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#unsubscribedAt)',
        ExpressionAttributeNames: { '#unsubscribedAt': 'unsubscribedAt' },
        ExpressionAttributeValues: { ':at': at },
      },
      keys.log(ref.siteId, ref.emailKey, at, 'unsubscribed'),
      entry,
    );
    return done ? 'unsubscribed' : 'already';
  }

  /**
   * Suppress the address: one TransactWriteItems of the lead's `suppressed` (only if it is not suppressed
   * yet, or a complaint replaces a bounce) and the `LOG#<at>#suppressed-<reason>` timeline entry. About
   * 4–6 WCU; a no-op (already suppressed, no such lead) when the condition fails.
   */
  async suppress(ref: LeadRef, entry: EmailSuppressedEntry): Promise<void> {
    // A complaint outranks a bounce (the sequence exit reason follows it); nothing outranks a complaint.
    const replaceable = entry.reason === 'complained' ? ' OR #suppressed = :bounced' : '';
    await this.leadChangeWithLog(
      ref,
      {
        UpdateExpression: 'SET #suppressed = :reason, updatedAt = :at',
        ConditionExpression: `attribute_exists(PK) AND (attribute_not_exists(#suppressed)${replaceable})`,
        ExpressionAttributeNames: { '#suppressed': 'suppressed' },
        ExpressionAttributeValues: { ':reason': entry.reason, ':at': entry.at, ...(replaceable && { ':bounced': 'bounced' }) },
      },
      keys.log(ref.siteId, ref.emailKey, entry.at, `suppressed-${entry.reason}`),
      entry,
    );
  }

  /** Count a soft bounce: UpdateItem ADD on the lead, returning the new count (0 when there is no such lead). About 1–2 WCU (lead item size). */
  async countSoftBounce(ref: LeadRef, messageId: string): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(ref.siteId, ref.emailKey),
          // The email's id joins the set of those counted: SES's second copy of the same bounce adds nothing.
          UpdateExpression: 'ADD #softBounces :one, #counted :id',
          ConditionExpression: 'attribute_exists(PK) AND NOT contains(#counted, :messageId)',
          ExpressionAttributeNames: { '#softBounces': 'softBounces', '#counted': 'softBounceIds' },
          ExpressionAttributeValues: { ':one': 1, ':id': new Set([messageId]), ':messageId': messageId },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return (Attributes?.softBounces as number | undefined) ?? 0;
    } catch (error) {
      // Counted before (the count as it stands), or no such lead (0).
      if (error instanceof ConditionalCheckFailedException) return unmarshallSoftBounces(error.Item) ?? 0;
      throw error;
    }
  }

  /**
   * An open or click: GetItem of the lead (keys and id only, eventually consistent: 0.5 RCU per 4 KB of
   * lead item), then a conditional PutItem of `EV#<eventId>` (1 WCU). Its insert re-scores the lead
   * through the table stream, like a page view. Not gated on consent: the mail service reports it
   * about an email the lead was sent.
   */
  async recordEngagement(ref: LeadRef, entry: EmailEngagedEntry): Promise<'recorded' | 'duplicate' | 'unknown'> {
    const { Item: lead } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ProjectionExpression: 'PK, leadId' }),
    );
    if (!lead) return 'unknown';
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.event(ref.siteId, ref.emailKey, entry.eventId),
            entity: 'event',
            siteId: ref.siteId,
            ...(typeof lead.leadId === 'string' && { leadId: lead.leadId }),
            entry,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  private async finish(ref: LeadRef, sendKey: string, status: 'sent' | 'failed', entry: EmailSentEntry | EmailFailedEntry): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.send(ref.siteId, ref.emailKey, sendKey),
        UpdateExpression: `SET #status = :status, #${status}At = :at, #entry = :entry`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status', [`#${status}At`]: `${status}At`, '#entry': 'entry' },
        ExpressionAttributeValues: { ':status': status, ':at': entry.at, ':entry': entry },
      }),
    );
  }

  /** One transaction: a conditional change of the lead item and a timeline entry. False when the condition failed. */
  private async leadChangeWithLog(
    ref: LeadRef,
    change: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    logKey: { PK: string; SK: string },
    entry: UnsubscribedEntry | EmailSuppressedEntry,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: this.tableName, Key: keys.lead(ref.siteId, ref.emailKey), ...change } },
            { Put: { TableName: this.tableName, Item: { ...logKey, entity: 'log', siteId: ref.siteId, entry } } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** PutItem of a due nurture step (idempotent by key). 1 WCU. */
  private async schedule(ref: LeadRef, at: string, sequenceId: string): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.due(at, ref.siteId, ref.emailKey, sequenceId), entity: 'due', siteId: ref.siteId } }),
    );
  }

  /** DeleteItem of a due nurture step (idempotent: deleting what the drainer already deleted is fine). 1 WCU. */
  private async unschedule(ref: LeadRef, at: string, sequenceId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.due(at, ref.siteId, ref.emailKey, sequenceId) }));
  }
}

/** A state without its undefined properties (whatever the client's marshalling options). */
function defined(state: EnrolmentState): EnrolmentState {
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) as EnrolmentState;
}

/** When an enrolment's next step is scheduled: only an active one with a `nextAt` is. */
function scheduledAt(state: EnrolmentState): string | undefined {
  return state.status === 'active' ? state.nextAt : undefined;
}

/** A `SEND#` item as a send record; undefined for a released claim (as good as none). */
function sendRecordOf(item: Record<string, unknown>): SendRecord | undefined {
  const status = item.status;
  if (status !== 'sending' && status !== 'sent' && status !== 'failed') return undefined;
  const at = (item.sentAt as string | undefined) ?? (item.claimedAt as string);
  return {
    sendKey: (item.SK as string).slice(keys.sendPrefix.length),
    kind: item.kind as EmailKind,
    status,
    at,
    ...(typeof item.sequenceId === 'string' && { sequenceId: item.sequenceId }),
  };
}

/** A conditional write (or a transaction) that failed its condition, not for any other reason. */
function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  return error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

/** `softBounces` of an item DynamoDB returned with a failed condition (in its wire format, `{ N: '2' }`, or unmarshalled). */
function unmarshallSoftBounces(item: Record<string, unknown> | undefined): number | undefined {
  const value = item?.softBounces as { N?: string } | number | undefined;
  if (typeof value === 'number') return value;
  return value?.N === undefined ? undefined : Number(value.N);
}
