import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';
import { BROWSER_TIMEOUT_MS, launchBrowser, openPage } from './support.js';

let funnel: RunningFunnel;
let browser: Browser;

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  // A test fills the form faster than a person; the bot timer is tested on its own.
  const config = testConfig((c) => {
    for (const f of c.sites[0]!.forms) f.minFillMs = 0;
  });
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, rawConfig: config, logLevel: 'silent' });
  browser = await launchBrowser();
}, BROWSER_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await funnel?.stop();
});

describe('End to end: the demo blog on the local runtime', () => {
  it('a visitor downloads the ebook (lead stored with source and consent), then reads the pricing page, which is scored', {
    timeout: BROWSER_TIMEOUT_MS,
  }, async () => {
    const { page, errors } = await openPage(browser, `${funnel.url}/demo?utm_source=newsletter&utm_campaign=launch`, { referer: 'https://news.example.com/' });
    const ebook = page.locator('funnel-form').first();
    await ebook.getByLabel('Work email').fill('e2e.reader@acme.com');
    await ebook.getByLabel('First name').fill('Ada');
    await ebook.getByLabel('Job title').fill('Director of Marketing');
    await ebook.getByRole('checkbox').check();
    await ebook.getByRole('button', { name: 'Get the ebook' }).click();
    const download = ebook.getByRole('link', { name: /download/i });
    await download.waitFor();
    expect(await download.getAttribute('href')).toContain('serverless-funnel-playbook.pdf');

    const res = await fetch(`${funnel.url}/v1/leads?email=e2e.reader%40acme.com`, { headers: { authorization: `Bearer ${funnel.apiKey}` } });
    expect(res.status).toBe(200);
    const lead = await res.json();
    expect(lead).toMatchObject({
      email: 'e2e.reader@acme.com',
      profile: { firstName: 'Ada', jobTitle: 'Director of Marketing' },
      consent: { marketing: { granted: true, formId: 'ebook' } },
      sources: {
        first: { formId: 'ebook', utm: { source: 'newsletter', campaign: 'launch' }, pageUrl: expect.stringContaining('/demo?utm_source=newsletter') },
      },
    });
    expect(lead.timeline[0].userAgent).toMatch(/Chrome/);
    expect(errors, errors.join('\n')).toEqual([]);

    // The same browser reads the pricing page (tracking-only snippet): the page view is scored.
    await page.goto(`${funnel.url}/pricing`);
    const leadAfter = async () => (await fetch(`${funnel.url}/v1/leads/${lead.leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json();
    await expect.poll(async () => (await leadAfter()).timeline.some((e: { type: string }) => e.type === 'page_viewed'), { timeout: 10_000 }).toBe(true);
    await funnel.settle();
    const scored = await leadAfter();
    expect(scored.timeline.find((e: { type: string }) => e.type === 'page_viewed')).toMatchObject({ path: '/pricing', title: 'Pricing · Acme' });
    // Director (10) + business email (10) + marketing (5) = fit 25; ebook 10 + pricing 8 = engagement 18.
    expect(scored.score).toMatchObject({ fit: 25, engagement: 18, total: 43, rulesVersion: '2026-11-01' });
    expect(scored.score.breakdown.map((b: { ruleId: string }) => b.ruleId)).toEqual([
      'director-manager',
      'business-email',
      'marketing-role',
      'content-download',
      'pricing-visit',
    ]);
    expect(scored.stage).toBe('mql');
  });

  it('a returning browser updates its own lead (its token shows it created it), and the forms it was shown count (their proof)', {
    timeout: BROWSER_TIMEOUT_MS,
  }, async () => {
    // Prepare: the ebook's impressions so far today (other tests showed it too), then a first download,
    // with consent (so the browser keeps a visitor token)
    const today = new Date().toISOString().slice(0, 10);
    const stats = async (): Promise<number> =>
      (await (await fetch(`${funnel.url}/v1/forms/ebook/stats?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json())
        .totals[0]?.impressions ?? 0;
    const before = await stats();
    const { page, errors } = await openPage(browser, `${funnel.url}/demo`);
    const submitEbook = async (jobTitle: string) => {
      const ebook = page.locator('funnel-form').first();
      await ebook.getByLabel('Work email').fill('back.again@acme.com');
      await ebook.getByLabel('Job title').fill(jobTitle);
      if (!(await ebook.getByRole('checkbox').isChecked())) await ebook.getByRole('checkbox').check();
      await ebook.getByRole('button', { name: 'Get the ebook' }).click();
      await ebook.getByRole('link', { name: /download/i }).waitFor();
    };
    await submitEbook('Analyst');
    // Act: the same browser comes back another day and gives a new title
    await page.reload();
    await submitEbook('Director of Analytics');
    await page.goto(`${funnel.url}/pricing`); // leaving the page sends the impressions
    // Assess: the lead took the new title (not a claim), and both impressions were counted
    const lead = await (await fetch(`${funnel.url}/v1/leads?email=back.again%40acme.com`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })).json();
    expect(lead.profile.jobTitle).toBe('Director of Analytics');
    expect(lead.timeline.filter((e: { type: string; unverified?: boolean }) => e.type === 'form_submitted' && !e.unverified)).toHaveLength(2);
    await expect.poll(stats, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 2);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('a visitor scrolls halfway down, the trial slides in, and the visitor starts a trial and is offered the way to it', {
    timeout: BROWSER_TIMEOUT_MS,
  }, async () => {
    const { page } = await openPage(browser, `${funnel.url}/demo`);
    await page.locator('funnel-form').first().getByRole('button', { name: 'Get the ebook' }).waitFor();
    await page.mouse.wheel(0, 4000);
    await page.getByRole('dialog', { name: 'Start your 14-day free trial' }).waitFor();
    const trial = page.locator('funnel-form[mode="slide-in"]');
    await trial.getByLabel('Work email').fill('trial.user@acme.com');
    await trial.getByLabel('First name').fill('Grace');
    await trial.getByLabel('Company', { exact: true }).fill('Acme');
    await trial.getByLabel('Company size').selectOption('51-200');
    await trial.getByRole('button', { name: 'Start free trial' }).click();
    const next = trial.getByRole('link', { name: /continue/i });
    await next.waitFor();
    expect(await next.getAttribute('href')).toContain('/demo/welcome');
    const res = await fetch(`${funnel.url}/v1/leads?email=trial.user%40acme.com`, { headers: { authorization: `Bearer ${funnel.apiKey}` } });
    expect((await res.json()).profile).toMatchObject({ company: 'Acme', companySize: '51-200' });
  });

  it('the README walkthrough: the delivery email in the mail viewer, its unsubscribe link clicked there, works', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    // Prepare: a consented download, its delivery email in the SES emulator. The emulator's store is one per
    // process, shared with the other test files this worker ran: empty it, so the viewer lists this email only.
    await funnel.ses.clear();
    const email = 'viewer.reader@acme.com';
    const submitted = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(aSubmission().withEmail(email).build()),
    });
    expect(submitted.status).toBe(202);
    await funnel.settle();
    const sent = (await funnel.ses.emails()).find((e) => e.destination.to.includes(email))!;
    const { page, errors } = await openPage(browser, funnel.ses.viewerUrl);

    // Act: open the email's HTML view, click Unsubscribe inside it, confirm on the page that opens there
    const mail = page.frameLocator(`iframe[id="${sent.messageId}-html-iframe"]`);
    const unsubscribeLink = mail.getByRole('link', { name: 'Unsubscribe' });
    // The viewer writes each email into its frame as it renders the list; reload once if it was not there yet.
    for (let attempt = 0; attempt < 2; attempt++) {
      await page.locator(`button[onclick="toggle('${sent.messageId}-html')"]`).click();
      if (
        await unsubscribeLink.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      await page.reload({ waitUntil: 'load' });
    }
    await unsubscribeLink.click();
    await mail.getByRole('button', { name: 'Unsubscribe' }).click();
    await mail.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();

    // Assess: the page was allowed in the viewer's frame, and the lead is unsubscribed
    expect(errors.filter((e) => /refused|frame-ancestors|Content Security Policy/i.test(e))).toEqual([]);
    const lead = await (
      await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json();
    expect(lead.mail.unsubscribedAt).toEqual(expect.any(String));
  });

  it('keeps mail-link pages unframeable by any other page', async () => {
    const lead = await (
      await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent('viewer.reader@acme.com')}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } })
    ).json();
    expect(lead.leadId).toEqual(expect.any(String));
    const sent = (await funnel.ses.emails()).find((e) => e.destination.to.includes('viewer.reader@acme.com'))!;
    const link = /href="([^"]*\/v1\/unsubscribe\?token=[^"]*)"/.exec(sent.body.html!)![1]!.replaceAll('&amp;', '&');
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy')!;
    const viewer = new URL(funnel.ses.viewerUrl);
    expect(csp).toContain(`frame-ancestors ${viewer.origin} http://127.0.0.1:${viewer.port}`);
    expect(csp).not.toContain('*');
  });

  it('lets a blog page call the public routes cross-origin, but not the API-key routes, even with the key', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    // Prepare: the demo page under its other loopback name, so the API at localhost is another origin
    const page127 = funnel.url.replace('localhost', '127.0.0.1');
    const { page } = await openPage(browser, `${page127}/demo`);
    // Act: what a script on a blog page could try
    const result = await page.evaluate(
      async ({ api, key }) => {
        const form = await fetch(`${api}/v1/forms/ebook`).then(
          (r) => r.status,
          () => 'blocked',
        );
        const leads = await fetch(`${api}/v1/leads?email=viewer.reader%40acme.com`, { headers: { authorization: `Bearer ${key}` } }).then(
          (r) => r.status,
          () => 'blocked',
        );
        return { form, leads };
      },
      { api: funnel.url, key: funnel.apiKey },
    );
    // Assess
    expect(result).toEqual({ form: 200, leads: 'blocked' });
  });

  it('shows the webhook inspector within a 375 px phone, light and dark', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    // Prepare: something received, with a long id in it
    await fetch(`${funnel.url}/demo/webhooks/crm`, { method: 'POST', headers: { 'webhook-id': `msg_${'x'.repeat(80)}` }, body: '{"type":"lead.qualified"}' });
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, colorScheme });
      const page = await context.newPage();
      // Act
      await page.goto(`${funnel.url}/webhooks`, { waitUntil: 'load' });
      // Assess: nothing wider than the screen; the palette follows the visitor's
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background === 'rgba(0, 0, 0, 0)' || background === 'rgb(255, 255, 255)').toBe(colorScheme === 'light');
      await context.close();
    }
  });

  it('serves the webhook inspector under a strict Content-Security-Policy that its own page satisfies', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    // Act
    const res = await fetch(`${funnel.url}/webhooks`);
    const { page, errors } = await openPage(browser, `${funnel.url}/webhooks`);
    // Assess: no script, no framing, no inline anything but its one hashed stylesheet, which applies
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    expect(await page.evaluate(() => getComputedStyle(document.body).marginTop)).toBe('16px');
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });
});
