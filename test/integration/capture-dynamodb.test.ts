import { randomUUID } from 'node:crypto';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../functions/adapters/system.js';
import { DynamoLeadRepository } from '../../functions/adapters/dynamo/lead-repository.js';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo/rate-limiter.js';
import { emailKey } from '../../functions/core/email.js';
import { LateCeiling } from '../../functions/core/rate-limit.js';
import { rescoreLead } from '../../functions/use-cases/rescore-lead.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { trackEvent } from '../../functions/use-cases/track-event.js';
import { aSubmission, fakeDeps, ORIGIN } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

type Table = Awaited<ReturnType<typeof freshTable>>;
let table: Table;
beforeAll(async () => {
  table = await freshTable();
});

/** Use-case deps with the real DynamoDB adapter; every request asks DynamoDB Local what it consumed. */
function realDeps() {
  const fake = fakeDeps();
  const client = table.doc;
  const leads = new DynamoLeadRepository({ client, tableName: table.tableName });
  fake.deps.leads = leads;
  fake.deps.ids = randomIds;
  fake.deps.rateLimiter = new DynamoRateLimiter({ client, tableName: table.tableName, clock: fake.clock });
  fake.deps.formCeiling = new LateCeiling(fake.deps.rateLimiter, fake.clock);
  return { ...fake, leads };
}

interface Metered {
  command: string;
  units: number;
  /** A rate-limit counter (`RATE#…`), reported apart from the capture itself. */
  rate: boolean;
}

/**
 * Make every call on the client report the capacity it consumed (INDEXES: table plus GSI, as AWS bills).
 * DynamoDB Local reports units without saying read or write, so the command tells which.
 */
function metered(sink: Metered[], calls: string[] = []) {
  const doc = table.doc;
  const id = `meter-${Math.random()}`;
  doc.middlewareStack.add(
    (next, ctx) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      const input = args.input as { Key?: { PK?: string }; TransactItems?: unknown[] };
      calls.push(`${String(ctx.commandName)}:${input.TransactItems?.length ?? input.Key?.PK?.split('#').slice(0, 2).join('#')}`);
      const out = await next(args);
      // One entry for a single-item call, one per table for a transaction.
      const consumed = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const pk = (args.input as { Key?: { PK?: string } }).Key?.PK ?? '';
      for (const cc of [consumed ?? []].flat()) sink.push({ command: String(ctx.commandName), units: cc.CapacityUnits ?? 0, rate: pk.startsWith('RATE#') });
      return out;
    },
    { step: 'initialize', name: id },
  );
  return () => doc.middlewareStack.remove(id);
}

const input = (body: unknown) => ({ formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.9', userAgent: 'test' });
const isRead = (command: string) => /^(Get|Query|BatchGet)/.test(command);
const total = (calls: Metered[], kind: 'read' | 'write', rate = false) =>
  calls.filter((c) => isRead(c.command) === (kind === 'read') && c.rate === rate).reduce((sum, c) => sum + c.units, 0);

describe('Integration: capture against DynamoDB Local', () => {
  it('captures in two round trips, alike for every address: a read (1 RCU), then a transaction of 3 items (6 WRU) with the form ceiling (1 WRU) beside it', async () => {
    const { deps } = realDeps();
    const email = `budget-${Date.now()}@acme.com`;
    const measure = async (body: unknown) => {
      const sink: Metered[] = [];
      const calls: string[] = [];
      const stop = metered(sink, calls);
      try {
        await submitForm(deps, input(body));
      } finally {
        stop();
      }
      return { wcu: total(sink, 'write'), rcu: total(sink, 'read'), limits: total(sink, 'write', true), calls: calls.sort() };
    };
    const first = aSubmission().withEmail(email).build();
    const created = await measure(first);
    const returning = await measure(aSubmission().withEmail(email).withField('jobTitle', 'Chief Revenue Officer').build());
    const bot = await measure(aSubmission().withEmail(`bot-${email}`).with('hp', 'x').build());
    const replay = await measure(first);
    console.log('capacity per capture', { created, returning, bot, replay });
    // The read, then the transaction (the lead, the submission, the client's counter), the ceiling's counter beside.
    const shape = ['GetItemCommand:SITE#demo', 'TransactWriteItemsCommand:3', 'UpdateItemCommand:RATE#form'];
    for (const m of [created, returning, bot, replay]) expect(m.calls).toEqual(shape);
    expect(created.wcu).toBe(6); // 3 items × 2 WRU, as AWS bills transactional writes
    expect(created.limits).toBe(1);
    // A known lead from another browser is a claim: the lead is only checked (a condition check costs a read
    // unit in a transaction), the submission and the counter written.
    expect(returning.wcu).toBeLessThanOrEqual(created.wcu);
    for (const m of [created, returning]) expect(m.rcu).toBeLessThanOrEqual(1);
  });

  it('costs at most 1 RCU + 1 WCU per page view, and 1 RCU + 2 WCU per re-score of a typical lead (no stage change)', async () => {
    const { deps } = realDeps();
    const email = `events-${Date.now()}@acme.com`;
    const { body } = await submitForm(deps, input(aSubmission().withEmail(email).build()));
    const meter = async (act: () => Promise<unknown>) => {
      const sink: Metered[] = [];
      const stop = metered(sink);
      try {
        await act();
      } finally {
        stop();
      }
      return { wcu: total(sink, 'write'), rcu: total(sink, 'read'), calls: sink.map((c) => `${c.command}:${c.units}`) };
    };
    const view = () => trackEvent(deps, { body: { visitorToken: body.visitorToken, eventId: randomUUID(), type: 'page_viewed', url: `${ORIGIN}/pricing` } });
    const event = await meter(view);
    const ref = { siteId: 'demo', emailKey: emailKey(email) };
    await rescoreLead(deps, ref); // the first re-score moves the lead to mql (a transaction); the next does not
    await view();
    const rescore = await meter(() => rescoreLead(deps, ref));
    console.log('capacity per page view and re-score', { event, rescore });
    expect(event.rcu).toBeLessThanOrEqual(1);
    expect(event.wcu).toBeLessThanOrEqual(1);
    // The lead item with its score and breakdown is 1–2 KB: one UpdateItem of 2 WCU; the partition Query 1 RCU.
    expect(rescore.rcu).toBeLessThanOrEqual(1);
    expect(rescore.wcu).toBeLessThanOrEqual(2);
  });

  it('dedupes concurrent first submissions for one address into one lead', async () => {
    const { deps } = realDeps();
    const email = `race-${Date.now()}@acme.com`;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        submitForm(
          deps,
          input(
            aSubmission()
              .withEmail(i % 2 ? email.toUpperCase() : email)
              .build(),
          ),
        ),
      ),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([202]));
    const { Items } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.leadPartition('demo', emailKey(email)) },
      }),
    );
    expect(Items?.filter((i) => i.SK === 'LEAD')).toHaveLength(1);
    expect(Items?.filter((i) => String(i.SK).startsWith('SUB#'))).toHaveLength(6);
  });

  it('records one submission when the same submissionId arrives concurrently, and gives every attempt the same answer', async () => {
    const { deps, leads } = realDeps();
    const body = aSubmission().withEmail(`same-${Date.now()}@acme.com`).build();
    const results = await Promise.all(Array.from({ length: 5 }, () => submitForm(deps, input(body))));
    // The same answer for every attempt (each with a fresh, opaque visitor token for the same grant).
    expect(new Set(results.map((r) => JSON.stringify({ ...r, body: { ...r.body, visitorToken: undefined } }))).size).toBe(1);
    expect(new Set(await Promise.all(results.map(async (r) => JSON.stringify(await deps.visitorTokens.verify(r.body.visitorToken!)))))).toHaveProperty(
      'size',
      1,
    );
    const lead = await leads.findByEmail('demo', emailKey((body.fields as { email: string }).email));
    expect(lead?.timeline).toHaveLength(1);
  });

  it('never leaves half a capture: a process that dies before its transaction leaves nothing, one that dies after it gets its answer on retry', async () => {
    const { deps, leads } = realDeps();
    const fail = (when: 'before' | 'after') => {
      const id = `crash-${when}`;
      table.doc.middlewareStack.add(
        (next, ctx) => async (args) => {
          if (String(ctx.commandName) !== 'TransactWriteItemsCommand') return next(args);
          if (when === 'before') throw new Error('Lambda timed out');
          await next(args);
          throw new Error('Lambda timed out');
        },
        { step: 'initialize', name: id },
      );
      return () => table.doc.middlewareStack.remove(id);
    };
    // Dies before: nothing of the lead exists; the retry creates it whole.
    const before = aSubmission().withEmail(`crash-before-${Date.now()}@acme.com`).build();
    let heal = fail('before');
    await expect(submitForm(deps, input(before))).rejects.toThrow('Lambda timed out');
    heal();
    expect(await leads.findByEmail('demo', emailKey((before.fields as { email: string }).email))).toBeUndefined();
    const created = await submitForm(deps, input(before));
    expect(created.status).toBe(202);
    expect((await leads.findByEmail('demo', emailKey((before.fields as { email: string }).email)))?.timeline).toHaveLength(1);
    // Dies after: the capture is complete; the retry gets the first answer and records nothing twice.
    const after = aSubmission().withEmail(`crash-after-${Date.now()}@acme.com`).build();
    heal = fail('after');
    await expect(submitForm(deps, input(after))).rejects.toThrow('Lambda timed out');
    heal();
    const lead = await leads.findByEmail('demo', emailKey((after.fields as { email: string }).email));
    expect(lead?.timeline.map((e) => (e.type === 'form_submitted' ? e.submissionId : e.type))).toEqual([after.submissionId]);
    const retried = await submitForm(deps, input(after));
    expect(retried).toMatchObject({ status: 202, body: { submissionId: after.submissionId } });
    expect((await deps.visitorTokens.verify(retried.body.visitorToken!))?.leadId).toBe(lead!.leadId);
    expect((await leads.findById(lead!.leadId))?.timeline).toHaveLength(1);
  });

  it('stores spam apart from leads, with an expiry, and reads back a stored lead with its consent and sources', async () => {
    const { deps, leads } = realDeps();
    const email = `bot-${Date.now()}@acme.com`;
    await submitForm(deps, input(aSubmission().withEmail(email).with('hp', 'buy now').build()));
    expect(await leads.findByEmail('demo', emailKey(email))).toBeUndefined();
    const spam = await table.doc.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'SITE#demo#SPAM#2026-11-22' } }),
    );
    const record = spam.Items?.find((i) => i.fieldLengths?.email === email.length);
    expect(record).toMatchObject({ reason: 'honeypot', expiresAt: expect.any(Number), fieldLengths: { email: email.length, firstName: 4, company: 4 } });
    // No personal data in clear (a bot's submission often carries a real person's details): not the address, not the names.
    expect(JSON.stringify(spam.Items)).not.toMatch(new RegExp(`${email}|Jane|Acme|${emailKey(email)}`));

    const humanEmail = `human-${Date.now()}@acme.com`;
    await submitForm(deps, input(aSubmission().withEmail(humanEmail).build()));
    const lead = await leads.findByEmail('demo', emailKey(humanEmail));
    expect(lead).toMatchObject({ consent: { marketing: { granted: true, version: '2026-11-01' } }, sources: { first: { utm: { campaign: 'q4' } } } });
    // The email is not in any key.
    const item = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: keys.lead('demo', emailKey(lead!.email)) }));
    expect(item.Item?.PK).not.toContain('@');
  });

  it('never half-writes: a rejected submission leaves no item behind', async () => {
    const { deps } = realDeps();
    const email = `half-${Date.now()}@acme.com`;
    await expect(submitForm(deps, input(aSubmission().withEmail(email).withField('company', 'x'.repeat(500)).build()))).rejects.toThrow();
    const { Items } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.leadPartition('demo', emailKey(email)) },
      }),
    );
    expect(Items).toEqual([]);
  });
});
