import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Display } from '../../functions/core/presentation.js';
import { BROWSER_TIMEOUT_MS, blogPage, formFixtures, launchBrowser, openPage, startFakeApi, type FakeApi } from './support.js';

/** Screenshots of each mode, kept as test artifacts (not committed). */
const ARTIFACTS = new URL('../../.data/artifacts/', import.meta.url).pathname;

describe('Widget display modes in a real browser: popup, slide-in, bar, triggers, frequency cap', { timeout: BROWSER_TIMEOUT_MS }, () => {
  let browser: Browser;
  let api: FakeApi;
  const show = (display: Record<string, unknown>) => void (api.forms.ebook = { ...formFixtures().ebook!, display: Display.parse(display) });

  beforeAll(async () => {
    [browser, api] = await Promise.all([launchBrowser(), startFakeApi()]);
    api.setPage(
      '/post',
      blogPage({ forms: ['ebook'], after: '<button id="open" data-funnel-open="ebook">Get the ebook</button><div style="height:3000px"></div>' }),
    );
  }, BROWSER_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  beforeEach(() => {
    api.reset();
    api.forms.ebook = formFixtures().ebook!;
  });

  it('popup: opens on a click of data-funnel-open as a modal dialog; keyboard only: focus stays inside, Escape closes, focus returns', async () => {
    // Prepare
    show({ mode: 'popup' });
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/post`);
    await expect.poll(() => api.formGets.length).toBe(1);

    // Act: open it from the keyboard
    await page.locator('#open').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('funnel-form').getByRole('dialog');
    await dialog.waitFor();
    await page.screenshot({ path: `${ARTIFACTS}popup.png` });
    const outside: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      outside.push(await page.evaluate(() => (document.activeElement?.tagName === 'FUNNEL-FORM' ? '' : (document.activeElement?.tagName ?? ''))));
    }
    await page.keyboard.press('Escape');

    // Assess: Tab never left the dialog (the page behind is inert); Escape closed it and focus is back on the button
    expect(outside.filter((t) => t && t !== 'BODY' && t !== 'HTML')).toEqual([]);
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('open');
    await expect.poll(() => api.impressions.map((i) => i.impression.formId)).toEqual(['ebook']);
    expect(errors).toEqual([]);
  });

  it('popup after 1 second, at most once in 7 days: not again on reload; a click still opens it', async () => {
    // Prepare
    show({ mode: 'popup', trigger: { afterSeconds: 1 } });
    const { page } = await openPage(browser, `${api.pageOrigin}/post`);

    // Act
    const dialog = page.locator('funnel-form').getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await page.reload({ waitUntil: 'load' });
    await page.waitForTimeout(1500);
    const afterReload = await dialog.count();
    await page.locator('#open').click();

    // Assess
    expect(afterReload).toBe(0);
    await dialog.waitFor();
  });

  it('slide-in on scroll depth and a bottom bar: non-modal, labelled, closable, within a 280 px screen', async () => {
    for (const [display, role] of [
      [{ mode: 'slide-in', trigger: { scrollPercent: 30 } }, 'dialog'],
      [{ mode: 'bar', trigger: { afterSeconds: 0 } }, 'region'],
    ] as const) {
      // Prepare
      show(display);
      const { page, errors } = await openPage(browser, `${api.pageOrigin}/post`);
      await page.setViewportSize({ width: 280, height: 640 });
      await expect.poll(() => api.formGets.length).toBeGreaterThan(0);

      // Act
      await page.mouse.wheel(0, 1500);
      const panel = page.locator('funnel-form').getByRole(role, { name: 'Get the ebook: The Serverless Funnel Playbook' });
      await panel.waitFor();
      await page.screenshot({ path: `${ARTIFACTS}${display.mode}.png` });
      const width = await panel.evaluate((el) => el.getBoundingClientRect().right);
      await page.locator('funnel-form').getByRole('button', { name: 'Close' }).click();

      // Assess
      expect(width).toBeLessThanOrEqual(280);
      await expect.poll(() => panel.count()).toBe(0);
      expect(errors).toEqual([]);
      api.reset();
    }
  });

  it('window.funnel.unmount() removes every form and listener; scan() mounts afresh as a new page view', async () => {
    // Prepare
    const { page } = await openPage(browser, `${api.pageOrigin}/post`);
    await page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' }).waitFor();

    // Act
    await page.evaluate(() => window.funnel!.unmount());
    const afterUnmount = await page.locator('funnel-form').count();
    await page.evaluate(() => window.funnel!.scan());

    // Assess
    expect(afterUnmount).toBe(0);
    await expect.poll(() => page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' }).count()).toBe(1);
    expect(api.formGets).toEqual(['ebook', 'ebook']);
  });
});
