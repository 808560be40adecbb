import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLeadRepository } from '../../functions/adapters/dynamo/lead-repository.js';
import { DynamoNurtureStore } from '../../functions/adapters/dynamo/nurture-store.js';
import type { EmailEngagedEntry, EmailFailedEntry, EmailSentEntry } from '../../functions/core/contracts.js';
import type { EnrolmentState } from '../../functions/core/nurture/sequence.js';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoNurtureStore({ client: ddb as unknown as DynamoDBDocumentClient, tableName: 'funnel' });

const KEY = 'a'.repeat(64);
const ref = { siteId: 'demo', emailKey: KEY };
const PK = `SITE#demo#EMAIL#${KEY}`;
const AT = '2026-11-22T10:00:00.000Z';

const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item && { Item: marshall(item) }) });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const commands = () => ddb.calls().map((c) => c.args[0].constructor.name);

const step0: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 0, nextAt: '2026-11-24T14:00:00.000Z', status: 'active' };
const step1: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 1, nextAt: '2026-11-27T14:00:00.000Z', status: 'active' };

describe('Adapter: DynamoNurtureStore reads', () => {
  beforeEach(() => ddb.reset());

  it('loads the lead and its mail state from one consistent, paginated Query of its partition', async () => {
    // Prepare
    const submission = { type: 'form_submitted', at: AT, submissionId: 'sub-1', formId: 'ebook', formKind: 'gated-content' };
    const consent = { granted: true, text: 'Yes', version: 'v1', formId: 'ebook', at: AT };
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          { PK, SK: 'ENROL#ebook-nurture', state: step0, formId: 'ebook', enrolledAt: AT },
          {
            PK,
            SK: 'LEAD',
            leadId: 'lead-1',
            siteId: 'demo',
            email: 'jane@acme.com',
            firstName: 'Jane',
            company: 'Acme',
            consentMarketing: consent,
            stage: 'mql',
            suppressed: 'bounced',
            softBounces: 2,
            latestSource: { formId: 'ebook', at: AT, timeZone: 'Europe/Berlin' },
          },
          { PK, SK: 'OPTIN#sub-1', entry: { type: 'opt_in_confirmed', at: AT, formId: 'ebook', submissionId: 'sub-1' } },
        ],
        LastEvaluatedKey: { PK, SK: 'OPTIN#sub-1' },
      })
      .resolvesOnce({
        Items: [
          { PK, SK: 'SEND#delivery#sub-1', status: 'sent', kind: 'delivery', claimedAt: AT, sentAt: '2026-11-22T10:00:01.000Z' },
          { PK, SK: 'SEND#released', status: 'released', kind: 'delivery', claimedAt: AT },
          { PK, SK: 'SEND#step#ebook-nurture#s1', status: 'sending', kind: 'step', sequenceId: 'ebook-nurture', claimedAt: AT },
          { PK, SK: 'SUB#sub-1', entry: submission },
        ],
      });
    // Act
    const lead = await store.load(ref);
    // Assess
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      TableName: 'funnel',
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': PK },
      ConsistentRead: true,
    });
    expect(queries[1]!.ExclusiveStartKey).toEqual({ PK, SK: 'OPTIN#sub-1' });
    expect(lead).toEqual({
      siteId: 'demo',
      emailKey: KEY,
      leadId: 'lead-1',
      email: 'jane@acme.com',
      profile: { firstName: 'Jane', company: 'Acme' },
      stage: 'mql',
      consent,
      suppressed: 'bounced',
      softBounces: 2,
      timeZone: 'Europe/Berlin',
      submissions: [submission],
      optIns: ['sub-1'],
      enrolments: [{ state: step0, formId: 'ebook', enrolledAt: AT }],
      sends: [
        { sendKey: 'delivery#sub-1', kind: 'delivery', status: 'sent', at: '2026-11-22T10:00:01.000Z' },
        { sendKey: 'step#ebook-nurture#s1', kind: 'step', status: 'sending', at: AT, sequenceId: 'ebook-nurture' },
      ],
    });
  });

  it('defaults stage and soft bounces, and is undefined without a lead item', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ PK, SK: 'LEAD', leadId: 'l', siteId: 'demo', email: 'a@b.co' }] })
      .resolvesOnce({ Items: [{ PK, SK: 'SUB#x', entry: {} }] });
    await expect(store.load(ref)).resolves.toMatchObject({ stage: 'lead', softBounces: 0, optIns: [], enrolments: [], sends: [] });
    await expect(store.load(ref)).resolves.toBeUndefined();
  });

  it('finds a lead partition by id through GSI1, only on its own site', async () => {
    ddb
      .on(QueryCommand, { IndexName: 'GSI1' })
      .resolvesOnce({ Items: [{ PK, SK: 'LEAD' }] })
      .resolvesOnce({ Items: [{ PK, SK: 'LEAD' }] })
      .resolvesOnce({ Items: [] });
    await expect(store.findRef('demo', 'lead-1')).resolves.toEqual(ref);
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      IndexName: 'GSI1',
      ExpressionAttributeValues: { ':pk': 'LEAD#lead-1' },
      Limit: 1,
    });
    await expect(store.findRef('other', 'lead-1')).resolves.toBeUndefined();
    await expect(store.findRef('demo', 'nobody')).resolves.toBeUndefined();
  });
});

describe('Adapter: DynamoNurtureStore enrolments', () => {
  beforeEach(() => ddb.reset());
  const enrolment = { state: step0, formId: 'ebook', enrolledAt: AT };
  const dueKey = { PK: 'DUE#2026-11-24#a', SK: `2026-11-24T14:00:00.000Z#${PK}#SEQ#ebook-nurture` };

  it('schedules the first step before writing the enrolment under attribute_not_exists', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    // Act
    const enrolled = await store.enrol(ref, enrolment);
    // Assess
    expect(enrolled).toBe(true);
    const [due, enrol] = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(due).toEqual({ TableName: 'funnel', Item: { ...dueKey, entity: 'due', siteId: 'demo' } });
    expect(enrol).toMatchObject({
      Item: { PK, SK: 'ENROL#ebook-nurture', entity: 'enrolment', siteId: 'demo', state: step0, formId: 'ebook', enrolledAt: AT },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  });

  it('schedules nothing for an enrolment that is already complete', async () => {
    ddb.on(PutCommand).resolves({});
    await store.enrol(ref, { ...enrolment, state: { sequenceId: 'ebook-nurture', stepIndex: 0, status: 'completed' } });
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!.SK)).toEqual(['ENROL#ebook-nurture']);
  });

  it('returns false when already enrolled, keeping the same schedule and deleting a different one it wrote', async () => {
    // Same nextAt (a retry): the due item is the existing enrolment's own, so it stays.
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(conditionFailed({ state: step0 }));
    expect(await store.enrol(ref, enrolment)).toBe(false);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
    // Another nextAt (a later, concurrent job): ours would be a stray due item.
    ddb.reset();
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(conditionFailed({ state: step1 }));
    ddb.on(DeleteCommand).resolves({});
    expect(await store.enrol(ref, enrolment)).toBe(false);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(dueKey);
  });

  it('moves an enrolment: new due item first, conditional update, old due item deleted last', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    // Act
    const moved = await store.moveEnrolment(ref, step0, step1, AT);
    // Assess
    expect(moved).toBe(true);
    expect(commands()).toEqual(['PutCommand', 'UpdateCommand', 'DeleteCommand']);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      PK: 'DUE#2026-11-27#a',
      SK: `2026-11-27T14:00:00.000Z#${PK}#SEQ#ebook-nurture`,
    });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { PK, SK: 'ENROL#ebook-nurture' },
      UpdateExpression: 'SET #state = :to',
      ConditionExpression: '#state.#stepIndex = :fromStep AND #state.#status = :fromStatus AND #state.#nextAt = :fromNext',
      ExpressionAttributeValues: { ':to': step1, ':fromStep': 0, ':fromStatus': 'active', ':fromNext': step0.nextAt },
    });
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(dueKey);
  });

  it('writes no schedule when nextAt is unchanged, and conditions on a missing nextAt when `from` has none', async () => {
    ddb.on(UpdateCommand).resolves({});
    const completed: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 3, status: 'completed' };
    await store.moveEnrolment(ref, { ...step0, nextAt: undefined }, completed, AT);
    expect(commands()).toEqual(['UpdateCommand']);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ConditionExpression).toContain('attribute_not_exists(#state.#nextAt)');
  });

  it('returns false, deleting nothing, when the stored state moved on', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.moveEnrolment(ref, step0, step1, AT)).toBe(false);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('records an exit on the timeline in the same transaction, then unschedules the step', async () => {
    // Prepare
    const exited: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 0, status: 'exited', exitReason: 'unsubscribed' };
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    // Act
    expect(await store.moveEnrolment(ref, step0, exited, AT)).toBe(true);
    // Assess
    expect(commands()).toEqual(['TransactWriteCommand', 'DeleteCommand']);
    const [update, put] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update!.Update).toMatchObject({ Key: { PK, SK: 'ENROL#ebook-nurture' }, ExpressionAttributeValues: expect.objectContaining({ ':to': exited }) });
    expect(put!.Put!.Item).toEqual({
      PK,
      SK: `LOG#${AT}#exit-ebook-nurture`,
      entity: 'log',
      siteId: 'demo',
      entry: { type: 'sequence_exited', at: AT, sequenceId: 'ebook-nurture', reason: 'unsubscribed' },
    });
  });

  it('maps a cancelled exit transaction to false only when a condition failed', async () => {
    const exited: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 0, status: 'exited', exitReason: 'send-failed', exitDetail: 'refused' };
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).rejectsOnce(cancelled('TransactionConflict', 'None'));
    expect(await store.moveEnrolment(ref, step0, exited, AT)).toBe(false);
    await expect(store.moveEnrolment(ref, step0, exited, AT)).rejects.toThrow('Transaction cancelled');
  });
});

describe('Adapter: DynamoNurtureStore send claims', () => {
  beforeEach(() => ddb.reset());
  const send = { sendKey: 'step#ebook-nurture#s1', kind: 'step' as const, sequenceId: 'ebook-nurture' };

  it('claims with one conditional PutItem: none yet, released, or sending since before the stale limit', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    // Act
    const claim = await store.claimSend(ref, send, AT, 5 * 60_000);
    // Assess
    expect(claim).toBe('claimed');
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'funnel',
      Item: {
        PK,
        SK: 'SEND#step#ebook-nurture#s1',
        entity: 'send',
        siteId: 'demo',
        status: 'sending',
        kind: 'step',
        sequenceId: 'ebook-nurture',
        claimedAt: AT,
      },
      ConditionExpression:
        'attribute_not_exists(PK) OR #status = :released OR (#status = :sending AND #claimedAt < :staleBefore) OR (#status IN (:sent, :failed) AND #claimedAt < :reclaimBefore)',
      ExpressionAttributeNames: { '#status': 'status', '#claimedAt': 'claimedAt' },
      // Once ever: no finished claim is older than the year 0000.
      ExpressionAttributeValues: {
        ':released': 'released',
        ':sending': 'sending',
        ':sent': 'sent',
        ':failed': 'failed',
        ':staleBefore': '2026-11-22T09:55:00.000Z',
        ':reclaimBefore': '0000',
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('lets a finished send be claimed again after its window (one delivery per lead and form a day)', async () => {
    ddb.on(PutCommand).resolves({});
    await store.claimSend(ref, send, AT, 5 * 60_000, { reclaimAfterMs: 24 * 3_600_000 });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':reclaimBefore': '2026-11-21T10:00:00.000Z' });
  });

  it.each([
    ['sent', 'sent'],
    ['failed', 'failed'],
    ['sending', 'busy'],
  ] as const)('answers %s → %s from the item returned with the failed condition', async (status, expected) => {
    ddb.on(PutCommand).rejects(conditionFailed({ PK, SK: 'SEND#x', status, claimedAt: AT }));
    await expect(store.claimSend(ref, send, AT, 60_000)).resolves.toBe(expected);
  });

  it('rethrows anything but a failed condition', async () => {
    ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(store.claimSend(ref, send, AT, 60_000)).rejects.toThrow('ProvisionedThroughputExceededException');
  });

  it('marks a claim sent or failed with its timeline entry, on an existing claim', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    const sent: EmailSentEntry = {
      type: 'email_sent',
      at: AT,
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'ebook-nurture',
      stepId: 's1',
      subject: 'Hi',
      messageId: 'm-1',
    };
    const failed: EmailFailedEntry = { type: 'email_failed', at: AT, kind: 'step', formId: 'ebook', reason: 'MessageRejected' };
    // Act
    await store.markSent(ref, send.sendKey, sent);
    await store.markFailed(ref, send.sendKey, failed);
    // Assess
    const [a, b] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(a).toMatchObject({
      Key: { PK, SK: 'SEND#step#ebook-nurture#s1' },
      UpdateExpression: 'SET #status = :status, #sentAt = :at, #entry = :entry',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':status': 'sent', ':at': AT, ':entry': sent },
    });
    expect(b).toMatchObject({
      UpdateExpression: 'SET #status = :status, #failedAt = :at, #entry = :entry',
      ExpressionAttributeValues: { ':status': 'failed', ':entry': failed },
    });
  });

  it('releases a claim by status (no DeleteItem), only while it is still sending, swallowing that condition', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await store.releaseSend(ref, send.sendKey);
    await expect(store.releaseSend(ref, send.sendKey)).resolves.toBeUndefined();
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { PK, SK: 'SEND#step#ebook-nurture#s1' },
      UpdateExpression: 'SET #status = :released',
      ConditionExpression: '#status = :sending',
      ExpressionAttributeValues: { ':released': 'released', ':sending': 'sending' },
    });
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });
});

describe('Adapter: DynamoNurtureStore lead changes', () => {
  beforeEach(() => ddb.reset());

  it('confirms an opt-in once per submission', async () => {
    ddb.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    expect(await store.confirmOptIn(ref, 'sub-1', 'ebook', AT)).toBe('confirmed');
    expect(await store.confirmOptIn(ref, 'sub-1', 'ebook', AT)).toBe('duplicate');
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      Item: { PK, SK: 'OPTIN#sub-1', entity: 'opt-in', siteId: 'demo', entry: { type: 'opt_in_confirmed', at: AT, formId: 'ebook', submissionId: 'sub-1' } },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  });

  it('unsubscribes in one transaction (lead + LOG# entry); a failed condition is `already`', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolvesOnce({}).rejectsOnce(cancelled('ConditionalCheckFailed', 'None'));
    // Act
    const first = await store.unsubscribe(ref, AT, 'one-click');
    const second = await store.unsubscribe(ref, AT, 'page');
    // Assess
    expect([first, second]).toEqual(['unsubscribed', 'already']);
    const [update, put] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update!.Update).toMatchObject({
      Key: { PK, SK: 'LEAD' },
      UpdateExpression: 'SET #unsubscribedAt = :at, updatedAt = :at',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#unsubscribedAt)',
      ExpressionAttributeValues: { ':at': AT },
    });
    expect(put!.Put!.Item).toEqual({
      PK,
      SK: `LOG#${AT}#unsubscribed`,
      entity: 'log',
      siteId: 'demo',
      entry: { type: 'unsubscribed', at: AT, method: 'one-click' },
    });
  });

  it('rethrows a transaction cancelled for another reason', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));
    await expect(store.unsubscribe(ref, AT, 'page')).rejects.toThrow('Transaction cancelled');
  });

  it('suppresses once; only a complaint may replace a bounce; a failed condition is a no-op', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolvesOnce({}).resolvesOnce({}).rejectsOnce(cancelled('ConditionalCheckFailed', 'None'));
    // Act
    await store.suppress(ref, { type: 'email_suppressed', at: AT, reason: 'bounced', detail: '550 no such user' });
    await store.suppress(ref, { type: 'email_suppressed', at: AT, reason: 'complained' });
    await expect(store.suppress(ref, { type: 'email_suppressed', at: AT, reason: 'bounced', detail: 'again' })).resolves.toBeUndefined();
    // Assess
    const [bounce, complaint] = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems!);
    expect(bounce![0]!.Update).toMatchObject({
      Key: { PK, SK: 'LEAD' },
      UpdateExpression: 'SET #suppressed = :reason, updatedAt = :at',
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#suppressed))',
      ExpressionAttributeValues: { ':reason': 'bounced', ':at': AT },
    });
    expect(bounce![1]!.Put!.Item).toMatchObject({
      SK: `LOG#${AT}#suppressed-bounced`,
      entry: { type: 'email_suppressed', reason: 'bounced', detail: '550 no such user' },
    });
    expect(complaint![0]!.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#suppressed) OR #suppressed = :bounced)',
      ExpressionAttributeValues: { ':reason': 'complained', ':at': AT, ':bounced': 'bounced' },
    });
    expect(complaint![1]!.Put!.Item!.SK).toBe(`LOG#${AT}#suppressed-complained`);
  });

  it('counts soft bounces with an atomic ADD on an existing lead, once per email (0 for none)', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { softBounces: 2 } })
      .rejectsOnce(conditionFailed());
    expect(await store.countSoftBounce(ref, 'm-1')).toBe(2);
    expect(await store.countSoftBounce(ref, 'm-1')).toBe(0);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { PK, SK: 'LEAD' },
      UpdateExpression: 'ADD #softBounces :one, #counted :id',
      ConditionExpression: 'attribute_exists(PK) AND NOT contains(#counted, :messageId)',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('records an open or click as an EV# item once; unknown for no lead', async () => {
    // Prepare
    const click: EmailEngagedEntry = {
      type: 'email_clicked',
      at: AT,
      eventId: 'm-1.clicked.1',
      kind: 'step',
      sequenceId: 'ebook-nurture',
      link: 'https://acme.example/pricing',
    };
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { PK, leadId: 'lead-1' } })
      .resolvesOnce({ Item: { PK, leadId: 'lead-1' } })
      .resolvesOnce({});
    ddb.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    const outcomes = [await store.recordEngagement(ref, click), await store.recordEngagement(ref, click), await store.recordEngagement(ref, click)];
    // Assess
    expect(outcomes).toEqual(['recorded', 'duplicate', 'unknown']);
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ Key: { PK, SK: 'LEAD' }, ProjectionExpression: 'PK, leadId' });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      Item: { PK, SK: 'EV#m-1.clicked.1', entity: 'event', siteId: 'demo', leadId: 'lead-1', entry: click },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });
});

describe('Adapter: DynamoLeadRepository with the mail side', () => {
  beforeEach(() => ddb.reset());

  it('shows sends done, opt-ins, the mail log and opens/clicks on the timeline, and the email status as `mail`', async () => {
    // Prepare
    const repo = new DynamoLeadRepository({ client: ddb as unknown as DynamoDBDocumentClient, tableName: 'funnel' });
    const source = { formId: 'ebook', at: AT };
    const at = (minute: number) => `2026-11-22T10:${String(minute).padStart(2, '0')}:30.000Z`;
    const exited: EnrolmentState = { sequenceId: 'trial-onboarding', stepIndex: 1, status: 'exited', exitReason: 'unsubscribed' };
    ddb.on(QueryCommand).resolves({
      Items: [
        { PK, SK: 'ENROL#ebook-nurture', state: step0, formId: 'ebook', enrolledAt: AT },
        { PK, SK: 'ENROL#trial-onboarding', state: exited, formId: 'trial', enrolledAt: AT },
        { PK, SK: 'EV#m-1.opened', entry: { type: 'email_opened', at: at(5), eventId: 'm-1.opened', sequenceId: 'ebook-nurture' } },
        {
          PK,
          SK: 'LEAD',
          leadId: 'lead-1',
          siteId: 'demo',
          email: 'jane@acme.com',
          firstSource: source,
          latestSource: source,
          createdAt: AT,
          updatedAt: AT,
          unsubscribedAt: at(9),
        },
        { PK, SK: `LOG#${at(9)}#exit-trial-onboarding`, entry: { type: 'sequence_exited', at: at(9), sequenceId: 'trial-onboarding', reason: 'unsubscribed' } },
        { PK, SK: `LOG#${at(9)}#unsubscribed`, entry: { type: 'unsubscribed', at: at(9), method: 'page' } },
        { PK, SK: 'OPTIN#sub-1', entry: { type: 'opt_in_confirmed', at: at(1), formId: 'ebook', submissionId: 'sub-1' } },
        {
          PK,
          SK: 'SEND#confirmation#sub-1',
          status: 'sent',
          entry: { type: 'email_sent', at: at(0), kind: 'confirmation', formId: 'ebook', subject: 'Confirm', messageId: 'm-0' },
        },
        { PK, SK: 'SEND#delivery#sub-1', status: 'sending', kind: 'delivery', claimedAt: at(2) },
        { PK, SK: 'SEND#step#x', status: 'failed', entry: { type: 'email_failed', at: at(3), kind: 'step', formId: 'ebook', reason: 'MessageRejected' } },
        { PK, SK: 'SUB#sub-1', entry: { type: 'form_submitted', at: AT, submissionId: 'sub-1', formId: 'ebook', formKind: 'gated-content' } },
      ],
    });
    // Act
    const view = await repo.findByEmail('demo', KEY);
    const scoring = await repo.loadForScoring(ref);
    // Assess
    expect(view!.timeline.map((e) => e.type)).toEqual([
      'form_submitted',
      'email_sent',
      'opt_in_confirmed',
      'email_failed',
      'email_opened',
      'sequence_exited',
      'unsubscribed',
    ]);
    expect(view!.mail).toEqual({
      unsubscribedAt: at(9),
      sequences: [
        { sequenceId: 'ebook-nurture', formId: 'ebook', status: 'active', stepsSent: 0, nextAt: step0.nextAt },
        { sequenceId: 'trial-onboarding', formId: 'trial', status: 'exited', stepsSent: 1, exitReason: 'unsubscribed' },
      ],
    });
    expect(scoring!.events).toEqual([
      { id: 'sub-1', type: 'form_submitted', at: AT, formId: 'ebook', formKind: 'gated-content' },
      { id: 'm-1.opened', type: 'email_opened', at: at(5), sequenceId: 'ebook-nurture' },
    ]);
  });

  it('shows no `mail` for a lead never enrolled, unsubscribed or suppressed', async () => {
    const repo = new DynamoLeadRepository({ client: ddb as unknown as DynamoDBDocumentClient, tableName: 'funnel' });
    ddb.on(QueryCommand).resolves({ Items: [{ PK, SK: 'LEAD', leadId: 'lead-1', siteId: 'demo', email: 'jane@acme.com', createdAt: AT, updatedAt: AT }] });
    expect(await repo.findByEmail('demo', KEY)).not.toHaveProperty('mail');
  });
});
