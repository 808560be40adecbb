import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';
import { BROWSER_TIMEOUT_MS, CHROMIUM_ARGS, CHROMIUM_PATH } from './support.js';
import { chromium } from 'playwright-core';

/**
 * The demo blog on a 375 px phone, light and dark, as a visitor uses it: a slide-in or bar that opens by
 * itself is a compact strip (at most 35% of the screen: Google's guidance on intrusive interstitials) that
 * never sits over another form's controls and never opens while the visitor types; its button opens the
 * form over the whole screen, every control reachable; at most one floating form is open at a time.
 */
let funnel: RunningFunnel;
let browser: Browser;
const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true };
const ARTIFACTS = new URL('../../.data/artifacts/', import.meta.url).pathname;

beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  const config = testConfig((c) => {
    for (const f of c.sites[0]!.forms) f.minFillMs = 0;
  });
  [funnel, browser] = await Promise.all([
    startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, rawConfig: config, logLevel: 'silent' }),
    chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }),
  ]);
}, BROWSER_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await funnel?.stop();
});

const phone = async (colorScheme: 'light' | 'dark'): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({ ...PHONE, colorScheme });
  const page = await context.newPage();
  await page.goto(`${funnel.url}/demo`, { waitUntil: 'load' });
  await page.locator('funnel-form').first().getByRole('button', { name: 'Get the ebook' }).waitFor();
  return { context, page };
};

/** The rectangles of the inline forms' controls, on screen. */
const inlineControls = (page: Page) =>
  page
    .locator('funnel-form:not([mode])')
    .locator('input:not([name=hp]),select,button')
    .evaluateAll((els) =>
      els
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.bottom > 0 && r.top < innerHeight)
        .map((r) => ({ top: r.top, bottom: r.bottom })),
    );

describe('The demo on a 375 px phone', () => {
  for (const colorScheme of ['light', 'dark'] as const)
    it(`${colorScheme}: the trial slides in compact, over no form's controls; a tap opens the whole form, which is submitted`, {
      timeout: BROWSER_TIMEOUT_MS,
    }, async () => {
      // Prepare
      const { context, page } = await phone(colorScheme);
      const slideIn = page.locator('funnel-form[mode="slide-in"]');
      // Act: scroll down in steps, as a thumb does, until the trial's moment comes and it may open
      for (let y = 300; (await slideIn.count()) === 0 && y < 6000; y += 300) {
        await page.evaluate((to) => scrollTo(0, to), y);
        await page.waitForTimeout(250);
      }
      const panel = slideIn.locator('.slide-in');
      await panel.waitFor();
      // Assess: compact, and over no other form's controls
      const box = (await panel.boundingBox())!;
      expect(box.height).toBeLessThanOrEqual(740 * 0.15);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      for (const r of await inlineControls(page)) expect(r.bottom <= box.y || r.top >= box.y + box.height, JSON.stringify({ r, box })).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}phone-slide-in-${colorScheme}.png` });
      expect(await slideIn.getAttribute('scheme')).toBe(colorScheme);

      // Act: the visitor taps its button: the form takes the screen; a submit with nothing typed shows the errors
      await slideIn.getByRole('button', { name: 'Start free trial' }).tap();
      await slideIn.getByRole('button', { name: 'Start free trial' }).tap();
      await expect.poll(() => slideIn.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');
      await page.screenshot({ path: `${ARTIFACTS}phone-trial-errors-${colorScheme}.png` });
      // Assess: every control of the form inside the screen, with the errors shown
      const outside = await slideIn
        .locator('input:not([name=hp]),select,button')
        .evaluateAll(
          (els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth).length,
        );
      expect(outside).toBe(0);
      // Act + Assess: filled in and sent
      await slideIn.getByLabel(/^Work email/).fill(`phone-${colorScheme}@acme.com`);
      await slideIn.getByLabel(/^First name/).fill('Ada');
      await slideIn.getByLabel(/^Company$/).fill('Acme');
      await slideIn.getByRole('button', { name: 'Start free trial' }).tap();
      await slideIn.getByRole('link', { name: /continue/i }).waitFor();
      await context.close();
    });

  it('opens nothing by itself while the visitor types into a form, and one floating form at most', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    // Prepare: the visitor is typing into the ebook form
    const { context, page } = await phone('light');
    const email = page
      .locator('funnel-form')
      .first()
      .getByLabel(/^Work email/);
    await email.tap();
    await email.fill('reader@acme.com');
    // Act: the page scrolls past the trial's depth while the field has the focus
    await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(1500);
    // Assess: nothing opened; once the field lets go of the focus, the trial opens
    expect(await page.locator('funnel-form[mode]').count()).toBe(0);
    await email.blur();
    const slideIn = page.locator('funnel-form[mode="slide-in"]');
    await slideIn.waitFor({ state: 'attached' });
    // Act: the footer's button opens the newsletter popup
    await page.getByRole('button', { name: 'Get the weekly teardown' }).tap();
    await page.getByRole('dialog', { name: 'Before you go: one funnel teardown a week' }).waitFor();
    // Assess: the popup replaced the slide-in
    expect(await page.locator('funnel-form[mode]').count()).toBe(1);
    expect(await slideIn.count()).toBe(0);
    await context.close();
  });

  it('the pricing bar is a compact strip', { timeout: BROWSER_TIMEOUT_MS }, async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${funnel.url}/pricing`, { waitUntil: 'load' });
    const bar = page.locator('funnel-form[mode="bar"] .bar');
    await bar.waitFor();
    // A strip: well within the 35% the guidance allows (the full bar took a third of this screen)
    expect((await bar.boundingBox())!.height).toBeLessThanOrEqual(740 * 0.15);
    await page.screenshot({ path: `${ARTIFACTS}phone-bar.png` });
    await context.close();
  });
});
