import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, FIRST_LOAD_GZIP_BUDGET_BYTES } from '../../console/build.js';
import { CONSOLE_TEST_ADDRESS, emailKey } from '../../functions/core/email.js';
import type { Role } from '../../functions/core/people.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';
import { BROWSER_TIMEOUT_MS, launchBrowser } from './support.js';

/** Issue 23 (the console itself): every page, every role, signed in through npm start's own OpenID provider. */
const ARTIFACTS = new URL('../../.data/artifacts/', import.meta.url).pathname;
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };

/** Text a marketer could type that would end a script element or run as HTML, if either were let through. */
const HOSTILE = 'Forty pages. </script><script>parent.pwned = 1</script><img src=x onerror="parent.pwned = 2">';

let browser: Browser;
let funnel: RunningFunnel;
const emails = ['ana.lopez@acme.com', 'chen.wu@initech.com', 'dee.ito@umbrella.com'];

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  // The ebook form runs an A/B test here (variants a and b), for the forms page.
  const rawConfig = testConfigFn((c) => {
    c.sites[0]!.forms.find((f) => f.id === 'ebook')!.variants = [
      { id: 'a', weight: 1 },
      // Its description carries what would end the preview's JSON or run as HTML, if either were let through.
      { id: 'b', weight: 1, title: 'Get the 2026 playbook', description: HOSTILE },
    ];
  });
  [browser, funnel] = await Promise.all([launchBrowser(), startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', rawConfig })]);

  mkdirSync(ARTIFACTS, { recursive: true });
  for (const email of emails) {
    const body = aSubmission()
      .withEmail(email)
      .withField(
        'firstName',
        email.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()),
      )
      .build();
    const answer = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(202);
  }
  await funnel.settle();
}, BROWSER_TIMEOUT_MS * 2);
afterAll(async () => {
  await browser?.close();
  await funnel?.stop();
});

/** A new browser context signed in as a dev user, through the provider's own login and consent pages. */
async function signedIn(user: Role | string, options: { viewport?: { width: number; height: number }; dark?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.dark ? 'dark' : 'light',
    timezoneId: 'America/New_York',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The console's own errors, and its preview frames' (`srcdoc`)
  page.on('console', (m) => void (m.type() === 'error' && /\/console|^about:srcdoc/.test(m.location().url) && errors.push(m.text())));
  await page.goto(`${funnel.url}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('input[name=login]').fill(user);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  // The provider asks once to share the account with the console.
  await page.waitForURL((url) => url.pathname.startsWith('/console/') || url.pathname.includes('/interaction/'));
  if (page.url().includes('/interaction/')) await page.locator('button[type=submit]').click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
  return { page, context, errors };
}

async function violations(page: Page): Promise<string[]> {
  // An email preview's frame is sandboxed without scripts, so axe cannot run in it (its injection waits
  // forever), and it holds the operator's email, not the console: each such frame must have a title, then
  // the page is checked without them.
  const untitled = await page.locator('iframe.mail:not([title])').count();
  await page.evaluate(() => {
    for (const frame of document.querySelectorAll('iframe.mail')) frame.replaceWith(Object.assign(document.createElement('div'), { className: 'mail' }));
  });
  const { violations: found } = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  if (untitled) found.push({ id: 'frame-title', help: 'an email preview frame has no title', nodes: [{ target: ['iframe.mail'] }] } as never);
  return found.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? v.help})`));
}

/** The leads list once the table stream has indexed every seeded lead. */
async function openLeads(page: Page) {
  await expect
    .poll(
      async () => {
        await page.goto(`${funnel.url}/console/leads`);
        await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
        return (await page.locator('table.leads tbody tr').count()) >= emails.length;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
}

describe('Console in Chromium, signed in through the local OpenID provider', { timeout: 180_000 }, () => {
  it('admin: the overview shows the funnel of the leads just created, with rates, each day and a breakdown', async () => {
    const { page, errors, context } = await signedIn('admin');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const funnelList = page.getByRole('region', { name: 'Funnel' }).or(page.locator('section[aria-labelledby=funnel-title]'));
    await expect.poll(() => funnelList.locator('li').nth(1).locator('.value').textContent()).toBe(String(emails.length));
    await expect(funnelList.locator('li').nth(2).textContent()).resolves.toContain('100% of submissions');
    await expect(page.locator('section[aria-labelledby=breakdown-title] tbody tr').first().textContent()).resolves.toContain('ebook');
    await page.locator('section[aria-labelledby=breakdown-title] select').selectOption('source');
    await expect.poll(() => page.locator('section[aria-labelledby=breakdown-title] tbody tr').first().textContent()).toContain('newsletter');
    await page.screenshot({ path: `${ARTIFACTS}console-overview.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('marketer: the forms page gives each form’s conversion with its interval; the A/B test names no winner before its planned sample', async () => {
    // Prepare: the A/B test's impressions and submissions so far (the counters the beacons and submissions keep).
    const today = new Date().toISOString().slice(0, 10);
    await funnel.deps.stats.count('demo', { formId: 'ebook', variant: 'a', page: '/blog/launch' }, today, { impressions: 1200, submissions: 60 });
    await funnel.deps.stats.count('demo', { formId: 'ebook', variant: 'b', page: '/blog/launch' }, today, { impressions: 1180, submissions: 83 });
    const { page, errors, context } = await signedIn('marketer');
    await page.getByRole('link', { name: 'Forms' }).click();
    await page.getByRole('heading', { level: 1, name: 'Forms' }).waitFor();
    const ebook = page.locator('tbody tr', { hasText: '(ebook, A/B: a vs b)' });
    // 1,200 + 1,180 impressions and the three seeded submissions besides the 143 counted: an interval beside the rate.
    await expect.poll(() => ebook.textContent()).toMatch(/2,380.*146.*6\.1% \(5\.\d% to 7\.\d%\)/);
    await page.screenshot({ path: `${ARTIFACTS}console-forms.png`, fullPage: true });
    await ebook.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /^Form: / }).waitFor();
    const ab = page.locator('section[aria-labelledby=ab-title]');
    await expect(ab.locator('tbody tr').nth(0).textContent()).resolves.toMatch(/^a.*control$/);
    // b converts 7.0% against 5.0%: p < 0.05, yet far below the planned sample, so no verdict.
    await expect(ab.locator('tbody tr').nth(1).textContent()).resolves.toMatch(/^b1,18083.*\+40\.\d%.*too early: collecting$/);
    await expect(ab.getByRole('note').textContent()).resolves.toMatch(/Decide at [\d,]+ impressions per variant.*smallest variant has 1,180/);
    await expect(page.locator('section[aria-labelledby=by-title] tbody tr').first().textContent()).resolves.toContain('/blog/launch');
    await page.screenshot({ path: `${ARTIFACTS}console-form-ab.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('marketer: a form’s live preview is the widget itself, each variant in each display mode, light and dark, phone and desktop; it counts, stores and sends nothing', async () => {
    // Prepare: what the funnel counted and holds before; every request the widget could make
    const today = new Date().toISOString().slice(0, 10);
    const counted = () =>
      Promise.all(
        funnel.deps.config.findSite('demo')!.forms.map(async (f) => (await funnel.deps.stats.read('demo', f.id, 'all', today, today)).map((c) => c.counts)),
      );
    const before = await counted();
    const { page, errors, context } = await signedIn('marketer');
    const widgetCalls: string[] = [];
    page.on('request', (r) => void (/\/v1\/(impressions|events|forms\/)/.test(r.url()) && widgetCalls.push(`${r.method()} ${r.url()}`)));
    await page.goto(`${funnel.url}/console/forms/ebook`);
    const preview = page.locator('section[aria-labelledby=preview-title]');
    const frames = preview.locator('iframe.widget-preview');
    const [light, dark] = [frames.nth(0).contentFrame(), frames.nth(1).contentFrame()];
    const title = (f: typeof light) => f.locator('funnel-form h2').first();
    // Act + assess: as configured (inline, variant a), drawn by the widget in both schemes
    await title(light).waitFor();
    await title(dark).waitFor();
    expect([await title(light).textContent(), await title(dark).textContent()]).toEqual(Array(2).fill('Get the ebook: The Serverless Funnel Playbook'));
    expect([await light.locator('funnel-form').getAttribute('scheme'), await dark.locator('funnel-form').getAttribute('scheme')]).toEqual(['light', 'dark']);
    const background = (f: typeof light) => f.locator('funnel-form form.w').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await background(light)).toBe('rgb(255, 255, 255)');
    expect(await background(dark)).not.toBe('rgb(255, 255, 255)');
    expect(await preview.getByLabel('Show as').inputValue()).toBe('inline');
    // Variant b's own title, and its description as text, whatever it holds
    await preview.getByLabel('Variant').selectOption({ label: 'b' });
    await expect.poll(() => title(dark).textContent()).toBe('Get the 2026 playbook');
    expect(await dark.locator('funnel-form p.d').textContent()).toBe(HOSTILE);
    // Each floating mode: opened at once, over the page, by the widget's own frames; the person's focus stays on the control
    for (const [mode, frame] of [
      ['popup', 'dialog[open].p'],
      ['slide-in', 'div.slide-in[role=dialog]'],
      ['bar', 'section.bar.bottom'],
    ] as const) {
      await preview.getByLabel('Show as').focus();
      await preview.getByLabel('Show as').selectOption(mode);
      for (const f of [light, dark]) await expect.poll(() => f.locator(`funnel-form ${frame} h2`).textContent()).toBe('Get the 2026 playbook');
      // (a popup took it as it opened: the focus is back once the console heard so)
      await expect
        .poll(() => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.closest('label')?.firstChild?.textContent}`))
        .toBe('SELECT Show as');
    }
    // On a phone, a slide-in that opened by itself is compact until the visitor asks for the form: the
    // screen alone changes it (full on the desktop it opened on before). Variant a from here on.
    await preview.getByLabel('Variant').selectOption({ label: 'a' });
    await preview.getByLabel('Show as').selectOption('slide-in');
    await light.locator('funnel-form .slide-in:not(.sm) h2').waitFor();
    await preview.getByLabel('Screen').selectOption('phone');
    await expect.poll(() => frames.nth(0).evaluate((f) => f.getBoundingClientRect().width)).toBe(375);
    const compact = light.locator('funnel-form .slide-in.sm');
    await frames.nth(0).scrollIntoViewIfNeeded();
    await compact.getByRole('button', { name: 'Get the ebook' }).click();
    await light.locator('funnel-form .slide-in.full h2').waitFor();
    await preview.screenshot({ path: `${ARTIFACTS}console-form-preview-phone.png` });
    // The form's own checks run; a valid submission shows what a visitor sees next, and sends nothing
    await preview.getByLabel('Screen').selectOption('desktop');
    await preview.getByLabel('Show as').selectOption('popup');
    const dialog = light.locator('funnel-form dialog[open]');
    await dialog.getByRole('button', { name: 'Get the ebook' }).click();
    await expect.poll(() => dialog.locator('#e-email').textContent()).toMatch(/Work email/);
    await dialog.getByLabel('Work email').fill('preview.person@acme.com');
    await dialog.getByRole('button', { name: 'Get the ebook' }).click();
    await expect.poll(() => dialog.locator('.ok h2').textContent()).toBe('Thanks! Your ebook is ready.');
    expect(await dialog.getByRole('link', { name: /Download/ }).getAttribute('href')).toMatch(/\/demo\/assets\/serverless-funnel-playbook\.pdf$/);
    await preview.screenshot({ path: `${ARTIFACTS}console-form-preview.png` });
    // Closed, it opens again from the page's button (as a visitor's click on a `data-funnel-open` would)
    await dialog.getByRole('button', { name: 'Close' }).click();
    await light.getByRole('button', { name: 'Show the form again' }).click();
    await light.locator('funnel-form dialog[open] form').waitFor();
    // Every preview frame is free of WCAG 2.2 AA violations, as is the page around it
    expect(await violations(page)).toEqual([]);
    // Every form the demo ships previews in the mode its config gives it (the four modes among them); a
    // popup opening with the page leaves the focus on the page's title
    const shipped: [string, string][] = [];
    // Each frame's word to the console that its popup took the focus, counted as the console hears it
    await page.addInitScript(() =>
      addEventListener(
        'message',
        (e) => e.data === 'funnel-preview:took-focus' && ((window as { took?: number }).took = ((window as { took?: number }).took ?? 0) + 1),
      ),
    );
    for (const form of funnel.deps.config.findSite('demo')!.forms) {
      await page.goto(`${funnel.url}/console/forms/${form.id}`);
      const frame = page.locator('iframe.widget-preview').nth(1).contentFrame();
      await frame.locator('funnel-form h2').first().waitFor();
      shipped.push([await page.getByLabel('Show as').inputValue(), (await frame.locator('funnel-form h2').first().textContent()) ?? '']);
      if (form.display.mode === 'popup') {
        // Taken by both frames' popups, then given back
        await expect.poll(() => page.evaluate(() => (window as { took?: number }).took)).toBe(2);
        await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      }
    }
    expect(shipped).toEqual(funnel.deps.config.findSite('demo')!.forms.map((f) => [f.display.mode, f.variants?.[0]?.title ?? f.title]));
    expect(new Set(shipped.map(([mode]) => mode)).size).toBe(4);
    // A trial's link opens apart: the preview stays (a frame navigated under the console's policy would be blank)
    await page.goto(`${funnel.url}/console/forms/trial`);
    await page.locator('iframe.widget-preview').nth(0).scrollIntoViewIfNeeded();
    const trial = page.locator('iframe.widget-preview').nth(0).contentFrame();
    for (const [field, value] of [
      ['Work email', 'preview.person@acme.com'],
      ['First name', 'Ana'],
      ['Company', 'Acme'],
    ] as const)
      await trial.getByLabel(field, { exact: true }).fill(value);
    await trial.locator('funnel-form button[type=submit]').click();
    const [opened] = await Promise.all([context.waitForEvent('page'), trial.getByRole('link', { name: /Continue/ }).click()]);
    expect(new URL(opened.url()).pathname).toBe('/demo/welcome');
    await trial.getByRole('button', { name: 'Show the form again' }).waitFor();
    await opened.close();
    // Nothing counted, asked, sent or stored by any of it: no impression, no lead, no widget request, no widget memory
    await page.waitForTimeout(2_500); // longer than the beacon's two seconds
    expect(widgetCalls).toEqual([]);
    expect(await counted()).toEqual(before);
    const lead = await fetch(`${funnel.url}/v1/leads?email=preview.person%40acme.com`, { headers: { authorization: `Bearer ${funnel.apiKey}` } });
    expect(lead.status).toBe(404);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('funnel:')))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('marketer: the emails page shows each email as the API counts it, from the SES events of what was sent; an email previews light and dark; a test send counts nowhere', async () => {
    // Prepare: a reader at SES's simulator address that bounces for good (a test lead: it reaches the
    // suppression list, and no number), and SES's late bounce of a real reader's delivery email
    const bounce = aSubmission().withEmail('bounce@simulator.amazonses.com').build();
    await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(bounce),
    });
    await funnel.settle();
    const readers = emails;
    const delivered = (await funnel.ses.emails()).filter((e) => readers.includes(e.destination.to[0]!) && e.subject.startsWith('Your copy of'));
    expect(delivered).toHaveLength(readers.length);
    const dee = delivered.find((e) => e.destination.to[0] === 'dee.ito@umbrella.com')!;
    const at = new Date().toISOString();
    await funnel.mailEventsQueue.send([
      JSON.stringify({
        eventType: 'Bounce',
        mail: {
          timestamp: at,
          messageId: dee.messageId,
          tags: { site: ['demo'], lead: [emailKey('dee.ito@umbrella.com')], kind: ['delivery'], form: ['ebook'] },
        },
        bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: at },
      }),
    ]);
    await funnel.settle();
    const { page, errors, context } = await signedIn('marketer');
    // Act: the page, and the API answer it shows
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/v1/console/emails?') && r.request().method() === 'GET'),
      page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Emails' }).click(),
    ]);
    const api = (await answer.json()) as {
      emails: { email: string; sent: number; delivered: number; hardBounced: number; softBounced: number }[];
      sequences: { sequenceId: string; enrolled: number; completed: number }[];
    };
    const ebook = api.emails.find((e) => e.email === 'delivery#ebook')!;
    // Assess: the API counts what SES took and what its events said: every email sent and delivered, then one bounced
    expect(ebook).toMatchObject({ sent: readers.length, delivered: readers.length, hardBounced: 1, softBounced: 0 });
    const row = page.locator('tbody tr', { hasText: 'Delivery, form ebook' });
    await row.waitFor(); // (allTextContents does not wait for the page to render the answer)
    const pct = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      String(ebook.sent),
      `${ebook.delivered} ${pct.format(ebook.delivered / ebook.sent)}`,
      'not tracked',
      'not tracked',
      `1 / 0 ${pct.format(1 / ebook.sent)}`,
      '0 0%',
      '0 0%',
    ]);
    await expect(page.getByRole('note').textContent()).resolves.toContain('does not track opens or clicks');
    const nurture = api.sequences.find((s) => s.sequenceId === 'ebook-nurture')!;
    expect(nurture.enrolled).toBe(readers.length);
    await expect(page.locator('section[aria-labelledby="seq-ebook-nurture"] p').first().textContent()).resolves.toMatch(
      new RegExp(`^${nurture.enrolled} enrolled, ${nurture.completed} completed`),
    );
    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}console-emails.png`, fullPage: true });
    // The email: its preview, light and dark, rendered for the sample lead
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 2, name: 'Preview' }).waitFor();
    await expect(page.frameLocator('iframe[title="The email, light"]').locator('body').textContent()).resolves.toContain('Jane');
    expect(await page.locator('iframe.mail').count()).toBe(2);
    // The day's numbers, only days with any
    // (The numbers and the preview load apart: wait for the numbers' own table.)
    const daily = page.locator('table', { hasText: 'Each day with any' });
    await daily.waitFor();
    await expect(daily.locator('tbody tr').allTextContents()).resolves.toEqual([expect.stringMatching(/^[A-Z][a-z]{2} \d+, \d{4}3/)]);
    // (A full-page screenshot paints no srcdoc frame in headless Chromium: the window, scrolled to the frames.)
    await page.locator('.previews').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}console-email.png` });
    expect(await violations(page)).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { level: 2, name: 'Preview' }).waitFor();
    // A test to an address: sent through SES, marked, and counted nowhere
    await page.getByLabel('Send a test to').fill('mia.test@acme.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Sent “\[Test\] Your copy of .*” to mia\.test@acme\.com\.$/);
    await funnel.settle();
    await expect
      .poll(async () => (await funnel.ses.emails()).filter((e) => e.destination.to[0] === 'mia.test@acme.com').map((e) => e.subject))
      .toEqual([expect.stringMatching(/^\[Test\] Your copy of/)]);
    const again = await (await page.request.get(answer.url(), { headers: answer.request().headers() })).json();
    expect(again.emails.find((e: { email: string }) => e.email === 'delivery#ebook')).toMatchObject({ sent: ebook.sent, delivered: ebook.delivered });
    expect(errors).toEqual([]);
    await context.close();
    // On a phone, dark: the same page reads
    const phone = await signedIn('marketer', { viewport: PHONE, dark: true });
    await phone.page.goto(`${funnel.url}/console/emails?site=demo&email=${encodeURIComponent('delivery#ebook')}`);
    await phone.page.getByRole('heading', { level: 2, name: 'Preview' }).waitFor();
    expect(await violations(phone.page)).toEqual([]);
    await phone.page.screenshot({ path: `${ARTIFACTS}console-email-phone-dark.png`, fullPage: true });
    await phone.context.close();
  });

  it("marketer: deliverability puts the site's rates against SES's levels and finds the bounced address on the suppression list; only an admin removes it, audited", async () => {
    const { page, errors, context } = await signedIn('marketer');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Deliverability' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deliverability' }).waitFor();
    const bounces = page.locator('tbody tr', { hasText: 'Bounces' });
    // One hard bounce of the emails sent so far: well over SES's 10% pause level on a volume this small
    await expect(bounces.textContent()).resolves.toMatch(/^Bounces\d+(\.\d+)?%1 of \d+ sentover the pause level/);
    await expect(page.locator('main').textContent()).resolves.toContain('The local SES emulator');
    await page.getByRole('search').getByLabel('Address').fill('bounce@simulator.amazonses.com');
    await page.getByRole('button', { name: 'Search' }).click();
    const entry = page.locator('tbody tr', { hasText: 'bounce@simulator.amazonses.com' });
    await expect(entry.textContent()).resolves.toContain('bounced');
    await expect(entry.getByRole('button').count()).resolves.toBe(0);
    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}console-deliverability.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
    const admin = await signedIn('admin');
    await admin.page.goto(`${funnel.url}/console/deliverability`);
    await admin.page.getByRole('search').getByLabel('Address').fill('bounce@simulator.amazonses.com');
    await admin.page.getByRole('button', { name: 'Search' }).click();
    await admin.page.getByRole('button', { name: /Remove/ }).click();
    await expect.poll(() => admin.page.getByRole('status').textContent()).toContain('is off the suppression list');
    expect(funnel.sesEvents.suppressed.has('bounce@simulator.amazonses.com')).toBe(false);
    await admin.page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => admin.page.locator('tbody').textContent()).toContain('suppression.remove');
    await admin.context.close();
  });

  it('sales: no emails or deliverability pages (no link, and their routes refuse them)', async () => {
    const { page, context } = await signedIn('sales');
    for (const [name, path] of [
      ['Emails', 'emails'],
      ['Deliverability', 'deliverability'],
    ]) {
      await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).count()).resolves.toBe(0);
      await page.goto(`${funnel.url}/console/${path}`);
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Your roles do not allow this/);
    }
    await context.close();
  });

  it('sales: no forms page (no link, and its route refuses them)', async () => {
    const { page, context } = await signedIn('sales');
    await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Forms' }).count()).resolves.toBe(0);
    await page.goto(`${funnel.url}/console/forms`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Your roles do not allow this/);
    await context.close();
  });

  it('sales: the hand-off page shows each endpoint and destination’s health; a delivery HubSpot refused is sent again from its log', async () => {
    // Prepare: a test lead, its test event to the webhook endpoint and to HubSpot, which refuses the first.
    const auth = { authorization: `Bearer ${funnel.apiKey}`, 'content-type': 'application/json' };
    const test = aSubmission().withEmail('success+desk@simulator.amazonses.com').build();
    await fetch(`${funnel.url}/v1/forms/ebook/submissions`, { method: 'POST', headers: { ...auth, origin: funnel.url }, body: JSON.stringify(test) });
    await funnel.settle();
    const leadId = (await (await fetch(`${funnel.url}/v1/leads?email=success%2Bdesk%40simulator.amazonses.com`, { headers: auth })).json()).leadId as string;
    funnel.vendorMock!.answerNext('hubspot', {
      status: 400,
      body: { status: 'error', category: 'VALIDATION_ERROR', message: 'Property "funnel_score" does not exist', correlationId: crypto.randomUUID() },
    });
    for (const endpoint of ['crm', 'hubspot'])
      expect((await fetch(`${funnel.url}/v1/webhooks/test`, { method: 'POST', headers: auth, body: JSON.stringify({ lead: leadId, endpoint }) })).status).toBe(
        202,
      );
    await funnel.settle();
    const { page, errors, context } = await signedIn('sales');
    await page.getByRole('link', { name: 'Hand-off' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hand-off' }).waitFor();
    const row = (id: string) => page.locator('tbody tr', { has: page.getByRole('link', { name: id, exact: true }) });
    await expect(row('crm').textContent()).resolves.toMatch(/^crm \(Signed webhook;.*\)on100%.*noneSend a test event to crm$/);
    await expect(row('hubspot').textContent()).resolves.toMatch(
      /^hubspot \(HubSpot;.*\)on\d+%\d+0[1-9].*: 400: Property "funnel_score" does not existSend a test event to hubspot$/,
    );
    await expect(row('sales-channel').textContent()).resolves.toContain('–');
    await page.screenshot({ path: `${ARTIFACTS}console-handoff.png`, fullPage: true });
    await row('hubspot').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries: hubspot' }).waitFor();
    const newest = page.locator('tbody tr').first();
    await expect(newest.textContent()).resolves.toMatch(/webhook\.test.*failed/);
    await newest.getByRole('button', { name: /Send again/ }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/queued again/);
    await funnel.settle();
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator('tbody tr').first().textContent();
      })
      .toMatch(/webhook\.test.*delivered/);
    expect([...funnel.vendorMock!.hubspot.contacts.keys()]).toContain('success+desk@simulator.amazonses.com');
    // A test event from the desk: it needs the site's console test lead, and says how to make one
    await page.goto(`${funnel.url}/console/handoff`);
    await row('crm').getByRole('button', { name: 'Send a test event to crm' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`no test lead yet: submit any form of site "demo" once with the address ${CONSOLE_TEST_ADDRESS}`);
    const consoleLead = aSubmission().withEmail(CONSOLE_TEST_ADDRESS).build();
    await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(consoleLead),
    });
    await funnel.settle();
    await row('crm').getByRole('button', { name: 'Send a test event to crm' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^A test event \(msg_\S+\) is on its way to crm/);
    await funnel.settle();
    const received = funnel.inspector.received().filter((r) => r.leadEmail === CONSOLE_TEST_ADDRESS);
    expect(received.map((r) => [r.type, r.verification])).toEqual([['webhook.test', 'valid']]);
    // The one 400: the first test event, before the console test lead existed
    expect(errors).toEqual([expect.stringContaining('400')]);
    await context.close();
  });

  it('sales: claims a prospect from the unclaimed list, finds it under "Me", releases it; the timeline says who', async () => {
    const { page, errors, context } = await signedIn('sales');
    await page.getByRole('link', { name: 'Prospects' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    expect(new URL(page.url()).searchParams.get('owner')).toBe('unclaimed');
    // The seeded leads are not sales-ready: take one from the whole list instead (a reader, not one of the
    // test leads other tests made: those stay out of sales' lists).
    await openLeads(page);
    await page.getByRole('link', { name: 'Chen' }).click();
    await page.getByRole('button', { name: 'Claim for me' }).click();
    await page.getByRole('button', { name: 'Release' }).waitFor();
    const leadUrl = page.url();
    // The list follows the claim through the table stream: ask again until it has, each time once the page answered.
    await expect
      .poll(
        async () => {
          await page.goto(`${funnel.url}/console/leads?owner=me`);
          await page.locator('table.leads, .empty').first().waitFor();
          return page.locator('table.leads tbody tr').count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await page.goto(leadUrl);
    await page.getByRole('button', { name: 'Release' }).click();
    await page.getByRole('button', { name: 'Claim for me' }).waitFor();
    await expect.poll(() => page.locator('main').textContent()).toContain('Released by sales@funnel.local');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('viewer: no hand-off page (no link, and its route refuses them)', async () => {
    const { page, context } = await signedIn('viewer');
    await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Hand-off' }).count()).resolves.toBe(0);
    await page.goto(`${funnel.url}/console/handoff`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Your roles do not allow this/);
    await context.close();
  });

  it('admin: finds a lead, reads its consent text and timeline, exports it, and erases it after typing its address', async () => {
    // A lead of its own, so the others' tests keep theirs
    const body = aSubmission().withEmail('ben.okafor@globex.com').withField('firstName', 'Ben').build();
    await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(body),
    });
    await funnel.settle();
    const { page, errors, context } = await signedIn('admin');
    await openLeads(page);
    await page.getByRole('searchbox', { name: 'Search' }).fill('ben');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('table.leads tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Ben' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ben' }).waitFor();
    await expect(page.locator('blockquote').textContent()).resolves.toMatch(/\w{10,}/);
    await expect(page.locator('.timeline').textContent()).resolves.toContain('Submitted form ebook');
    await page.screenshot({ path: `${ARTIFACTS}console-lead.png`, fullPage: true });

    await page.getByRole('button', { name: 'Erase…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this lead for good?' });
    await expect(dialog.getByRole('button', { name: 'Erase' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type the lead’s email address to confirm').fill('BEN.OKAFOR@globex.com');
    await dialog.getByRole('button', { name: 'Erase' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    await page.locator('table.leads').waitFor();
    await expect(page.locator('table.leads').textContent()).resolves.not.toContain('ben.okafor');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.locator('tbody').textContent()).toContain('lead.erase');
    expect(errors).toEqual([]);
    await context.close();
  });

  it.each([
    [
      'admin',
      ['Overview', 'Forms', 'Emails', 'Deliverability', 'Leads', 'Prospects', 'Hand-off', 'Audit log', 'API keys', 'People'],
      ['Mark not a fit', 'Unsubscribe…', 'Export (JSON)', 'Erase…', 'Claim for me'],
    ],
    ['marketer', ['Overview', 'Forms', 'Emails', 'Deliverability', 'Leads', 'Hand-off'], ['Mark not a fit', 'Unsubscribe…']],
    ['sales', ['Leads', 'Prospects', 'Hand-off'], ['Claim for me', 'Mark not a fit']],
    ['viewer', ['Overview', 'Forms', 'Emails', 'Deliverability', 'Leads'], []],
  ] as const)('%s: sees the areas and actions its role allows, and no other', async (role, areas, actions) => {
    const { page, errors, context } = await signedIn(role);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await expect(nav.getByRole('link').allTextContents()).resolves.toEqual(areas);
    await openLeads(page);
    await page.locator('table.leads tbody tr').first().getByRole('link').click();
    await page.getByRole('group', { name: 'Actions' }).waitFor();
    const shown = await page.getByRole('group', { name: 'Actions' }).locator('button, a').allTextContents();
    expect(shown.sort()).toEqual([...actions].sort());
    // What the role may not open, it is told so by the API, not shown as data
    if (role !== 'admin') {
      await page.goto(`${funnel.url}/console/audit`);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Your roles do not allow this');
    }
    expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
    await context.close();
  });

  it('marketer: unsubscribes a lead at their request; the timeline names who, the audit log records it', async () => {
    const { page, context } = await signedIn('marketer');
    await openLeads(page);
    await page.getByRole('link', { name: 'Ana' }).click();
    await page.getByRole('button', { name: 'Unsubscribe…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.locator('.timeline').textContent()).toContain('Unsubscribed (console by marketer@funnel.local)');
    await expect(page.getByRole('button', { name: 'Unsubscribe…' }).count()).resolves.toBe(0);
    await context.close();
    const admin = await signedIn('admin');
    await admin.page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => admin.page.locator('tbody').textContent()).toContain('marketer@funnel.locallead.unsubscribe');
    await admin.context.close();
  });

  it('marketer: exports a list in one file, and one past 10,000 leads in the background, then downloads it by its link', async () => {
    const { page, context } = await signedIn('marketer');
    await openLeads(page);
    // A list past 10,000 leads, as the one-answer export tells the page (the seeded demo is shorter): the
    // answer's header is set on its way; the background export behind the button is the real one.
    await page.route(/\/v1\/console\/exports\/leads\.csv/, async (route) => {
      const answer = await route.fetch();
      await route.fulfill({ response: answer, headers: { ...answer.headers(), 'x-export-truncated': 'true' } });
    });
    const [oneFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export these leads (CSV)' }).click()]);
    expect(oneFile.suggestedFilename()).toBe('leads-demo.csv');
    await page.getByRole('button', { name: 'Export every matching lead in the background' }).click();
    const link = page.getByRole('link', { name: /^Download \d+ leads \(CSV\)$/ });
    await link.waitFor();
    const href = (await link.getAttribute('href'))!;
    const file = await fetch(href);
    expect(file.status).toBe(200);
    expect((await file.text()).split('\r\n')[0]).toBe('leadId,email,name,company,stage,score,createdAt,forms,source,medium,campaign,consent,claimedBy,notAFit');
    expect(await violations(page)).toEqual([]);
    await context.close();
  });

  it('admin: creates an API key (its secret shown once) that reads the API, then revokes it', async () => {
    const { page, context } = await signedIn('admin');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('What it is for').fill('Test CRM');
    await page.getByLabel('Demo Blog').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Key “Test CRM” created' }).waitFor();
    const secret = (await page.locator('code.secret').textContent())!;
    expect(secret).toMatch(/^fnl_/);
    const read = () => fetch(`${funnel.url}/v1/prospects`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    expect(await read()).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke Test CRM' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('tbody').textContent()).toContain('revoked');
    await context.close();
  });

  it('admin: adds a person in a role, who signs in with it; changes the role; removes them', async () => {
    const { page, context } = await signedIn('admin');
    await page.getByRole('link', { name: 'People' }).click();
    const add = page.getByRole('form', { name: 'Add a person' });
    await add.getByLabel('Email address').fill('rep@acme.com');
    await add.getByRole('checkbox', { name: /^sales/ }).check();
    await add.getByRole('button', { name: 'Add person' }).click();
    await expect.poll(() => page.getByRole('row', { name: /rep@acme\.com/ }).textContent()).toContain('invited, not signed in yet');
    const rep = await signedIn('rep@acme.com');
    await expect.poll(() => rep.page.getByRole('navigation', { name: 'Console' }).textContent()).toBe('LeadsProspectsHand-off');
    await rep.context.close();
    await page.reload();
    await page.getByRole('button', { name: 'Change the roles of rep@acme.com' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roles of rep@acme.com' });
    await dialog.getByRole('checkbox', { name: /^sales/ }).uncheck();
    await dialog.getByRole('checkbox', { name: /^marketer/ }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('row', { name: /rep@acme\.com/ }).textContent()).toContain('marketer');
    await page.getByRole('button', { name: 'Remove rep@acme.com' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.locator('tbody').textContent()).not.toContain('rep@acme.com');
    // Nobody may remove themselves: there is no button for it
    await expect(page.getByRole('button', { name: 'Remove admin@funnel.local' }).count()).resolves.toBe(0);
    await context.close();
  });

  it.each([
    ['desktop, light', DESKTOP, false],
    ['desktop, dark', DESKTOP, true],
    ['phone (375 px), light', PHONE, false],
    ['phone (375 px), dark', PHONE, true],
  ] as const)('every page has no WCAG 2.2 AA violation and no sideways scroll: %s', async (name, viewport, dark) => {
    const { page, context, errors } = await signedIn('admin', { viewport, dark });
    await openLeads(page);
    const leadHref = await page.locator('table.leads tbody tr').first().getByRole('link').getAttribute('href');
    for (const path of [
      '/console/',
      '/console/forms',
      '/console/forms/ebook',
      '/console/emails',
      `/console/emails?email=${encodeURIComponent('step#ebook-nurture#case-study')}`,
      '/console/deliverability',
      '/console/handoff',
      '/console/leads',
      leadHref!,
      '/console/audit',
      '/console/keys',
      '/console/people',
    ]) {
      await page.goto(`${funnel.url}${path}`);
      await page.locator('main h1').waitFor();
      // A page may load two things at once (an email's numbers and its preview): wait for both.
      await expect.poll(() => page.locator('.loading').count()).toBe(0);
      expect([path, await violations(page)]).toEqual([path, []]);
      // The page itself never scrolls sideways (wide tables scroll in their own box)
      const wide = await page.evaluate(() =>
        document.documentElement.scrollWidth <= window.innerWidth
          ? []
          : [...document.querySelectorAll('main *')]
              .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.parentElement?.closest('.scroll'))
              .map((e) => e.outerHTML.slice(0, 80)),
      );
      expect([path, wide]).toEqual([path, []]);
      if (path === '/console/' && viewport === PHONE)
        await page.screenshot({ path: `${ARTIFACTS}console-overview-phone-${dark ? 'dark' : 'light'}.png`, fullPage: true });
    }
    expect(errors).toEqual([]);
    await context.close();
    void name;
  });
});

describe('Console budget', () => {
  it(`first load at most ${FIRST_LOAD_GZIP_BUDGET_BYTES / 1024} KB gzipped (page, entry, style sheet), each area a chunk of its own`, async () => {
    const built = await buildConsole({ minify: true });
    expect(built.firstLoadGzipBytes).toBeLessThanOrEqual(FIRST_LOAD_GZIP_BUDGET_BYTES);
    expect(Object.keys(built.areaGzipBytes).sort()).toEqual([
      'audit',
      'deliverability',
      'emails',
      'forms',
      'handoff',
      'keys',
      'lead',
      'leads',
      'overview',
      'people',
    ]);
    // The chart library rides with the overview, not the first load
    expect(built.areaGzipBytes.overview).toBeGreaterThan(15_000);
  });
});
