import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLeadRepository } from '../../functions/adapters/dynamo/lead-repository.js';
import type { CaptureWrite } from '../../functions/core/ports.js';

const ddb = mockClient(DynamoDBDocumentClient);
const repo = new DynamoLeadRepository({ client: ddb as unknown as DynamoDBDocumentClient, tableName: 'funnel' });

const write: CaptureWrite = {
  siteId: 'demo',
  email: 'jane@acme.com',
  emailKey: 'k'.repeat(64),
  profile: { firstName: 'Jane', company: 'Acme' },
  source: { formId: 'ebook', at: '2026-11-22T10:00:00.000Z' },
  entry: { type: 'form_submitted', at: '2026-11-22T10:00:00.000Z', submissionId: 'sub-1', formId: 'ebook', formKind: 'gated-content' },
  newLeadId: 'lead-new',
  reply: { next: { type: 'download', url: 'https://x/ebook.pdf' } },
  counted: true,
};

describe('Adapter: DynamoLeadRepository', () => {
  beforeEach(() => ddb.reset());

  const LIMIT = { key: 'submit#demo#client', limit: 100, windowSeconds: 600 };
  const cancelled = (...reasons: ({ Code: string; Item?: Record<string, unknown> } | undefined)[]) =>
    new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: reasons.map((r) => (r ? { Code: r.Code, ...(r.Item && { Item: marshall(r.Item) }) } : { Code: 'None' })),
    });
  const items = (call: number) => ddb.commandCalls(TransactWriteCommand)[call]!.args[0].input.TransactItems!;

  it('reads whether the address is a lead, then writes the new lead, its submission (with the answer) and the client count in one transaction', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    // Act
    const outcome = await repo.capture(write, LIMIT);
    // Assess
    const answer = { status: 201, leadId: 'lead-new', next: write.reply.next };
    expect(outcome).toEqual({ stored: answer });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({
      Key: { PK: `SITE#demo#EMAIL#${'k'.repeat(64)}`, SK: 'LEAD' },
      ConsistentRead: true,
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const [lead, submission, counter] = items(0);
    expect(lead!.Update!.Key).toEqual({ PK: `SITE#demo#EMAIL#${'k'.repeat(64)}`, SK: 'LEAD' });
    expect(lead!.Update!.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(lead!.Update!.UpdateExpression).toContain('#leadId = if_not_exists(#leadId, :leadId)');
    expect(lead!.Update!.UpdateExpression).toContain('#createdAt = if_not_exists(#createdAt, :createdAt)');
    expect(lead!.Update!.UpdateExpression).toContain('#firstName = :firstName');
    expect(lead!.Update!.UpdateExpression).not.toContain('#lastName');
    expect(submission!.Put!.Item).toMatchObject({ PK: lead!.Update!.Key!.PK, SK: 'SUB#sub-1', leadId: 'lead-new', answer });
    expect(submission!.Put!.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(counter!.Update!.Key!.PK).toMatch(/^RATE#submit#demo#client#/);
    expect(counter!.Update!.ConditionExpression).toBe('attribute_not_exists(#n) OR #n < :limit');
  });

  it('updates a known lead for the browser that showed it created it: conditional on that id', async () => {
    ddb.on(GetCommand).resolves({ Item: { leadId: 'lead-old' } });
    ddb.on(TransactWriteCommand).resolves({});
    await expect(repo.capture({ ...write, trustedLeadId: 'lead-old' }, LIMIT)).resolves.toEqual({
      stored: { status: 200, leadId: 'lead-old', next: write.reply.next },
    });
    const [lead, submission] = items(0);
    expect(lead!.Update!.ConditionExpression).toBe('#leadId = :known');
    expect(lead!.Update!.ExpressionAttributeValues).toMatchObject({ ':known': 'lead-old', ':firstName': 'Jane' });
    expect(submission!.Put!.Item).toMatchObject({ leadId: 'lead-old', answer: { status: 200, leadId: 'lead-old' }, entry: write.entry });
  });

  it('keeps a submission to a known lead from any other browser as a claim: the lead is only checked, the fields kept on the entry', async () => {
    ddb.on(GetCommand).resolves({ Item: { leadId: 'lead-old' } });
    ddb.on(TransactWriteCommand).resolves({});
    await expect(repo.capture({ ...write, trustedLeadId: 'lead-other' }, LIMIT)).resolves.toEqual({
      stored: { status: 200, leadId: 'lead-old', claim: true, next: write.reply.next },
    });
    const [lead, submission] = items(0);
    expect(lead).toEqual({
      ConditionCheck: expect.objectContaining({ ConditionExpression: '#leadId = :known', ExpressionAttributeValues: { ':known': 'lead-old' } }),
    });
    expect(submission!.Put!.Item!.entry).toEqual({ ...write.entry, unverified: true, claimed: { firstName: 'Jane', company: 'Acme' } });
  });

  it('reads again when the lead was created or erased between its read and its write', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: { leadId: 'lead-twin' } });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled({ Code: 'ConditionalCheckFailed', Item: { leadId: 'lead-twin' } }, undefined, undefined))
      .resolves({});
    await expect(repo.capture(write, LIMIT)).resolves.toMatchObject({ stored: { status: 200, leadId: 'lead-twin', claim: true } });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  it('returns the first answer for a submission stored before, having written and counted nothing', async () => {
    const first = { status: 201, leadId: 'lead-first', next: { type: 'confirm-email' } };
    ddb.on(GetCommand).resolves({ Item: { leadId: 'lead-first' } });
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, { Code: 'ConditionalCheckFailed', Item: { answer: first } }, undefined));
    await expect(repo.capture(write, LIMIT)).resolves.toEqual({ replayed: first });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('reports the client over its limit (with the seconds to wait) when the counter refuses', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, undefined, { Code: 'ConditionalCheckFailed' }));
    const outcome = await repo.capture(write, LIMIT);
    expect(outcome).toMatchObject({ limited: { retryAfterSeconds: expect.any(Number) } });
  });

  it('tries again after a conflict with a concurrent twin, and answers busy (503) if it never clears', async () => {
    ddb.on(GetCommand).resolves({});
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled({ Code: 'TransactionConflict' }, undefined, undefined))
      .resolves({});
    await expect(repo.capture(write, LIMIT)).resolves.toMatchObject({ stored: { status: 201 } });
    ddb.reset();
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, undefined, { Code: 'TransactionConflict' }));
    await expect(repo.capture(write, LIMIT)).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('rethrows any other failure', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(new Error('throttled'));
    await expect(repo.capture(write, LIMIT)).rejects.toThrow('throttled');
  });

  it("answers busy (503) when a bot's write never clears its conflicts, as a capture does; a retried bot submission counts nothing", async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, undefined, { Code: 'TransactionConflict' }));
    const record = {
      siteId: 'demo',
      emailKey: 'k'.repeat(64),
      formId: 'ebook',
      submissionId: 'sub-9',
      reason: 'honeypot' as const,
      at: write.source.at,
      fieldLengths: {},
    };
    await expect(repo.recordSpam(record, LIMIT)).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    ddb.reset();
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, { Code: 'ConditionalCheckFailed' }, undefined));
    await expect(repo.recordSpam(record, LIMIT)).resolves.toBeUndefined();
  });

  it('makes the same three requests for a page view whatever its lead: none, one without consent, one with', async () => {
    const calls = () => ddb.calls().map((c) => c.args[0].constructor.name);
    // No such lead (a caught bot's token): the read finds nothing, the put cannot succeed
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const event = { type: 'page_viewed' as const, at: write.source.at, eventId: 'e1', path: '/pricing' };
    await expect(repo.recordEvent('demo', 'bot-lead', event)).resolves.toBe('unknown');
    expect(calls()).toEqual(['QueryCommand', 'GetCommand', 'PutCommand']);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.ConditionExpression).toBe('attribute_exists(PK) AND attribute_not_exists(PK)');
    // A lead that gave consent: the same requests, the event stored
    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [{ PK: `SITE#demo#EMAIL#${'k'.repeat(64)}` }] });
    ddb.on(GetCommand).resolves({ Item: { consentMarketing: { granted: true } } });
    ddb.on(PutCommand).resolves({});
    await expect(repo.recordEvent('demo', 'lead-1', event)).resolves.toBe('recorded');
    expect(calls()).toEqual(['QueryCommand', 'GetCommand', 'PutCommand']);
  });

  it('keeps a caught bot with the requests a capture makes: the same read, then one transaction of three items (no address kept)', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const record = {
      siteId: 'demo',
      emailKey: 'k'.repeat(64),
      formId: 'ebook',
      submissionId: 'sub-9',
      reason: 'honeypot' as const,
      at: write.source.at,
      fieldLengths: { email: 13 },
    };
    await expect(repo.recordSpam(record, LIMIT)).resolves.toBeUndefined();
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({
      Key: { PK: `SITE#demo#EMAIL#${'k'.repeat(64)}`, SK: 'LEAD' },
      ConsistentRead: true,
    });
    const [check, spam, counter] = items(0);
    expect(check!.ConditionCheck!.Key).toEqual({ PK: `SITE#demo#EMAIL#${'k'.repeat(64)}`, SK: 'LEAD' });
    expect(spam!.Put!.Item).toMatchObject({ entity: 'spam', reason: 'honeypot', fieldLengths: { email: 13 } });
    expect(spam!.Put!.Item).not.toHaveProperty('emailKey');
    expect(counter!.Update!.Key!.PK).toMatch(/^RATE#submit#demo#client#/);
    ddb.on(TransactWriteCommand).rejects(cancelled(undefined, undefined, { Code: 'ConditionalCheckFailed' }));
    await expect(repo.recordSpam(record, LIMIT)).resolves.toMatchObject({ limited: { retryAfterSeconds: expect.any(Number) } });
  });

  it('finds a lead by id through GSI1, then reads its partition', async () => {
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: [{ PK: 'SITE#demo#EMAIL#k', SK: 'LEAD' }] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'SITE#demo#EMAIL#k' } }).resolves({
      Items: [
        {
          SK: 'LEAD',
          leadId: 'l1',
          siteId: 'demo',
          email: 'jane@acme.com',
          firstName: 'Jane',
          firstSource: write.source,
          latestSource: write.source,
          createdAt: 'a',
          updatedAt: 'b',
        },
        { SK: 'SUB#2', entry: { ...write.entry, at: '2026-11-23T00:00:00.000Z', submissionId: '2' } },
        { SK: 'SUB#1', entry: write.entry },
      ],
    });
    const lead = await repo.findById('l1');
    expect(lead?.profile).toEqual({ firstName: 'Jane' });
    expect(lead?.timeline.map((e) => (e.type === 'form_submitted' ? e.submissionId : e.type))).toEqual(['sub-1', '2']);
  });
});

describe('Adapter: DynamoLeadRepository scoring and events', () => {
  beforeEach(() => ddb.reset());
  const ref = { siteId: 'demo', emailKey: 'a'.repeat(64) };
  const PK = `SITE#demo#EMAIL#${'a'.repeat(64)}`;
  const score = { fit: 10, engagement: 40, total: 50, rulesVersion: 'v2', computedAt: '2026-11-22T10:00:00.000Z', breakdown: [] };
  const change = {
    type: 'stage_changed' as const,
    at: '2026-11-22T10:00:00.000Z',
    from: 'lead' as const,
    to: 'mql' as const,
    total: 50,
    fit: 10,
    rulesVersion: 'v2',
  };
  const pageView = { type: 'page_viewed' as const, at: '2026-11-22T10:00:00.000Z', eventId: 'ev-1', path: '/pricing' };

  it('saves a score without a stage change as one conditional update, clearing the decay schedule', async () => {
    ddb.on(UpdateCommand).resolves({});
    await repo.saveScore(ref, { score });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update).toMatchObject({
      Key: { PK, SK: 'LEAD' },
      ConditionExpression: 'attribute_exists(PK)',
      UpdateExpression: 'SET #score = :score REMOVE #decay',
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('writes a new decay check before the score and deletes the one it replaces after it', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    await repo.saveScore(ref, { score, decayCheckAt: '2026-12-01T08:00:00.000Z', previousDecayCheckAt: '2026-11-30T08:00:00.000Z' });
    const order = ddb.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['PutCommand', 'UpdateCommand', 'DeleteCommand']);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ PK: 'DUE#2026-12-01#a', SK: `2026-12-01T08:00:00.000Z#${PK}` });
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ PK: 'DUE#2026-11-30#a', SK: `2026-11-30T08:00:00.000Z#${PK}` });
    // An unchanged schedule is not written again.
    ddb.resetHistory();
    await repo.saveScore(ref, { score, decayCheckAt: '2026-12-01T08:00:00.000Z', previousDecayCheckAt: '2026-12-01T08:00:00.000Z' });
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual(['UpdateCommand']);
  });

  it('records a stage change in one transaction: the stage (if unchanged since) and the STAGE# item', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await repo.saveScore(ref, { score, change });
    const [update, put] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update!.Update).toMatchObject({
      Key: { PK, SK: 'LEAD' },
      ConditionExpression: expect.stringContaining('#stage = :from'),
      ExpressionAttributeValues: expect.objectContaining({ ':to': 'mql', ':from': 'lead' }),
    });
    expect(put!.Put).toMatchObject({ Item: { PK, SK: 'STAGE#mql', entry: change }, ConditionExpression: 'attribute_not_exists(PK)' });
  });

  it('treats a stage change already recorded (condition failed) as done, not recorded by this call, and rethrows anything else', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] }),
      );
    // false: another call recorded it, so this one must not count the qualification again.
    await expect(repo.saveScore(ref, { score, change })).resolves.toBe(false);
    ddb.reset();
    ddb.on(TransactWriteCommand).resolves({});
    await expect(repo.saveScore(ref, { score, change })).resolves.toBe(true);
    ddb.reset();
    ddb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: 'throttled', $metadata: {}, CancellationReasons: [{ Code: 'ThrottlingError' }] }));
    await expect(repo.saveScore(ref, { score, change })).rejects.toThrow('throttled');
  });

  it('records an event: lead by id (GSI1), consent check, conditional put; a repeat is a duplicate', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ PK, SK: 'LEAD' }] });
    ddb.on(GetCommand).resolves({ Item: { consentMarketing: { granted: true } } });
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    expect(await repo.recordEvent('demo', 'lead-1', pageView)).toBe('recorded');
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ IndexName: 'GSI1', ExpressionAttributeValues: { ':pk': 'LEAD#lead-1' } });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input.ProjectionExpression).toBe('consentMarketing, unsubscribedAt');
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      Item: { PK, SK: 'EV#ev-1', entry: pageView },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(await repo.recordEvent('demo', 'lead-1', pageView)).toBe('duplicate');
  });

  it('does not store events of an unknown lead, a lead of another site, or one without consent (its put cannot succeed)', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [] })
      .resolves({ Items: [{ PK, SK: 'LEAD' }] });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolvesOnce({})
      .resolvesOnce({ Item: { consentMarketing: { granted: false } } })
      .resolvesOnce({ Item: { consentMarketing: { granted: true }, unsubscribedAt: '2026-11-01T00:00:00.000Z' } });
    expect(await repo.recordEvent('demo', 'nobody', pageView)).toBe('unknown');
    expect(await repo.recordEvent('other-site', 'lead-1', pageView)).toBe('unknown');
    expect(await repo.recordEvent('demo', 'lead-1', pageView)).toBe('unsubscribed');
    expect(await repo.recordEvent('demo', 'lead-1', pageView)).toBe('unsubscribed');
    // Each made its put, under a condition no item can meet
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.ConditionExpression);
    expect(puts).toEqual(Array(4).fill('attribute_exists(PK) AND attribute_not_exists(PK)'));
  });
});
