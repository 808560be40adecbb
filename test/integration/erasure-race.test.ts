import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Erasure racing the funnel: a lead is erased while the consumers of its submission (scoring, mail,
 * enrolment, webhooks, the prospect index) and its page views are still at work. Afterwards nothing of it
 * may be left but the anonymised audit record.
 */
let funnel: RunningFunnel;
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable();
  const rawConfig = testConfigFn((c) => {
    c.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 };
    for (const f of c.sites[0]!.forms) f.minFillMs = 0;
  });
  funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: table.endpoint,
    tableName: table.tableName,
    logLevel: 'silent',
    rawConfig,
    dueCheckIntervalMs: 0,
    mailRetryBaseMs: 20,
  });
});
afterAll(() => funnel?.stop());

const RACES = 100;

describe('Erasure racing a submission, its page views and everything they set off', () => {
  it(`leaves nothing of the lead but the anonymised audit record, in ${RACES} races`, { timeout: 180_000 }, async () => {
    const erased: { email: string; key: string; leadId: string }[] = [];
    const auth = { authorization: `Bearer ${funnel.apiKey}` };
    const race = async (i: number) => {
      const email = `erase-${i}-${Date.now()}@acme.com`;
      // A VP at a business address who downloads the ebook: scored to MQL, enrolled, a webhook raised.
      const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify(aSubmission().withEmail(email).withField('firstName', `Erin${i}`).withField('company', `Erasco${i}`).build()),
      });
      const { visitorToken } = (await res.json()) as { visitorToken: string };
      const { leadId } = (await funnel.deps.leads.findByEmail('demo', emailKey(email)))!;
      const pageView = fetch(`${funnel.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: funnel.url },
        body: JSON.stringify({ type: 'page_viewed', eventId: crypto.randomUUID(), visitorToken, url: `${funnel.url}/pricing`, title: 'Pricing' }),
      });
      await new Promise((r) => setTimeout(r, i % 40));
      const deleted = await fetch(`${funnel.url}/v1/leads/${leadId}`, { method: 'DELETE', headers: auth });
      expect(deleted.status).toBe(204);
      await pageView;
      erased.push({ email, key: emailKey(email), leadId });
    };
    for (let i = 0; i < RACES; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => race(i + j)));
    await funnel.settle();
    await new Promise((r) => setTimeout(r, 500));
    await funnel.settle();

    // Assess: scan the whole table for the addresses, the names, every key derived from them and the lead ids
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await table.doc.send(new ScanCommand({ TableName: table.tableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const left = items.filter((item) => {
      const text = JSON.stringify(item);
      return erased.some((e) => text.includes(e.key) || text.includes(e.email) || text.includes(e.leadId) || /Erin\d|Erasco\d/.test(text));
    });
    const notAudit = left.filter((item) => !String(item.PK).startsWith('ERASED#'));
    expect(notAudit.map((i) => `${i.PK} ${i.SK}`)).toEqual([]);
    // The audit records hold the lead id and consent decisions only
    for (const audit of left) expect(JSON.stringify(audit)).not.toMatch(/@acme\.com|Erin|Erasco/);
  });
});
