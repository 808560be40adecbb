import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Display } from '../../functions/core/presentation.js';
import { BROWSER_TIMEOUT_MS, SERVER_TIME, blogPage, formFixtures, launchBrowser, openPage, startFakeApi, type FakeApi } from './support.js';

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

  it('popup: filled in and submitted with the keyboard alone, then closed with Escape', async () => {
    // Prepare
    show({ mode: 'popup' });
    const { page } = await openPage(browser, `${api.pageOrigin}/post`);
    await expect.poll(() => api.formGets.length).toBe(1);
    await page.waitForTimeout(1600); // a human's pace: faster than the form's minimum fill time reads as a bot

    // Act: open it, type (the dialog focused its first field), Tab to the button, Enter
    await page.locator('#open').focus();
    await page.keyboard.press('Enter');
    await page.locator('funnel-form').getByRole('dialog').waitFor();
    await page.keyboard.type('keys.only@acme.com');
    for (let i = 0; i < 8; i++) {
      const name = await page.evaluate(() => document.querySelector('funnel-form')!.shadowRoot!.activeElement?.textContent);
      if (name === 'Get the ebook') break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page
      .locator('funnel-form')
      .getByRole('link', { name: /download/i })
      .waitFor();
    await page.keyboard.press('Escape');

    // Assess
    expect(api.submissions.map((s) => (s.body as { fields: { email: string } }).fields.email)).toEqual(['keys.only@acme.com']);
    await expect.poll(() => page.locator('funnel-form').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('open');
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

  it('a popup opened by a click is not opened again by its trigger; an excluded path (trailing slash or not) arms nothing', async () => {
    // Prepare
    show({ mode: 'popup', trigger: { afterSeconds: 1 }, cap: { days: 0 } });
    // The page's clock stands still until the test moves it: the trigger cannot fire before the click, however
    // slow the machine (under load it did, and its popup covered the button).
    const context = await browser.newContext();
    await context.clock.install({ time: SERVER_TIME });
    await context.clock.pauseAt(SERVER_TIME + 1000);
    const page = await context.newPage();
    await page.goto(`${api.pageOrigin}/post`, { waitUntil: 'load' });
    await expect.poll(() => api.formGets.length).toBe(1);

    // Act: open it at once by the button, close it, then move the clock past the trigger
    await page.locator('#open').click();
    const dialog = page.locator('funnel-form').getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.clock.runFor(3000);
    const reopened = await dialog.count();
    await page.clock.resume();
    show({ mode: 'popup', trigger: { afterSeconds: 0 }, cap: { days: 0, excludePaths: ['/post/'] } });
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => api.formGets.length).toBe(2);
    await page.waitForTimeout(500);

    // Assess
    expect(reopened).toBe(0);
    expect(await dialog.count()).toBe(0);
  });

  it('a popup under a strict Content-Security-Policy: its frames module loads, its styles apply, nothing is refused', async () => {
    // Prepare: scripts and calls from the widget's origin only, no style at all, no inline script
    show({ mode: 'popup', trigger: { afterSeconds: 0 }, cap: { days: 0 } });
    const csp = `default-src 'none'; script-src ${api.url}; connect-src ${api.url}; style-src 'none'; img-src 'none'; base-uri 'none'`;
    api.setPage('/strict', blogPage({ forms: ['ebook'] }).replace(/<style>.*?<\/style>/s, ''), { 'content-security-policy': csp });

    // Act
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/strict`);
    const dialog = page.locator('funnel-form').getByRole('dialog');
    await dialog.waitFor();

    // Assess: the close button is positioned by the frames' own constructed stylesheet
    expect(await page.locator('funnel-form .x').evaluate((b) => getComputedStyle(b).position)).toBe('absolute');
    expect(errors).toEqual([]);
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

  it('loads what a page needs only: the loader alone for tracking or a capped popup, the form code for an inline form, and for a popup its frames and triggers too, on idle before it opens', async () => {
    // Prepare: a popup that opens after a minute (not during this test), an inline trial, a tracking-only page
    show({ mode: 'popup', trigger: { afterSeconds: 60 } });
    api.setPage('/tracking', blogPage({ forms: [], trackingSnippets: 1 }));
    api.setPage('/inline', blogPage({ forms: ['trial'] }));
    const scripts = async (path: string, init?: () => void) => {
      const { page } = await openPage(browser, `${api.pageOrigin}${path}`, { ...(init && { init }) });
      // Long enough for the idle fetch of a popup's modules (within two seconds) to have begun.
      await page.waitForTimeout(2500);
      const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      const opened = await page.locator('funnel-form').getByRole('dialog').count();
      return [
        ...loaded
          .filter((p) => p.endsWith('.js'))
          .map((p) => p.replace(/-[A-Z0-9]{8}\.js$/, '.js'))
          .sort(),
        ...(opened ? ['opened'] : []),
      ];
    };

    // Act
    const tracking = await scripts('/tracking');
    const inline = await scripts('/inline');
    const popup = await scripts('/post');
    const capped = await scripts('/post', () => localStorage.setItem('funnel:seen:ebook', `${Date.now()}`));

    // Assess
    expect(tracking).toEqual(['/widget.js']);
    expect(inline).toEqual(['/chunks/form.js', '/widget.js']);
    expect(popup).toEqual(['/chunks/float.js', '/chunks/form.js', '/widget.js']);
    expect(capped).toEqual(['/widget.js']);
  });

  it('a trigger fires once: when the form’s code cannot be fetched, scrolling on does not fetch it again and again, and nothing is capped or counted', async () => {
    // Prepare: a popup at half the page scrolled, every fetch of the form's code fails
    show({ mode: 'popup', trigger: { scrollPercent: 50 }, cap: { days: 7 } });
    const context = await browser.newContext();
    let fetches = 0;
    await context.route(/\/chunks\/form-/, (route) => ((fetches += 1), route.abort()));
    const page = await context.newPage();
    await page.goto(`${api.pageOrigin}/post`, { waitUntil: 'load' });
    await expect.poll(() => fetches).toBe(1); // fetched ahead while idle

    // Act: scroll past the depth, step by step
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 100), await page.waitForTimeout(30);
    await page.waitForTimeout(500);

    // Assess: once ahead, once when the trigger fired, never again; no cap started, nothing counted or left
    expect(fetches).toBe(2);
    expect(await page.evaluate(() => localStorage.getItem('funnel:seen:ebook'))).toBeNull();
    expect(await page.locator('funnel-form').count()).toBe(0);
    expect(api.impressions).toEqual([]);
    await context.close();
  });

  it('a popup whose frames cannot be fetched is neither drawn, counted nor capped; the next click opens it', async () => {
    // Prepare: the frames module fails until released
    show({ mode: 'popup' });
    const context = await browser.newContext();
    let fail = true;
    await context.route(/\/chunks\/float-/, (route) => (fail ? route.abort() : route.continue()));
    const page = await context.newPage();
    await page.goto(`${api.pageOrigin}/post`, { waitUntil: 'load' });
    await expect.poll(() => api.formGets.length).toBe(1);

    // Act
    await page.click('#open');
    await page.waitForTimeout(800);
    const failed = {
      hosts: await page.locator('funnel-form').count(),
      seen: await page.evaluate(() => localStorage.getItem('funnel:seen:ebook')),
      impressions: api.impressions.length,
    };
    fail = false;
    await page.click('#open');

    // Assess
    expect(failed).toEqual({ hosts: 0, seen: null, impressions: 0 });
    await page.locator('funnel-form').getByRole('dialog').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('funnel:seen:ebook'))).not.toBeNull();
    await expect.poll(() => api.impressions.length).toBe(1);
    await context.close();
  });

  it('an element hosting the form, unmounted and scanned again while the form’s code loads, shows the new page view’s form', async () => {
    // Prepare: the form's code held back until released
    api.setPage(
      '/host',
      '<!doctype html><html><body><div id="h" data-funnel-form="ebook" data-funnel-api="{{API_URL}}"></div><script async src="{{API_URL}}/widget.js"></script></body></html>',
    );
    const context = await browser.newContext();
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    await context.route(/\/chunks\/form-/, async (route) => (await held, route.continue()));
    const page = await context.newPage();
    await page.goto(`${api.pageOrigin}/host`, { waitUntil: 'load' });
    await expect.poll(() => api.formGets.length).toBe(1);

    // Act: a single-page app's navigation while the code is on its way
    await page.evaluate(() => (window.funnel!.unmount(), window.funnel!.scan()));
    await expect.poll(() => api.formGets.length).toBe(2);
    release();

    // Assess: the new page view's form stays (the old one neither draws into the host nor wipes it)
    const forms = () => page.evaluate(() => document.getElementById('h')!.shadowRoot?.querySelectorAll('form').length ?? 0);
    await expect.poll(forms).toBe(1);
    await page.waitForTimeout(500);
    expect(await forms()).toBe(1);
    await expect.poll(() => api.impressions.length).toBe(1);
    await context.close();
  });

  it('a known visitor’s popup asks for the known fields while its frames load, not after', async () => {
    // Prepare: a popup with progressive profiling for a browser holding a token; the frames held back
    api.forms.ebook = {
      ...formFixtures().ebook!,
      display: Display.parse({ mode: 'popup' }),
      progressive: [{ name: 'country', label: 'Country', required: false, type: 'text', autocomplete: 'country', maxLength: 2 }],
    };
    api.tokens.add('vt.popup');
    api.known['vt.popup'] = ['firstName'];
    const context = await browser.newContext();
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    let askedWhileHeld = false;
    let holding = false;
    await context.route(/\/chunks\/float-/, async (route) => ((holding = true), await held, (holding = false), route.continue()));
    await context.route(/\/known$/, (route) => ((askedWhileHeld = holding), route.continue()));
    const page = await context.newPage();
    await page.goto(`${api.pageOrigin}/post`, { waitUntil: 'load' });
    await page.evaluate((origin) => localStorage.setItem(`funnel:vt:${origin}`, 'vt.popup'), api.url);

    // Act: open it by a click, then let the frames through a moment later
    await page.click('#open');
    await page.waitForTimeout(700);
    release();

    // Assess: the known fields were asked while the frames were held; the popup shows the next field
    await page.locator('funnel-form').getByRole('dialog').waitFor();
    expect(askedWhileHeld).toBe(true);
    expect(await page.locator('funnel-form').getByLabel('Country').count()).toBe(1);
    await context.close();
  });

  it('window.funnel.unmount() removes every form and its triggers; scan() mounts afresh as a new page view', async () => {
    // Prepare: a visitor with a token, a form and a tracking-only snippet, and a slide-in armed to open after 2 s
    api.tokens.add('vt.spa');
    api.forms.trial = { ...formFixtures().trial!, display: Display.parse({ mode: 'slide-in', trigger: { afterSeconds: 2 }, cap: { days: 0 } }) };
    api.setPage('/spa', blogPage({ forms: ['ebook', 'trial'], trackingSnippets: 1 }));
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/spa`);
    await page.evaluate((origin) => localStorage.setItem(`funnel:vt:${origin}`, 'vt.spa'), api.url);
    await page.reload({ waitUntil: 'load' });
    await page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' }).waitFor();
    await expect.poll(() => api.events.length).toBe(1);
    const marked = await page.evaluate(() => document.querySelectorAll('[data-funnel-mounted]').length);

    // Act: unmount before the slide-in's time comes
    await page.evaluate(() => window.funnel!.unmount());
    const afterUnmount = await page.locator('funnel-form').count();
    await page.waitForTimeout(2500);
    const afterItsTime = await page.locator('funnel-form').count();
    await page.evaluate(() => window.funnel!.scan());

    // Assess: nothing left, nothing opened later; the page's own elements never carried a mark of the widget; the
    // scan is a new page view: the form is fetched and the page view tracked again (one snippet tracks per API)
    expect([afterUnmount, afterItsTime]).toEqual([0, 0]);
    expect(marked).toBe(0);
    await expect.poll(() => page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' }).count()).toBe(1);
    await expect.poll(() => api.events.length).toBe(2);
    expect(api.formGets.filter((f) => f === 'ebook')).toEqual(['ebook', 'ebook', 'ebook']);
    expect(errors).toEqual([]);
  });
});

describe('Widget presentation in a real browser: theme, strings, motion, profiling, impressions', { timeout: BROWSER_TIMEOUT_MS }, () => {
  let browser: Browser;
  let api: FakeApi;

  beforeAll(async () => {
    [browser, api] = await Promise.all([launchBrowser(), startFakeApi()]);
    api.setPage('/post', blogPage({ forms: ['ebook'] }));
  }, BROWSER_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  beforeEach(() => {
    api.reset();
    api.forms.ebook = formFixtures().ebook!;
  });

  it('takes colours and radius from the config (the page’s own --funnel-* properties win) and every string from it', async () => {
    // Prepare
    api.forms.ebook = {
      ...formFixtures().ebook!,
      theme: { accent: '#0f766e', radius: 3, scheme: 'light' },
      strings: { ...formFixtures().ebook!.strings, optional: '(facultatif)' },
    };
    api.setPage('/themed', blogPage({ forms: ['ebook'], css: 'funnel-form { --funnel-radius: 20px }' }));

    // Act
    const { page } = await openPage(browser, `${api.pageOrigin}/themed`);
    const button = page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' });
    await button.waitFor();

    // Assess: the config's accent, the page's radius over the config's, the config's string
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(15, 118, 110)');
    expect(await page.locator('funnel-form form').evaluate((f) => getComputedStyle(f).borderTopLeftRadius)).toBe('20px');
    expect(await page.locator('funnel-form').getByText('(facultatif)').count()).toBe(3);
  });

  it('follows the page: a light page without a dark mode keeps a light form on a dark OS, a dark one gets a dark form, with the page’s accent', async () => {
    // Prepare: a page that declares no colour scheme, white, then dark, with its own accent
    const accent = 'funnel-form{--funnel-accent:#b45309}';
    api.setPage('/white', blogPage({ forms: ['ebook'], css: accent }));
    api.setPage('/night', blogPage({ forms: ['ebook'], css: `body{background:#10131a;color:#eee}${accent}` }));
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    const host = page.locator('funnel-form');
    const button = host.getByRole('button', { name: 'Get the ebook' });
    // Act + Assess
    await page.goto(`${api.pageOrigin}/white`, { waitUntil: 'load' });
    await button.waitFor();
    expect(await host.getAttribute('scheme')).toBe('light');
    await page.goto(`${api.pageOrigin}/night`, { waitUntil: 'load' });
    await button.waitFor();
    expect(await host.getAttribute('scheme')).toBe('dark');
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(180, 83, 9)');
    await context.close();
  });

  it('follows the visitor’s colour scheme as it changes on a page that has both (scheme auto); a fixed scheme stays', async () => {
    // Prepare
    api.setPage('/both', blogPage({ forms: ['ebook'], css: ':root{color-scheme:light dark}' }));
    const { page } = await openPage(browser, `${api.pageOrigin}/both`);
    const host = page.locator('funnel-form');
    await host.getByRole('button', { name: 'Get the ebook' }).waitFor();
    const background = () => host.locator('form').evaluate((f) => getComputedStyle(f).backgroundColor);
    const light = await background();

    // Act
    await page.emulateMedia({ colorScheme: 'dark' });

    // Assess: the attribute and the palette follow at once, without a reload
    await expect.poll(() => host.getAttribute('scheme')).toBe('dark');
    expect(await background()).not.toBe(light);
    api.forms.ebook = { ...formFixtures().ebook!, theme: { scheme: 'light' } };
    await page.reload({ waitUntil: 'load' });
    await host.getByRole('button', { name: 'Get the ebook' }).waitFor();
    expect(await host.getAttribute('scheme')).toBe('light');
  });

  it('moves nothing for a visitor who asked for reduced motion; slides in for the others', async () => {
    // Prepare
    api.forms.ebook = { ...formFixtures().ebook!, display: Display.parse({ mode: 'slide-in', trigger: { afterSeconds: 0 }, cap: { days: 0 } }) };
    const animations = async (reducedMotion: 'reduce' | 'no-preference') => {
      const { page } = await openPage(browser, `${api.pageOrigin}/post`);
      await page.emulateMedia({ reducedMotion });
      await page.reload({ waitUntil: 'load' });
      await page.locator('funnel-form').getByRole('dialog').waitFor();
      return page.locator('funnel-form .slide-in').evaluate((el) => getComputedStyle(el).animationName);
    };

    // Act + Assess
    expect(await animations('reduce')).toBe('none');
    expect(await animations('no-preference')).not.toBe('none');
  });

  it('opens on exit intent: the pointer leaving through the top of the window', async () => {
    // Prepare
    api.forms.ebook = { ...formFixtures().ebook!, display: Display.parse({ mode: 'popup', trigger: { exitIntent: true } }) };
    const { page } = await openPage(browser, `${api.pageOrigin}/post`);
    await expect.poll(() => api.formGets.length).toBe(1);
    await page.waitForTimeout(300);

    // Act: the pointer moves within the page (nothing), then out through the top
    await page.mouse.move(200, 300);
    await page.mouse.move(200, 100);
    const before = await page.locator('funnel-form').count();
    await page.mouse.move(200, -10);

    // Assess
    expect(before).toBe(0);
    await page.locator('funnel-form').getByRole('dialog').waitFor();
  });

  it('progressive profiling: a known visitor is asked the next fields instead of those the lead gave', async () => {
    // Prepare: the browser holds a visitor token whose lead gave a first name and a company
    api.forms.ebook = {
      ...formFixtures().ebook!,
      progressive: [
        { name: 'companySize', label: 'Company size', required: false, type: 'select', autocomplete: 'off', options: ['1-10', '11-50'] },
        { name: 'country', label: 'Country', required: false, type: 'text', autocomplete: 'country', maxLength: 2 },
      ],
    };
    api.tokens.add('vt.known');
    api.known['vt.known'] = ['firstName', 'company'];

    // Act
    const { page } = await openPage(browser, `${api.pageOrigin}/post`, {
      init: () => localStorage.setItem(`funnel:vt:${location.origin.replace(/:\d+$/, '')}`, 'x'),
    });
    await page.evaluate((origin) => localStorage.setItem(`funnel:vt:${origin}`, 'vt.known'), api.url);
    await page.reload({ waitUntil: 'load' });
    await page.locator('funnel-form').getByRole('button', { name: 'Get the ebook' }).waitFor();
    const names = await page.evaluate(() =>
      [...document.querySelector('funnel-form')!.shadowRoot!.querySelectorAll('[name]')].map((e) => e.getAttribute('name')),
    );

    // Assess: email and job title stay; first name and company became company size and country
    expect(names).toEqual(['email', 'companySize', 'country', 'jobTitle', 'consent', 'hp']);
  });

  it('counts an inline form once it is on screen, not before: one impression per page view, by sendBeacon', async () => {
    // Prepare: the form far below the fold
    api.setPage('/below', blogPage({ forms: ['ebook'], before: '<div style="height:3000px"></div>' }));
    const { page } = await openPage(browser, `${api.pageOrigin}/below?utm_campaign=spring&utm_source=news&email=a@b.c`);
    await expect.poll(() => api.formGets.length).toBe(1);

    // Act: hide the page (flushes the beacon) before and after scrolling to the form
    const hide = () => page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.waitForTimeout(500);
    await hide();
    await page.waitForTimeout(300);
    // Only this page's: an earlier test's page may still send its own beacon.
    const mine = () => api.impressions.filter((i) => i.impression.page === '/below');
    const before = mine().length;
    await page.locator('funnel-form').scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 200);
    await page.waitForTimeout(300);
    await page.locator('funnel-form').scrollIntoViewIfNeeded();

    // Assess: nothing personal (no query, no email), the campaign and source, text/plain (no pre-flight)
    expect(before).toBe(0);
    await expect.poll(() => mine().map((i) => i.impression)).toEqual([{ formId: 'ebook', page: '/below', campaign: 'spring', source: 'news' }]);
    expect(mine()[0]!.contentType).toMatch(/^text\/plain/);
  });
});
