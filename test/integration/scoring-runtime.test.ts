import { emailKey } from '../../functions/core/email.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../functions/adapters/memory.js';
import type { LeadView } from '../../functions/core/contracts.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * The whole scoring loop on the local runtime over HTTP, against DynamoDB Local: capture → table stream →
 * re-score → GET the lead; page views through `POST /v1/events`; decay through the scheduled due checks.
 */
const clock = new FakeClock(new Date('2026-11-22T10:00:00.000Z'));
let funnel: RunningFunnel;

// Demo rules, with regression on (the demo never regresses) and MQL at 50 so decay can move a lead back.
const config = testConfig((c) => {
  c.sites[0]!.scoring!.regression = 'to-lead-below-mql';
  c.sites[0]!.scoring!.thresholds.mql.score = 50;
});

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', clock, rawConfig: config, dueCheckIntervalMs: 0 });
});
afterAll(() => funnel?.stop());

const submit = async (body: unknown, formId = 'ebook') => {
  const res = await fetch(`${funnel.url}/v1/forms/${formId}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: funnel.url },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const track = async (body: unknown, contentType = 'text/plain;charset=UTF-8') => {
  const res = await fetch(`${funnel.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, origin: funnel.url },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const pageView = (visitorToken: string, path: string) => ({
  visitorToken,
  eventId: randomUUID(),
  type: 'page_viewed',
  url: `${funnel.url}${path}`,
  title: 'A page',
});
const getLead = async (leadId: string): Promise<LeadView> =>
  (await fetch(`${funnel.url}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json();

describe('Scoring on the local runtime (DynamoDB Local, table stream, HTTP)', () => {
  let leadId: string;
  let token: string;

  it('scores a new lead from its submission: fit, engagement, total, stage, rules version, breakdown', async () => {
    // A gmail reader with no title: no fit at all, so engagement alone decides.
    const created = await submit(aSubmission().withEmail('reader@gmail.com').withField('jobTitle', '').withField('company', '').build());
    expect(created.status).toBe(202);
    token = created.body.visitorToken;
    leadId = (await funnel.deps.leads.findByEmail('demo', emailKey('reader@gmail.com')))!.leadId;
    expect(token).toEqual(expect.any(String));
    await funnel.settle();
    const lead = await getLead(leadId);
    expect(lead.stage).toBe('lead');
    expect(lead.score).toMatchObject({ fit: 0, engagement: 10, total: 10, rulesVersion: '2026-11-01', computedAt: '2026-11-22T10:00:00.000Z' });
    expect(lead.score?.breakdown).toEqual([
      { ruleId: 'content-download', label: 'Downloaded gated content', kind: 'engagement', points: 10, original: 10, events: 1 },
    ]);
  });

  it('takes page views as text/plain JSON (no CORS pre-flight), stores the path only, and re-scores', async () => {
    const first = await track(pageView(token, '/pricing?ref=nav'));
    expect(first).toEqual({ status: 202, body: { status: 'recorded' } });
    await track(pageView(token, '/pricing'), 'application/json');
    await track(pageView(token, '/pricing/'));
    await funnel.settle();
    const lead = await getLead(leadId);
    expect(lead.timeline.filter((e) => e.type === 'page_viewed').map((e) => e.type === 'page_viewed' && e.path)).toEqual(['/pricing', '/pricing', '/pricing']);
    expect(lead.score?.breakdown.find((b) => b.ruleId === 'pricing-visit')).toMatchObject({ points: 24, original: 24, events: 3 });
    expect(lead.score?.total).toBe(34);
    expect(lead.stage).toBe('lead'); // 34 < 50
  });

  it('moves the lead to MQL when a threshold is crossed and records it on the timeline once', async () => {
    // MQL needs fit 15 too: a returning submission of the trial form from the same browser (its token) adds it.
    await submit(
      {
        submissionId: randomUUID(),
        fields: { email: 'reader@gmail.com', firstName: 'Rae', company: 'Initech', companySize: '51-200' },
        consent: { marketing: true },
        startedAt: Date.UTC(2020, 0, 2),
        visitorToken: token,
      },
      'trial',
    );
    await funnel.settle();
    const lead = await getLead(leadId);
    expect(lead.score).toMatchObject({ fit: 15, engagement: 64, total: 79 });
    expect(lead.stage).toBe('mql');
    // Another activity re-scores again; the stage change is not recorded twice.
    await track(pageView(token, '/docs/start'));
    await funnel.settle();
    const again = await getLead(leadId);
    expect(again.timeline.filter((e) => e.type === 'stage_changed')).toEqual([
      { type: 'stage_changed', at: '2026-11-22T10:00:00.000Z', from: 'lead', to: 'mql', total: 79, fit: 15, rulesVersion: '2026-11-01' },
    ]);
  });

  it('re-scores when decay is due: months later the scheduled check moves the lead back (regression on)', async () => {
    expect(await funnel.runDueChecks()).toMatchObject({ rescored: 0, failed: 0 });
    // Fit 15 + trial 30 (no decay) + ebook 10 (60 d) + pricing 24 (14 d) + docs 2 (30 d): the total falls
    // under 50 once the decaying 36 points are under 5, well within half a year.
    clock.advance(180 * 86_400_000);
    const run = await funnel.runDueChecks();
    expect(run).toMatchObject({ rescored: 1, failed: 0 });
    const lead = await getLead(leadId);
    expect(lead.stage).toBe('lead');
    expect(lead.score!.total).toBeLessThan(50);
    const decayed = lead.score!.breakdown.find((b) => b.ruleId === 'pricing-visit')!;
    expect(decayed.original).toBe(24);
    expect(decayed.points).toBeLessThan(1);
    expect(lead.timeline.filter((e) => e.type === 'stage_changed').map((e) => e.type === 'stage_changed' && e.to)).toEqual(['mql', 'lead']);
  });

  it('refuses events it cannot tie to a consenting lead, and says which', async () => {
    const forged = await track(pageView(`${token.slice(0, -4)}AAAA`, '/pricing'));
    expect(forged.status).toBe(401);
    expect(forged.body.error).toMatchObject({ code: 'invalid_visitor_token', fields: { visitorToken: expect.any(String) } });
    const bad = await track({ ...pageView(token, '/pricing'), eventId: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('eventId');
    const foreign = await track({ ...pageView(token, '/pricing'), url: 'https://evil.example/pricing' });
    expect(foreign.status).toBe(403);
    const html = await fetch(`${funnel.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/html', origin: funnel.url }, body: '{}' });
    expect(html.status).toBe(415);
    // Withdrawing consent (a later submission from its browser without the box ticked) stops tracking:
    // ignored, not stored. (A submission from any other browser is a claim, which changes no consent.)
    await submit(aSubmission().withEmail('reader@gmail.com').with('consent', { marketing: false }).with('visitorToken', token).build());
    const ignored = await track(pageView(token, '/pricing'));
    expect(ignored).toEqual({ status: 202, body: { status: 'ignored', reason: 'unsubscribed' } });
  });
});
