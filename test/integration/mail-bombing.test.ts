import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * An attacker submits a public form for a victim's address, again and again: the local runtime on DynamoDB
 * Local, the table stream, the mail queue (two senders at once, as on AWS) and the SES emulator.
 */
let funnel: RunningFunnel;

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  // The per-client rate limit is its own defence (tested apart): lifted here so every submission is accepted.
  // The trial asks for a confirmation (double opt-in); a domain takes 10 emails an hour.
  const rawConfig = testConfigFn((c) => {
    const site = c.sites[0]!;
    site.rateLimit = { submissions: 10_000, windowSeconds: 60 };
    site.email!.maxPerDomainPerHour = 10;
    site.forms.find((f) => f.id === 'trial')!.doubleOptIn = true;
  });
  // The mailbox's day and the domain's hour are fixed windows (UTC): every run sees the clock at 00:01, so
  // no test here straddles one (a window that reopened mid-test would let more emails through).
  const skew = (Date.now() % 86_400_000) - 60_000;
  const clock = { now: () => new Date(Date.now() - skew) };
  funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: endpoint,
    tableName,
    logLevel: 'silent',
    rawConfig,
    dueCheckIntervalMs: 0,
    mailRetryBaseMs: 20,
    clock,
  });
});
afterAll(() => funnel?.stop());

describe('Mail-bombing through a public form', () => {
  it('200 submissions for one address within a minute send exactly one email; each is answered and recorded', { timeout: 120_000 }, async () => {
    // Prepare
    const victim = `victim-${Date.now()}@acme.com`;
    const post = async () => {
      const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify(aSubmission().withEmail(victim).build()),
      });
      return { status: res.status, body: await res.json() };
    };
    // Act: 200 submissions, 20 in flight at a time
    const answers: { status: number; body: { next?: { type: string } } }[] = [];
    for (let round = 0; round < 10; round++) answers.push(...(await Promise.all(Array.from({ length: 20 }, post))));
    await funnel.settle();
    // Assess
    expect(answers.filter((a) => a.status === 202)).toHaveLength(200);
    expect(answers.every((a) => a.body.next?.type === 'download')).toBe(true);
    const inbox = (await funnel.ses.emails()).filter((e) => e.destination.to.includes(victim));
    expect(inbox.map((e) => e.subject)).toEqual(['Your copy of The Serverless Funnel Playbook']);
    const lead = await (
      await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent(victim)}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json();
    expect(lead.timeline.filter((e: { type: string }) => e.type === 'form_submitted')).toHaveLength(200);
    expect(lead.timeline.filter((e: { type: string }) => e.type === 'email_sent')).toHaveLength(1);
    expect(funnel.mailQueue.deadLetters()).toEqual([]);
  });

  const submitAll = async (formId: string, addresses: string[]) => {
    const answers = [];
    for (let i = 0; i < addresses.length; i += 10)
      answers.push(
        ...(await Promise.all(
          addresses.slice(i, i + 10).map(async (email) => {
            const body = { ...aSubmission().build(), fields: { email, firstName: 'Vic', company: 'Victim Inc' } };
            const res = await fetch(`${funnel.url}/v1/forms/${formId}/submissions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', origin: funnel.url },
              body: JSON.stringify(body),
            });
            return res.status;
          }),
        )),
      );
    await funnel.settle();
    return answers;
  };
  const inboxOf = async (addresses: string[]) => (await funnel.ses.emails()).filter((e) => e.destination.to.some((to) => addresses.includes(to)));

  it('50 aliases of one mailbox (+tags, Gmail dots, googlemail.com) get at most maxPerAddressPerDay emails; each lead keeps its address as given', {
    timeout: 120_000,
  }, async () => {
    // Prepare: one Gmail mailbox, spelt 50 ways
    const name = `victim${Date.now()}`;
    const aliases = [
      ...Array.from({ length: 46 }, (_, i) => `${name}+${i}@gmail.com`),
      `${name.slice(0, 3)}.${name.slice(3)}@gmail.com`,
      `${name.split('').join('.')}@gmail.com`,
      `${name.toUpperCase()}@googlemail.com`,
      `${name}+last@GoogleMail.com`,
    ];
    // Act
    const statuses = await submitAll('ebook', aliases);
    // Assess: every submission answered and stored as its own lead; 5 emails (the site's maxPerAddressPerDay) reach the inbox
    expect(statuses).toEqual(Array(50).fill(202));
    expect(await inboxOf(aliases.map((a) => a.replace(/@GoogleMail\.com$/, '@googlemail.com')))).toHaveLength(5);
    const read = await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent(aliases[47]!)}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } });
    expect((await read.json()).email).toBe(aliases[47]);
  });

  it('30 +tag aliases on a double opt-in form get at most maxPerAddressPerDay confirmations', { timeout: 120_000 }, async () => {
    const domain = `corp-${Date.now()}.example`;
    const aliases = Array.from({ length: 30 }, (_, i) => `ceo+${i}@${domain}`);
    expect(await submitAll('trial', aliases)).toEqual(Array(30).fill(202));
    const inbox = await inboxOf(aliases);
    expect(inbox).toHaveLength(5);
    expect(new Set(inbox.map((e) => e.subject)).size).toBe(1);
  });

  it('a catch-all domain (any address reaches one inbox) gets at most maxPerDomainPerHour emails; a shared provider is not under it', {
    timeout: 120_000,
  }, async () => {
    const domain = `catchall-${Date.now()}.example`;
    const addresses = Array.from({ length: 30 }, (_, i) => `random${i}-${Date.now()}@${domain}`);
    expect(await submitAll('ebook', addresses)).toEqual(Array(30).fill(202));
    expect(await inboxOf(addresses)).toHaveLength(10);
    // 30 people at Gmail are 30 mailboxes: each gets its email
    const people = Array.from({ length: 30 }, (_, i) => `reader${i}x${Date.now()}@gmail.com`);
    await submitAll('ebook', people);
    expect(await inboxOf(people)).toHaveLength(30);
  });
});
