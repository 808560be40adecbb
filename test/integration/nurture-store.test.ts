import { randomUUID } from 'node:crypto';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { DynamoLeadRepository } from '../../functions/adapters/dynamo/lead-repository.js';
import { DynamoNurtureStore } from '../../functions/adapters/dynamo/nurture-store.js';
import { DynamoDueChecks } from '../../functions/adapters/dynamo/due-checks.js';
import { InMemoryDueChecks, InMemoryLeadRepository, InMemoryNurtureStore } from '../../functions/adapters/memory.js';
import { dueDay } from '../../functions/core/due.js';
import { emailKey } from '../../functions/core/email.js';
import type { EnrolmentState } from '../../functions/core/nurture/sequence.js';
import type { CaptureWrite, DueChecks, LeadRef, LeadRepository, NurtureStore } from '../../functions/core/ports.js';
import { freshTable } from '../support/dynamo.js';

type Table = Awaited<ReturnType<typeof freshTable>>;
let table: Table;
let store: DynamoNurtureStore;
let leads: DynamoLeadRepository;
beforeAll(async () => {
  table = await freshTable();
  store = new DynamoNurtureStore({ client: table.doc, tableName: table.tableName });
  leads = new DynamoLeadRepository({ client: table.doc, tableName: table.tableName });
});

const T0 = '2026-11-22T10:00:00.000Z';
const UNLIMITED = { key: 'test', limit: 1_000_000, windowSeconds: 60 };
const STALE_MS = 5 * 60_000;
const plus = (ms: number, from = T0) => new Date(Date.parse(from) + ms).toISOString();

/** A new lead (one ebook submission with marketing consent) in the table; returns its ref and id. */
async function aLead(name = 'jane'): Promise<LeadRef & { leadId: string; email: string; submissionId: string }> {
  const email = `${name}-${randomUUID()}@acme.com`;
  const ref = { siteId: 'demo', emailKey: emailKey(email) };
  const submissionId = randomUUID();
  const consent = { granted: true, text: 'Send me more', version: 'v1', formId: 'ebook', at: T0 };
  const outcome = await leads.capture(
    {
      ...ref,
      email,
      profile: { firstName: 'Jane', company: 'Acme' },
      consent,
      source: { formId: 'ebook', at: T0 },
      entry: { type: 'form_submitted', at: T0, submissionId, formId: 'ebook', formKind: 'gated-content', consent },
      newLeadId: randomUUID(),
      reply: { next: { type: 'download', url: 'https://x/ebook.pdf' } },
      counted: true,
    },
    UNLIMITED,
  );
  if (!('stored' in outcome)) throw new Error('not stored');
  return { ...ref, leadId: outcome.stored.leadId, email, submissionId };
}

async function partition(pk: string): Promise<Record<string, unknown>[]> {
  const { Items } = await table.doc.send(
    new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
  );
  return Items ?? [];
}

/** Due nurture steps of this lead on the day of `at`. */
async function dueSteps(ref: LeadRef, at: string): Promise<string[]> {
  const items = await partition(keys.duePartition(dueDay(at), ref.emailKey[0]!));
  return items.map((i) => i.SK as string).filter((sk) => sk.includes(ref.emailKey) && sk.includes('#SEQ#'));
}

const stateAt = (stepIndex: number, nextAt: string): EnrolmentState => ({ sequenceId: 'ebook-nurture', stepIndex, nextAt, status: 'active' });

interface Metered {
  command: string;
  units: number;
  read: number;
  write: number;
}

/** Run `act` with every request returning its consumed capacity (TOTAL: DynamoDB Local reports no read/write split, so the command says which). */
async function meter(act: () => Promise<unknown>): Promise<{ wcu: number; rcu: number; calls: string[] }> {
  const sink: Metered[] = [];
  const id = `meter-${randomUUID()}`;
  table.doc.middlewareStack.add(
    (next, ctx) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const raw = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      for (const cc of Array.isArray(raw) ? raw : raw ? [raw] : []) {
        sink.push({ command: String(ctx.commandName), units: cc.CapacityUnits ?? 0, read: cc.ReadCapacityUnits ?? 0, write: cc.WriteCapacityUnits ?? 0 });
      }
      return out;
    },
    { step: 'initialize', name: id },
  );
  try {
    await act();
  } finally {
    table.doc.middlewareStack.remove(id);
  }
  const isRead = (c: Metered) => /^(Get|Query|BatchGet)/.test(c.command);
  return {
    wcu: sink.filter((c) => !isRead(c)).reduce((s, c) => s + c.units, 0),
    rcu: sink.filter(isRead).reduce((s, c) => s + c.units, 0),
    calls: sink.map((c) => `${c.command}:${c.units}`),
  };
}

describe('Integration: DynamoNurtureStore against DynamoDB Local', () => {
  it('loads a lead with its submission, and finds its ref by id on its own site only', async () => {
    const lead = await aLead();
    const loaded = await store.load(lead);
    expect(loaded).toMatchObject({
      leadId: lead.leadId,
      email: lead.email,
      profile: { firstName: 'Jane', company: 'Acme' },
      stage: 'lead',
      softBounces: 0,
      optIns: [],
      enrolments: [],
      sends: [],
    });
    expect(loaded!.consent?.granted).toBe(true);
    expect(loaded!.submissions.map((s) => s.submissionId)).toEqual([lead.submissionId]);
    expect(await store.findRef('demo', lead.leadId)).toEqual({ siteId: 'demo', emailKey: lead.emailKey });
    expect(await store.findRef('other', lead.leadId)).toBeUndefined();
    expect(await store.findRef('demo', randomUUID())).toBeUndefined();
    expect(await store.load({ siteId: 'demo', emailKey: emailKey('nobody@acme.com') })).toBeUndefined();
  });

  it('enrols once: a second enrolment (same or later schedule) leaves one enrolment and one due item', async () => {
    // Prepare
    const lead = await aLead();
    const first = stateAt(0, '2026-11-24T14:00:00.000Z');
    // Act
    const results = [
      await store.enrol(lead, { state: first, formId: 'ebook', enrolledAt: T0 }),
      await store.enrol(lead, { state: first, formId: 'ebook', enrolledAt: T0 }),
      await store.enrol(lead, { state: stateAt(0, '2026-11-24T15:00:00.000Z'), formId: 'ebook', enrolledAt: plus(60_000) }),
    ];
    // Assess
    expect(results).toEqual([true, false, false]);
    expect((await store.load(lead))!.enrolments).toEqual([{ state: first, formId: 'ebook', enrolledAt: T0 }]);
    expect(await dueSteps(lead, first.nextAt!)).toEqual([keys.due(first.nextAt!, lead.siteId, lead.emailKey, 'ebook-nurture').SK]);
  });

  it('lets exactly one of two concurrent moves from the same state win, and reschedules to the winner', async () => {
    // Prepare
    const lead = await aLead();
    const from = stateAt(0, '2026-11-24T14:00:00.000Z');
    await store.enrol(lead, { state: from, formId: 'ebook', enrolledAt: T0 });
    const advance = stateAt(1, '2026-11-27T14:00:00.000Z');
    const wait = stateAt(0, '2026-11-25T14:00:00.000Z');
    // Act
    const [a, b] = await Promise.all([store.moveEnrolment(lead, from, advance, T0), store.moveEnrolment(lead, from, wait, T0)]);
    // Assess
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const winner = a ? advance : wait;
    expect((await store.load(lead))!.enrolments[0]!.state).toEqual(winner);
    expect(await dueSteps(lead, from.nextAt!)).toEqual([]);
    expect(await dueSteps(lead, winner.nextAt!)).toEqual([keys.due(winner.nextAt!, lead.siteId, lead.emailKey, 'ebook-nurture').SK]);
    // A retry of the losing move, or of the winning one, changes nothing.
    expect(await store.moveEnrolment(lead, from, advance, T0)).toBe(false);
  });

  it('races ten concurrent moves from one state (advance, wait, exit): one wins; an exit lands on the timeline once', async () => {
    const lead = await aLead();
    const from = stateAt(0, '2026-11-24T14:00:00.000Z');
    await store.enrol(lead, { state: from, formId: 'ebook', enrolledAt: T0 });
    const targets: EnrolmentState[] = Array.from({ length: 10 }, (_, i) =>
      i % 3 === 0
        ? { sequenceId: 'ebook-nurture', stepIndex: 0, status: 'exited', exitReason: 'unsubscribed' }
        : i % 3 === 1
          ? stateAt(1, '2026-11-27T14:00:00.000Z')
          : stateAt(0, `2026-11-25T1${i}:00:00.000Z`),
    );
    const outcomes = await Promise.allSettled(targets.map((to) => store.moveEnrolment(lead, from, to, T0)));
    // A transaction racing another write may be cancelled for the conflict (the sender's job is retried): never a second win.
    const won = outcomes.filter((o) => o.status === 'fulfilled' && o.value).length;
    expect(won).toBe(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/TransactionConflict|Transaction cancelled/);
    const view = await leads.findById(lead.leadId);
    const exits = view!.timeline.filter((e) => e.type === 'sequence_exited');
    expect(exits.length).toBe(view!.mail!.sequences[0]!.status === 'exited' ? 1 : 0);
    console.log(
      'ten concurrent moves',
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected')),
    );
  });

  it('records an exit with its timeline entry and unschedules the step', async () => {
    const lead = await aLead();
    const from = stateAt(0, '2026-11-24T14:00:00.000Z');
    await store.enrol(lead, { state: from, formId: 'ebook', enrolledAt: T0 });
    const exited: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 0, status: 'exited', exitReason: 'form-submitted', exitDetail: 'trial' };
    expect(await store.moveEnrolment(lead, from, exited, plus(1000))).toBe(true);
    expect(await store.moveEnrolment(lead, from, exited, plus(2000))).toBe(false);
    expect(await dueSteps(lead, from.nextAt!)).toEqual([]);
    const view = await leads.findById(lead.leadId);
    expect(view!.timeline.filter((e) => e.type === 'sequence_exited')).toEqual([
      { type: 'sequence_exited', at: plus(1000), sequenceId: 'ebook-nurture', reason: 'form-submitted', detail: 'trial' },
    ]);
  });

  it('grants exactly one of ten concurrent claims of one email', async () => {
    const lead = await aLead();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => store.claimSend(lead, { sendKey: `delivery#${lead.submissionId}`, kind: 'delivery' }, T0, STALE_MS)),
    );
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c === 'busy')).toHaveLength(9);
  });

  it('hands a stale claim over, keeps a fresh one busy, and answers sent/failed once done', async () => {
    // Prepare
    const lead = await aLead();
    const send = { sendKey: 'step#ebook-nurture#s1', kind: 'step' as const, sequenceId: 'ebook-nurture' };
    const failing = { sendKey: 'step#ebook-nurture#s2', kind: 'step' as const, sequenceId: 'ebook-nurture' };
    // Act / Assess
    expect(await store.claimSend(lead, send, T0, STALE_MS)).toBe('claimed');
    expect(await store.claimSend(lead, send, plus(STALE_MS), STALE_MS)).toBe('busy'); // exactly at the limit: not stale yet
    expect(await store.claimSend(lead, send, plus(STALE_MS + 1), STALE_MS)).toBe('claimed'); // the first worker died
    await store.markSent(lead, send.sendKey, {
      type: 'email_sent',
      at: plus(STALE_MS + 2),
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'ebook-nurture',
      stepId: 's1',
      subject: 'Hi',
      messageId: 'm-1',
    });
    expect(await store.claimSend(lead, send, plus(STALE_MS * 10), STALE_MS)).toBe('sent');
    await store.releaseSend(lead, send.sendKey); // a late release from the dead worker changes nothing
    expect(await store.claimSend(lead, send, plus(STALE_MS * 10), STALE_MS)).toBe('sent');

    expect(await store.claimSend(lead, failing, T0, STALE_MS)).toBe('claimed');
    await store.markFailed(lead, failing.sendKey, {
      type: 'email_failed',
      at: T0,
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'ebook-nurture',
      stepId: 's2',
      reason: 'MessageRejected',
    });
    expect(await store.claimSend(lead, failing, plus(STALE_MS * 10), STALE_MS)).toBe('failed');

    const { sends } = (await store.load(lead))!;
    expect(sends).toEqual([
      { sendKey: 'step#ebook-nurture#s1', kind: 'step', status: 'sent', at: plus(STALE_MS + 2), sequenceId: 'ebook-nurture' },
      { sendKey: 'step#ebook-nurture#s2', kind: 'step', status: 'failed', at: T0, sequenceId: 'ebook-nurture' },
    ]);
  });

  it('claims a windowed send once per window: sent or refused inside it answers so, after it the key is claimable again', async () => {
    // Prepare: the delivery of a form, at most once a day
    const lead = await aLead();
    const send = { sendKey: 'delivery#ebook', kind: 'delivery' as const };
    const day = { reclaimAfterMs: 24 * 3_600_000 };
    expect(await store.claimSend(lead, send, T0, STALE_MS, day)).toBe('claimed');
    await store.markSent(lead, send.sendKey, { type: 'email_sent', at: plus(500), kind: 'delivery', formId: 'ebook', subject: 'Your ebook', messageId: 'm-1' });
    // Act + Assess: ten concurrent claims an hour later all see it sent; a day later exactly one wins
    const inside = await Promise.all(Array.from({ length: 10 }, () => store.claimSend(lead, send, plus(3_600_000), STALE_MS, day)));
    expect(new Set(inside)).toEqual(new Set(['sent']));
    const after = await Promise.all(Array.from({ length: 10 }, () => store.claimSend(lead, send, plus(24 * 3_600_000 + 1), STALE_MS, day)));
    expect(after.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(after.filter((c) => c === 'busy')).toHaveLength(9);
  });

  it('makes a released claim claimable again at once, and leaves it out of `sends`', async () => {
    const lead = await aLead();
    const send = { sendKey: `delivery#${lead.submissionId}`, kind: 'delivery' as const };
    expect(await store.claimSend(lead, send, T0, STALE_MS)).toBe('claimed');
    await store.releaseSend(lead, send.sendKey);
    expect((await store.load(lead))!.sends).toEqual([]);
    expect(await store.claimSend(lead, send, plus(1000), STALE_MS)).toBe('claimed');
    expect((await store.load(lead))!.sends).toEqual([{ sendKey: send.sendKey, kind: 'delivery', status: 'sending', at: plus(1000) }]);
  });

  it('confirms an opt-in once', async () => {
    const lead = await aLead();
    expect(await store.confirmOptIn(lead, lead.submissionId, 'ebook', T0)).toBe('confirmed');
    expect(await store.confirmOptIn(lead, lead.submissionId, 'ebook', plus(1000))).toBe('duplicate');
    expect((await store.load(lead))!.optIns).toEqual([lead.submissionId]);
  });

  it('unsubscribes once; a second time, or an unknown lead, is `already`', async () => {
    const lead = await aLead();
    expect(await store.unsubscribe(lead, plus(1000), 'one-click')).toBe('unsubscribed');
    expect(await store.unsubscribe(lead, plus(2000), 'page')).toBe('already');
    expect(await store.unsubscribe({ siteId: 'demo', emailKey: emailKey(`gone-${randomUUID()}@acme.com`) }, T0, 'page')).toBe('already');
    expect((await store.load(lead))!.unsubscribedAt).toBe(plus(1000));
    // The lead changed when it unsubscribed: its updatedAt says so (the API and a CRM syncing by it see it)
    expect((await leads.findById(lead.leadId))!.updatedAt).toBe(plus(1000));
    const logs = (await partition(keys.leadPartition(lead.siteId, lead.emailKey))).filter((i) => String(i.SK).startsWith(keys.logPrefix));
    expect(logs.map((i) => i.entry)).toEqual([{ type: 'unsubscribed', at: plus(1000), method: 'one-click' }]);
  });

  it('suppresses idempotently, a complaint overriding a bounce but never the reverse; no lead, no item', async () => {
    const lead = await aLead();
    await store.suppress(lead, { type: 'email_suppressed', at: plus(1000), reason: 'bounced', detail: '550 5.1.1' });
    await store.suppress(lead, { type: 'email_suppressed', at: plus(2000), reason: 'bounced', detail: 'again' });
    expect((await store.load(lead))!.suppressed).toBe('bounced');
    await store.suppress(lead, { type: 'email_suppressed', at: plus(3000), reason: 'complained' });
    await store.suppress(lead, { type: 'email_suppressed', at: plus(4000), reason: 'complained' });
    await store.suppress(lead, { type: 'email_suppressed', at: plus(5000), reason: 'bounced', detail: 'late' });
    expect((await store.load(lead))!.suppressed).toBe('complained');
    const view = await leads.findById(lead.leadId);
    expect(view!.timeline.filter((e) => e.type === 'email_suppressed').map((e) => e.at)).toEqual([plus(1000), plus(3000)]);

    const ghost = { siteId: 'demo', emailKey: emailKey(`ghost-${randomUUID()}@acme.com`) };
    await store.suppress(ghost, { type: 'email_suppressed', at: T0, reason: 'complained' });
    expect(await partition(keys.leadPartition(ghost.siteId, ghost.emailKey))).toEqual([]);
  });

  it('counts soft bounces atomically, each email once however often SES reports it (0 and no item for an unknown lead)', async () => {
    const lead = await aLead();
    const counts = await Promise.all([store.countSoftBounce(lead, 'm-1'), store.countSoftBounce(lead, 'm-2'), store.countSoftBounce(lead, 'm-3')]);
    expect(counts.sort()).toEqual([1, 2, 3]);
    // The same email's bounce again, twice at once: the count as it stands
    expect(await Promise.all([store.countSoftBounce(lead, 'm-2'), store.countSoftBounce(lead, 'm-2')])).toEqual([3, 3]);
    expect((await store.load(lead))!.softBounces).toBe(3);
    const ghost = { siteId: 'demo', emailKey: emailKey(`ghost-${randomUUID()}@acme.com`) };
    expect(await store.countSoftBounce(ghost, 'm-1')).toBe(0);
    expect(await partition(keys.leadPartition(ghost.siteId, ghost.emailKey))).toEqual([]);
  });

  it('records an open once (duplicate after), and nothing for an unknown lead', async () => {
    const lead = await aLead();
    const open = {
      type: 'email_opened' as const,
      at: plus(1000),
      eventId: `m-1.opened.${Date.parse(plus(1000))}`,
      kind: 'step' as const,
      sequenceId: 'ebook-nurture',
      stepId: 's1',
    };
    expect(await store.recordEngagement(lead, open)).toBe('recorded');
    expect(await store.recordEngagement(lead, open)).toBe('duplicate');
    expect(await store.recordEngagement({ siteId: 'demo', emailKey: emailKey(`ghost-${randomUUID()}@acme.com`) }, open)).toBe('unknown');
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: keys.event(lead.siteId, lead.emailKey, open.eventId) }));
    expect(Item).toMatchObject({ entity: 'event', siteId: 'demo', leadId: lead.leadId, entry: open });
    // It counts for scoring like any engagement event.
    const scoring = await leads.loadForScoring(lead);
    expect(scoring!.events).toContainEqual({ id: open.eventId, type: 'email_opened', at: open.at, sequenceId: 'ebook-nurture' });
  });

  it('shows the mail side on the lead view: timeline entries in time order, and `mail`', async () => {
    // Prepare: confirm → delivery sent → enrolled → step opened → a refused step → unsubscribed → exit
    const lead = await aLead();
    const at = (s: number) => plus(s * 1000);
    await store.confirmOptIn(lead, lead.submissionId, 'ebook', at(1));
    await store.claimSend(lead, { sendKey: `delivery#${lead.submissionId}`, kind: 'delivery' }, at(2), STALE_MS);
    await store.markSent(lead, `delivery#${lead.submissionId}`, {
      type: 'email_sent',
      at: at(2),
      kind: 'delivery',
      formId: 'ebook',
      subject: 'Your ebook',
      messageId: 'm-1',
    });
    const enrolled = stateAt(0, at(3));
    await store.enrol(lead, { state: enrolled, formId: 'ebook', enrolledAt: at(2) });
    await store.claimSend(lead, { sendKey: 'step#ebook-nurture#s1', kind: 'step', sequenceId: 'ebook-nurture' }, at(3), STALE_MS);
    await store.markSent(lead, 'step#ebook-nurture#s1', {
      type: 'email_sent',
      at: at(3),
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'ebook-nurture',
      stepId: 's1',
      subject: 'Tip 1',
      messageId: 'm-2',
    });
    const advanced = stateAt(1, '2026-11-27T14:00:00.000Z');
    await store.moveEnrolment(lead, enrolled, advanced, at(3));
    await store.recordEngagement(lead, {
      type: 'email_clicked',
      at: at(4),
      eventId: 'm-2.clicked',
      kind: 'step',
      sequenceId: 'ebook-nurture',
      link: 'https://acme.example/pricing',
    });
    await store.claimSend(lead, { sendKey: 'step#other#s1', kind: 'step', sequenceId: 'other' }, at(5), STALE_MS);
    await store.markFailed(lead, 'step#other#s1', {
      type: 'email_failed',
      at: at(5),
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'other',
      stepId: 's1',
      reason: 'MessageRejected',
    });
    await store.claimSend(lead, { sendKey: 'step#ebook-nurture#s2', kind: 'step', sequenceId: 'ebook-nurture' }, at(6), STALE_MS); // in flight: not on the timeline
    await store.unsubscribe(lead, at(7), 'one-click');
    await store.moveEnrolment(lead, advanced, { sequenceId: 'ebook-nurture', stepIndex: 1, status: 'exited', exitReason: 'unsubscribed' }, at(8));
    // Act
    const view = await leads.findById(lead.leadId);
    // Assess
    expect(view!.timeline.map((e) => `${e.type}@${e.at.slice(17, 19)}`)).toEqual([
      'form_submitted@00',
      'opt_in_confirmed@01',
      'email_sent@02',
      'email_sent@03',
      'email_clicked@04',
      'email_failed@05',
      'unsubscribed@07',
      'sequence_exited@08',
    ]);
    expect(view!.mail).toEqual({
      unsubscribedAt: at(7),
      sequences: [{ sequenceId: 'ebook-nurture', formId: 'ebook', status: 'exited', stepsSent: 1, exitReason: 'unsubscribed' }],
    });
    expect(await dueSteps(lead, advanced.nextAt!)).toEqual([]);
  });

  it('costs at most 2 WCU to claim and mark one email sent, and 1 RCU to load a typical lead', async () => {
    // Prepare: a lead with a submission, an opt-in, an enrolment and a sent delivery
    const lead = await aLead();
    await store.confirmOptIn(lead, lead.submissionId, 'ebook', T0);
    await store.enrol(lead, { state: stateAt(0, '2026-11-24T14:00:00.000Z'), formId: 'ebook', enrolledAt: T0 });
    const sendKey = 'step#ebook-nurture#welcome';
    // Act
    const claim = await meter(() => store.claimSend(lead, { sendKey, kind: 'step', sequenceId: 'ebook-nurture' }, T0, STALE_MS));
    const sent = await meter(() =>
      store.markSent(lead, sendKey, {
        type: 'email_sent',
        at: T0,
        kind: 'step',
        formId: 'ebook',
        sequenceId: 'ebook-nurture',
        stepId: 'welcome',
        subject: 'Welcome to the Serverless Funnel Playbook',
        messageId: `0100019${'a'.repeat(30)}-000000`,
      }),
    );
    // A claim that fails its condition is billed 1 WCU on AWS; neither DynamoDB Local nor the SDK report capacity on a failed write.
    const again = await meter(() => store.claimSend(lead, { sendKey, kind: 'step', sequenceId: 'ebook-nurture' }, T0, STALE_MS));
    const load = await meter(() => store.load(lead));
    const advance = await meter(() => store.moveEnrolment(lead, stateAt(0, '2026-11-24T14:00:00.000Z'), stateAt(1, '2026-11-27T14:00:00.000Z'), T0));
    const unsubscribe = await meter(() => store.unsubscribe(lead, T0, 'page'));
    console.log('nurture store capacity', { claim, sent, again, load, advance, unsubscribe });
    // Assess
    expect(claim.wcu + sent.wcu).toBeLessThanOrEqual(2);
    expect(load.rcu).toBeLessThanOrEqual(1);
    expect(advance.wcu).toBeLessThanOrEqual(3); // due Put + Update + due Delete
    // DynamoDB Local reports 1 unit per item of a transaction; AWS bills 2 (4 WCU for this unsubscribe).
    expect(unsubscribe.wcu).toBeLessThanOrEqual(2);
  });
});

/**
 * One script of calls (every method, the conditions' edge cases) whose every answer, the loaded lead, its
 * view and its due steps are compared between the two implementations: use-case tests run on the fake.
 */
async function script(store: NurtureStore, repo: LeadRepository, due: DueChecks, write: CaptureWrite): Promise<unknown[]> {
  const ref = { siteId: write.siteId, emailKey: write.emailKey };
  const at = (s: number) => plus(s * 1000);
  const out: unknown[] = [];
  const record = async (label: string, call: Promise<unknown>) => out.push([label, await call]);
  const outcome = await repo.capture(write, UNLIMITED);
  const leadId = 'stored' in outcome ? outcome.stored.leadId : '';
  const sub = write.entry.submissionId;
  await record('findRef', store.findRef('demo', leadId));
  await record('findRef other site', store.findRef('other', leadId));
  await record('opt-in', store.confirmOptIn(ref, sub, 'ebook', at(1)));
  await record('opt-in again', store.confirmOptIn(ref, sub, 'ebook', at(2)));
  const delivery = { sendKey: `delivery#${sub}`, kind: 'delivery' as const };
  await record('claim', store.claimSend(ref, delivery, at(2), STALE_MS));
  await record('claim busy', store.claimSend(ref, delivery, plus(STALE_MS, at(2)), STALE_MS));
  await record('claim stale', store.claimSend(ref, delivery, plus(STALE_MS + 1, at(2)), STALE_MS));
  await record(
    'sent',
    store.markSent(ref, delivery.sendKey, { type: 'email_sent', at: at(3), kind: 'delivery', formId: 'ebook', subject: 'Your ebook', messageId: 'm-1' }),
  );
  await record('release after sent', store.releaseSend(ref, delivery.sendKey));
  await record('claim sent', store.claimSend(ref, delivery, at(4), STALE_MS));
  const step = { sendKey: 'step#ebook-nurture#s1', kind: 'step' as const, sequenceId: 'ebook-nurture' };
  await record('claim step', store.claimSend(ref, step, at(4), STALE_MS));
  await record('release', store.releaseSend(ref, step.sendKey));
  await record('claim released', store.claimSend(ref, step, at(5), STALE_MS));
  await record(
    'failed',
    store.markFailed(ref, step.sendKey, {
      type: 'email_failed',
      at: at(5),
      kind: 'step',
      formId: 'ebook',
      sequenceId: 'ebook-nurture',
      stepId: 's1',
      reason: 'MessageRejected',
    }),
  );
  await record('claim failed', store.claimSend(ref, step, at(6), STALE_MS));
  await record('claim in flight', store.claimSend(ref, { sendKey: 'step#trial#s1', kind: 'step', sequenceId: 'trial' }, at(6), STALE_MS));
  const s0 = stateAt(0, '2026-11-24T14:00:00.000Z');
  await record('enrol', store.enrol(ref, { state: s0, formId: 'ebook', enrolledAt: at(3) }));
  await record('enrol later', store.enrol(ref, { state: stateAt(0, '2026-11-24T15:00:00.000Z'), formId: 'ebook', enrolledAt: at(4) }));
  await record(
    'enrol trial',
    store.enrol(ref, {
      state: { sequenceId: 'trial', stepIndex: 0, nextAt: '2026-11-23T14:00:00.000Z', status: 'active' },
      formId: 'trial',
      enrolledAt: at(4),
    }),
  );
  const s1 = stateAt(1, '2026-11-27T14:00:00.000Z');
  await record('advance', store.moveEnrolment(ref, s0, s1, at(6)));
  await record('advance again', store.moveEnrolment(ref, s0, s1, at(6)));
  await record('wait on a moved state', store.moveEnrolment(ref, { ...s1, nextAt: '2026-11-26T14:00:00.000Z' }, stateAt(1, '2026-11-28T14:00:00.000Z'), at(6)));
  await record('engaged', store.recordEngagement(ref, { type: 'email_opened', at: at(7), eventId: 'm-1.opened.1', kind: 'delivery' }));
  await record('engaged again', store.recordEngagement(ref, { type: 'email_opened', at: at(7), eventId: 'm-1.opened.1', kind: 'delivery' }));
  await record('soft bounce', store.countSoftBounce(ref, 'm-1'));
  await record('soft bounce', store.countSoftBounce(ref, 'm-2'));
  await record('bounced', store.suppress(ref, { type: 'email_suppressed', at: at(8), reason: 'bounced', detail: '550' }));
  await record('bounced again', store.suppress(ref, { type: 'email_suppressed', at: at(9), reason: 'bounced', detail: '550' }));
  await record('complained', store.suppress(ref, { type: 'email_suppressed', at: at(10), reason: 'complained' }));
  await record('unsubscribe', store.unsubscribe(ref, at(11), 'page'));
  await record('unsubscribe again', store.unsubscribe(ref, at(12), 'one-click'));
  await record('exit', store.moveEnrolment(ref, s1, { sequenceId: 'ebook-nurture', stepIndex: 1, status: 'exited', exitReason: 'complained' }, at(13)));
  const ghost = { siteId: 'demo', emailKey: emailKey(`ghost-${randomUUID()}@acme.com`) };
  await record(
    'ghost',
    Promise.all([
      store.load(ghost),
      store.unsubscribe(ghost, T0, 'page'),
      store.countSoftBounce(ghost, 'm-1'),
      store.recordEngagement(ghost, { type: 'email_opened', at: T0, eventId: 'x' }),
    ]),
  );
  await record('load', store.load(ref));
  await record(
    'time zone',
    store.load(ref).then((l) => l?.timeZone),
  );
  await record('view', repo.findByEmail(ref.siteId, ref.emailKey));
  await record('scoring', repo.loadForScoring(ref));
  const mine = async (day: string) => (await due.list(day, '2026-12-31T00:00:00.000Z')).filter((c) => c.emailKey === ref.emailKey);
  await record('due', Promise.all(['2026-11-23', '2026-11-24', '2026-11-27'].map(mine)));
  return out;
}

describe('Contract: InMemoryNurtureStore answers as DynamoNurtureStore does', () => {
  it('gives the same answers, lead, view and schedule for one script of calls', async () => {
    // Prepare
    const email = `contract-${randomUUID()}@acme.com`;
    const submissionId = randomUUID();
    const write: CaptureWrite = {
      siteId: 'demo',
      email,
      emailKey: emailKey(email),
      profile: { firstName: 'Jane', jobTitle: 'CTO' },
      consent: { granted: true, text: 'Yes', version: 'v1', formId: 'ebook', at: T0 },
      source: { formId: 'ebook', at: T0, timeZone: 'Europe/Berlin' },
      entry: { type: 'form_submitted', at: T0, submissionId, formId: 'ebook', formKind: 'gated-content' },
      newLeadId: randomUUID(),
      reply: { next: { type: 'download', url: 'https://x/ebook.pdf' } },
      counted: true,
    };
    const memoryDue = new InMemoryDueChecks();
    const memoryRepo = new InMemoryLeadRepository(memoryDue);
    // Act
    const dynamo = await script(store, leads, new DynamoDueChecks({ client: table.doc, tableName: table.tableName }), write);
    const memory = await script(new InMemoryNurtureStore(memoryRepo), memoryRepo, memoryDue, write);
    // Assess
    expect(memory).toEqual(dynamo);
    expect(dynamo).toContainEqual(['time zone', 'Europe/Berlin']);
    expect(dynamo).toContainEqual(['claim busy', 'busy']);
  });
});
