import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import type { Person } from '../../functions/core/people.js';
import { OverviewQuery } from '../../functions/core/stats.js';
import { overview } from '../../functions/use-cases/console.js';
import { deliverability } from '../../functions/use-cases/email-desk.js';
import { emailsReport } from '../../functions/use-cases/email-report.js';
import { formsReport } from '../../functions/use-cases/form-report.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Issue 25's proof that the console shows what happened: the local funnel driven through captures, their
 * emails (sent by the sender, delivered by SES's events), a bounce SES reports late, and a hand-off (a
 * claim), then each console page's numbers held against the API's (`GET /v1/forms/{formId}/stats`) and
 * against what SES took.
 */
const ADMIN: Person = { sub: 'numbers', roles: ['admin'], siteIds: ['*'] };
const READERS = ['ana.lopez@acme.com', 'chen.wu@initech.com', 'dee.ito@umbrella.com', 'eli.moss@hooli.com'];

let funnel: RunningFunnel;
beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', rawConfig: testConfigFn() });
}, 120_000);
afterAll(async () => {
  await funnel?.stop();
});

describe('Console numbers equal the API and what happened', () => {
  it('after captures, emails, a bounce and a hand-off: the overview, forms, emails and deliverability pages', async () => {
    // Prepare: four readers download the ebook; the sender mails each, SES reports each delivered
    for (const email of READERS) {
      const answer = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify(aSubmission().withEmail(email).build()),
      });
      expect(answer.status).toBe(202);
    }
    await funnel.settle();
    // SES reports a late bounce of the last reader's email
    const taken = (await funnel.ses.emails()).filter((e) => READERS.includes(e.destination.to[0]!) && e.subject.startsWith('Your copy of'));
    expect(taken).toHaveLength(READERS.length);
    const last = taken.find((e) => e.destination.to[0] === READERS[3])!;
    const at = new Date().toISOString();
    await funnel.mailEventsQueue.send([
      JSON.stringify({
        eventType: 'Bounce',
        mail: { timestamp: at, messageId: last.messageId, tags: { site: ['demo'], lead: [emailKey(READERS[3]!)], kind: ['delivery'], form: ['ebook'] } },
        bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: at },
      }),
    ]);
    // Sales pulls the first reader (a hand-off)
    const auth = { authorization: `Bearer ${funnel.apiKey}`, 'content-type': 'application/json' };
    const { leadId } = (await (await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent(READERS[0]!)}`, { headers: auth })).json()) as { leadId: string };
    const claim = await fetch(`${funnel.url}/v1/prospects/${leadId}/claim`, { method: 'POST', headers: auth, body: JSON.stringify({ rep: 'sam@acme.com' }) });
    expect(claim.status).toBe(200);
    await funnel.settle();

    // Act: the API's numbers, and each console page's
    const api = (await (await fetch(`${funnel.url}/v1/forms/ebook/stats`, { headers: auth })).json()) as { totals: Record<string, number>[] };
    const [front, forms, emails, health] = await Promise.all([
      overview(funnel.deps, ADMIN, OverviewQuery.parse({ site: 'demo', by: 'form' })),
      formsReport(funnel.deps, ADMIN, { site: 'demo' }),
      emailsReport(funnel.deps, ADMIN, { site: 'demo' }),
      deliverability(funnel.deps, ADMIN, { site: 'demo' }),
    ]);

    // Assess: the API counted what happened
    const counts = (c: Record<string, number>) => ({ submissions: c.submissions, leads: c.leads, mql: c.mql, sql: c.sql, handoffs: c.handoffs });
    expect(counts(api.totals[0]!)).toMatchObject({ submissions: READERS.length, leads: READERS.length, handoffs: 1 });
    // The overview (its ebook row), the forms page: the API's numbers
    expect(counts(front.breakdown.rows.find((r: { key: string }) => r.key === 'ebook') as never)).toEqual(counts(api.totals[0]!));
    expect(counts(forms.forms.find((f) => f.formId === 'ebook')!.totals as never)).toEqual(counts(api.totals[0]!));
    // The emails page: every email SES took, delivered, one bounced later; everyone enrolled
    expect(emails.emails.find((e) => e.email === 'delivery#ebook')).toMatchObject({ sent: taken.length, delivered: taken.length, hardBounced: 1 });
    expect(emails.totals).toMatchObject({ sent: taken.length, hardBounced: 1 });
    expect(emails.sequences.find((s) => s.sequenceId === 'ebook-nurture')).toMatchObject({ enrolled: READERS.length });
    // Deliverability: the same bounce of the same emails, over SES's 10% on so few
    expect(health.reputation).toMatchObject({ sent: taken.length, bounces: 1, bounce: 'pause' });
    expect(health.account).toMatchObject({ emulator: true });
  }, 120_000);
});
