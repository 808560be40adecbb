import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { freshTable } from '../support/dynamo.js';
import { launchBrowser, openPage } from './support.js';

/** Screenshots of the demo in each mode, kept as test artifacts (README's are copies). */
const ARTIFACTS = new URL('../../.data/artifacts/', import.meta.url).pathname;

/** WCAG 2.2 level A and AA, as axe-core tags its rules. */
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let browser: Browser;
let funnel: RunningFunnel;
beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  [browser, funnel] = await Promise.all([launchBrowser(), startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent' })]);
});
afterAll(async () => {
  await browser?.close();
  await funnel?.stop();
});

/** Every violation on the page, forms' shadow roots included, as `rule: element` lines. */
async function violations(page: Page): Promise<string[]> {
  const { violations: found } = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  return found.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? v.help})`));
}

// axe-core runs several times a test; on a loaded two-core machine (a CI run beside another) one took over 30 s.
describe('Accessibility: axe-core (WCAG 2.2 AA) in Chromium, on the demo blog the local funnel serves', { timeout: 120_000 }, () => {
  it.each(['/demo', '/demo/welcome', '/pricing', '/docs/getting-started'])('%s: no violation, its forms mounted', async (path) => {
    // Prepare
    const { page, errors } = await openPage(browser, `${funnel.url}${path}`);
    // The demo's inline ebook form; the pricing page's bar (three seconds after the page opened).
    if (path === '/demo') await expect.poll(() => page.locator('funnel-form').getByRole('button').count()).toBe(1);
    if (path === '/pricing') await page.getByRole('region', { name: 'Comparing plans? Get the pricing guide' }).waitFor();

    // Act
    const found = await violations(page);

    // Assess
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reaches inside the forms\u2019 shadow roots (an unlabelled input there is found)', async () => {
    // Prepare
    const { page } = await openPage(browser, `${funnel.url}/demo`);
    await expect.poll(() => page.locator('funnel-form').getByRole('button').count()).toBe(1);

    // Act
    await page.evaluate(() => document.querySelector('funnel-form')!.shadowRoot!.append(document.createElement('input')));

    // Assess
    expect((await violations(page)).some((v) => /^label: .*funnel-form/.test(v))).toBe(true);
  });

  it('the demo in every mode: the trial slid in, the newsletter popup opened, in light and dark: no violation', { timeout: 120_000 }, async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      // Prepare
      const { page, errors } = await openPage(browser, `${funnel.url}/demo`);
      await page.emulateMedia({ colorScheme });
      await page.locator('funnel-form').first().getByRole('button').waitFor();

      // Act: scroll halfway (the slide-in), then open the popup from the footer's button
      await page.locator('funnel-form').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}demo-inline-${colorScheme}.png` });
      await page.mouse.wheel(0, 4000);
      await page.getByRole('dialog', { name: 'Start your 14-day free trial' }).waitFor();
      await page.waitForTimeout(400); // its slide-in animation
      await page.screenshot({ path: `${ARTIFACTS}demo-slide-in-${colorScheme}.png` });
      const slideIn = await violations(page);
      await page.getByRole('button', { name: 'Get the weekly teardown' }).click();
      await page.getByRole('dialog', { name: 'Before you go: one funnel teardown a week' }).getByLabel('Email', { exact: true }).waitFor();
      await page.waitForTimeout(400);
      await page.screenshot({ path: `${ARTIFACTS}demo-popup-${colorScheme}.png` });
      const popup = await violations(page);
      const pricing = await page.context().newPage();
      await pricing.emulateMedia({ colorScheme });
      await pricing.goto(`${funnel.url}/pricing`);
      await pricing.getByRole('region', { name: 'Comparing plans? Get the pricing guide' }).waitFor();
      await pricing.waitForTimeout(400);
      await pricing.screenshot({ path: `${ARTIFACTS}demo-bar-${colorScheme}.png` });

      // Assess
      expect([colorScheme, ...slideIn]).toEqual([colorScheme]);
      expect([colorScheme, ...popup]).toEqual([colorScheme]);
      expect(await page.locator('funnel-form[scheme]').first().getAttribute('scheme')).toBe(colorScheme);
      expect(errors).toEqual([]);
    }
  });

  it('the ebook form showing its field errors, then its download link: no violation', async () => {
    // Prepare
    const { page } = await openPage(browser, `${funnel.url}/demo`);
    const form = page.locator('funnel-form').first();
    await form.getByRole('button').waitFor();

    // Act: submit empty (errors drawn and announced), then fill it in and submit
    await form.getByRole('button').click();
    await expect.poll(() => form.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');
    const withErrors = await violations(page);
    await form.getByLabel('Work email').fill(`a11y-${Date.now()}@acme.com`);
    await form.getByRole('button').click();
    await form.getByRole('link').first().waitFor();
    const done = await violations(page);

    // Assess
    expect(withErrors).toEqual([]);
    expect(done).toEqual([]);
  });
});
