import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
};

describe('Adapter: DynamoLeadRepository', () => {
  beforeEach(() => ddb.reset());

  it('upserts the lead keeping its id and creation time, then records the submission under a condition', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    // Act
    const answer = await repo.capture(write);
    // Assess
    expect(answer).toEqual({ status: 201, leadId: 'lead-new', next: write.reply.next });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.Key).toEqual({ PK: `SITE#demo#EMAIL#${'k'.repeat(64)}`, SK: 'LEAD' });
    expect(update.UpdateExpression).toContain('#leadId = if_not_exists(#leadId, :leadId)');
    expect(update.UpdateExpression).toContain('#createdAt = if_not_exists(#createdAt, :createdAt)');
    expect(update.UpdateExpression).toContain('#firstName = :firstName');
    expect(update.UpdateExpression).not.toContain('#lastName');
    expect(update.ReturnValues).toBe('ALL_OLD');
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({ PK: update.Key!.PK, SK: 'SUB#sub-1', leadId: 'lead-new', answer });
    expect(put.ConditionExpression).toBe('attribute_not_exists(PK)');
  });

  it('reports a known lead (200) with its existing id', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { leadId: 'lead-old' } });
    ddb.on(PutCommand).resolves({});
    await expect(repo.capture(write)).resolves.toMatchObject({ status: 200, leadId: 'lead-old' });
  });

  it('returns the first answer when a concurrent attempt already recorded the submission', async () => {
    const first = { status: 201, leadId: 'lead-first', next: { type: 'confirm-email' } };
    ddb.on(UpdateCommand).resolves({ Attributes: { leadId: 'lead-first' } });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: marshall({ answer: first }) }));
    await expect(repo.capture(write)).resolves.toEqual(first);
  });

  it('rethrows any other failure', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(repo.capture(write)).rejects.toThrow('throttled');
  });

  it('checks for an earlier answer with a strongly consistent read of one item', async () => {
    ddb.on(GetCommand).resolves({ Item: { answer: { status: 201, leadId: 'l', next: { type: 'confirm-email' } } } });
    await expect(repo.findAnswer('demo', 'k', 'sub-1')).resolves.toMatchObject({ leadId: 'l' });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ Key: { PK: 'SITE#demo#EMAIL#k', SK: 'SUB#sub-1' }, ConsistentRead: true });
  });

  it('finds a lead by id through GSI1, then reads its partition', async () => {
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: [{ PK: 'SITE#demo#EMAIL#k', SK: 'LEAD' }] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'SITE#demo#EMAIL#k' } }).resolves({
      Items: [
        { SK: 'LEAD', leadId: 'l1', siteId: 'demo', email: 'jane@acme.com', firstName: 'Jane', firstSource: write.source, latestSource: write.source, createdAt: 'a', updatedAt: 'b' },
        { SK: 'SUB#2', entry: { ...write.entry, at: '2026-11-23T00:00:00.000Z', submissionId: '2' } },
        { SK: 'SUB#1', entry: write.entry },
      ],
    });
    const lead = await repo.findById('l1');
    expect(lead?.profile).toEqual({ firstName: 'Jane' });
    expect(lead?.timeline.map((e) => (e.type === 'form_submitted' ? e.submissionId : e.type))).toEqual(['sub-1', '2']);
  });
});
