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
  const rawConfig = testConfigFn((c) => (c.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 }));
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', rawConfig, dueCheckIntervalMs: 0, mailRetryBaseMs: 20 });
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
    expect(answers.filter((a) => a.status === 201 || a.status === 200)).toHaveLength(200);
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
});
