import { InMemoryWebhookQueue } from '../../functions/adapters/memory-webhooks.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { compose, type AppDeps } from '../../functions/composition.js';
import { emailKey } from '../../functions/core/email.js';
import { cardOf, indexEntriesOf, LeadListQuery } from '../../functions/core/lead-index.js';
import type { Person } from '../../functions/core/people.js';
import type { LeadRef } from '../../functions/core/ports.js';
import { listLeads, setLeadFit, unsubscribeLead } from '../../functions/use-cases/console.js';
import { refreshLeadIndex } from '../../functions/use-cases/lead-index.js';
import { eraseLead } from '../../functions/use-cases/privacy.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, ORIGIN, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/** Issue 23 (Leads: find): the console's lists are served by GSI2, never a scan, and follow every change. */
const ADMIN: Person = { sub: 'admin-1', email: 'ada@funnel.test', roles: ['admin'], siteIds: ['*'] };
let deps: AppDeps;
let table: Awaited<ReturnType<typeof freshTable>>;
const refs: LeadRef[] = [];

const list = (query: Record<string, string>) => listLeads(deps, ADMIN, LeadListQuery.parse(query));
/** Every lead of a listing, page after page (and how many pages it took). */
async function everyPage(query: Record<string, string>) {
  const emails: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, ...(cursor && { cursor }) });
    emails.push(...page.leads.map((l) => l.email));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { emails, pages };
}

beforeAll(async () => {
  table = await freshTable();
  const config = testConfig((c) => void (c.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 }));
  deps = compose({
    tableName: table.tableName,
    dynamo: table.client,
    rawConfig: config,
    tokenSecret: async () => 'secret',
    logLevel: 'silent',
    // An erasure queues the erasures at the demo's CRM destinations.
    webhookQueue: new InMemoryWebhookQueue(),
  });
  // 30 leads: every third from the "linkedin" campaign, every fifth without consent, names and companies apart
  for (let i = 0; i < 30; i++) {
    const email = `p${String(i).padStart(2, '0')}@${i % 2 ? 'acme' : 'globex'}.com`;
    const body = aSubmission()
      .withEmail(email)
      .withField('firstName', `Person${i}`)
      .withField('company', i % 2 ? 'Acme' : 'Globex')
      .without('fields')
      .with('fields', { email, firstName: `Person${i}`, company: i % 2 ? 'Acme' : 'Globex' })
      .with('consent', { marketing: i % 5 !== 0 })
      .with('context', {
        pageUrl: 'https://blog.example.com/p',
        utm: i % 3 === 0 ? { source: 'linkedin', campaign: 'launch' } : { source: 'newsletter', campaign: 'q4' },
      })
      .build();
    await submitForm(deps, { formId: i % 4 === 0 ? 'trial' : 'ebook', body, origin: ORIGIN, clientIp: `203.0.113.${i}` });
    const ref = { siteId: 'demo', emailKey: emailKey(email) };
    refs.push(ref);
    await refreshLeadIndex(deps, ref);
  }
});

describe('Console lead lists against DynamoDB Local', () => {
  it('pages newest first with a cursor, never skipping or repeating a lead, a page at a time', async () => {
    const { emails, pages } = await everyPage({ limit: '7' });
    expect(emails).toHaveLength(30);
    expect(new Set(emails).size).toBe(30);
    expect(pages).toBe(5);
  });

  it('filters by campaign, consent and form through their own lists, and combines filters on the cards read', async () => {
    expect((await everyPage({ campaign: 'launch' })).emails.sort()).toEqual(
      refs.flatMap((_, i) => (i % 3 === 0 ? [`p${String(i).padStart(2, '0')}@${i % 2 ? 'acme' : 'globex'}.com`] : [])).sort(),
    );
    expect((await everyPage({ consent: 'none' })).emails).toHaveLength(0);
    expect((await everyPage({ consent: 'declined' })).emails).toHaveLength(6);
    expect((await everyPage({ consent: 'granted' })).emails).toHaveLength(24);
    expect((await everyPage({ form: 'trial' })).emails).toHaveLength(8);
    const both = await everyPage({ form: 'trial', campaign: 'launch' });
    // i % 4 === 0 and i % 3 === 0: 0, 12, 24
    expect(both.emails.sort()).toEqual(['p00@globex.com', 'p12@globex.com', 'p24@globex.com']);
  });

  it('searches by the start of an email, a name or a company, in any case', async () => {
    expect((await list({ q: 'P07@' })).leads.map((l) => l.email)).toEqual(['p07@acme.com']);
    expect((await list({ q: 'person2', limit: '100' })).leads.map((l) => l.name).sort()).toEqual(
      ['Person2', ...Array.from({ length: 10 }, (_, i) => `Person2${i}`)].sort(),
    );
    expect((await list({ q: 'glob', limit: '100' })).leads).toHaveLength(15);
  });

  it('follows a change: an unsubscribe moves the lead to the withdrawn list, not a fit is shown, an erasure takes every entry', async () => {
    const lead = (await list({ q: 'p01@' })).leads[0]!;
    await unsubscribeLead(deps, ADMIN, lead.leadId);
    await setLeadFit(deps, ADMIN, lead.leadId, { notAFit: true });
    await refreshLeadIndex(deps, refs[1]!);
    expect((await list({ consent: 'withdrawn' })).leads).toEqual([expect.objectContaining({ email: 'p01@acme.com', consent: 'withdrawn', notAFit: true })]);

    await eraseLead(deps, { name: 'test', siteIds: ['*'] }, lead.leadId);
    const left = await deps.leads.findByEmail('demo', refs[1]!.emailKey);
    expect(left).toBeUndefined();
    const { Items = [] } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.leadPartition('demo', refs[1]!.emailKey) },
      }),
    );
    expect(Items).toEqual([]);
    expect((await everyPage({})).emails).not.toContain('p01@acme.com');
    // A refresh that comes after the erasure (a late stream record) writes nothing back
    await refreshLeadIndex(deps, refs[1]!);
    expect((await everyPage({})).emails).not.toContain('p01@acme.com');
  });

  it('rewrites nothing for a lead whose card did not change, and only its entries when one did', async () => {
    const ref = refs[2]!;
    const lead = (await deps.leads.findByEmail('demo', ref.emailKey))!;
    expect(await deps.leadIndex.refresh(ref, cardOf(lead))).toBe(0);
    // A new score changes the card every entry carries (and moves its place in the score list)
    expect(await deps.leadIndex.refresh(ref, { ...cardOf(lead), score: 77 })).toBe(indexEntriesOf(cardOf(lead)).length);
    expect(await deps.leadIndex.refresh(ref, cardOf(lead))).toBe(indexEntriesOf(cardOf(lead)).length);
  });

  it('refuses a cursor of another list, another range, or an edited one, naming query.cursor (never a 500)', async () => {
    const { nextCursor } = await list({ limit: '2' });
    await expect(list({ campaign: 'q4', cursor: nextCursor! })).rejects.toMatchObject({ status: 400, fields: { 'query.cursor': expect.any(String) } });
    await expect(list({ cursor: 'bm90IGpzb24' })).rejects.toMatchObject({ status: 400 });
    // The same list, but a range the cursor's lead is outside of
    await expect(list({ from: '2999-01-01', cursor: nextCursor! })).rejects.toMatchObject({ status: 400, fields: { 'query.cursor': expect.any(String) } });
    const blank = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(nextCursor!, 'base64url').toString()), GSI2SK: '' })).toString('base64url');
    await expect(list({ cursor: blank })).rejects.toMatchObject({ status: 400 });
  });

  it('reads a range with one bound: created up to a day, a score up to a number', async () => {
    const all = (await everyPage({})).emails.length;
    expect((await everyPage({ to: '2999-12-31' })).emails).toHaveLength(all);
    expect((await everyPage({ to: '2000-01-01' })).emails).toHaveLength(0);
    expect((await everyPage({ from: '2000-01-01' })).emails).toHaveLength(all);
    expect((await everyPage({ sort: 'score', maxScore: '999999' })).emails).toHaveLength(all);
    expect((await everyPage({ sort: 'score', minScore: '999999' })).emails).toHaveLength(0);
  });

  it('indexes a lead whose UTM values end in a character cut in half at 100 (an emoji), and finds it by that value', async () => {
    const email = 'emoji@acme.com';
    const source = `${'u'.repeat(99)}😀tail`;
    await submitForm(deps, {
      formId: 'ebook',
      body: aSubmission().withEmail(email).with('context', { pageUrl: 'https://blog.example.com/p', utm: { source } }).build(),
      origin: ORIGIN,
      clientIp: '203.0.113.99',
    });
    await refreshLeadIndex(deps, { siteId: 'demo', emailKey: emailKey(email) });
    expect((await list({ source })).leads.map((l) => l.email)).toEqual([email]);
  });

  it('refuses an audit cursor naming a month that does not exist', async () => {
    const cursor = Buffer.from(JSON.stringify({ month: '2024-13' })).toString('base64url');
    await expect(deps.audit.list({ limit: 5, cursor })).rejects.toMatchObject({ status: 400, fields: { 'query.cursor': expect.any(String) } });
  });

  it('reads at most 200 index entries a page, however many leads the filters leave out', async () => {
    // A filter nothing passes (score above 1,000): one page reads the list (30 entries here) and stops there
    const all = (await everyPage({})).emails.length;
    const page = await list({ minScore: '1000' });
    expect(page.leads).toEqual([]);
    expect(page.read).toBeLessThanOrEqual(200);
    expect(page.read).toBe(all);
  });
});
