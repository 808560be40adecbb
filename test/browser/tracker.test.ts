import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trackingSnippetFor } from '../../scripts/snippet.js';
import { BROWSER_TIMEOUT_MS, blogPage, launchBrowser, openPage, startFakeApi, type FakeApi, type FakeResponse, type OpenedPage } from './support.js';

/** 128 random bits as four numbers: what the loader sends as a page view's eventId. */
const EVENT_ID = /^\d{1,10}(-\d{1,10}){3}$/;

describe('Widget: page-view tracker in a real browser', { timeout: BROWSER_TIMEOUT_MS }, () => {
  let browser: Browser;
  let api: FakeApi;
  /** Where the widget keeps the visitor token for this API. */
  let tokenKey: string;

  beforeAll(async () => {
    [browser, api] = await Promise.all([launchBrowser(), startFakeApi()]);
    tokenKey = `funnel:vt:${api.url}`;
    // The post with the form, and a link to the next page a reader would open.
    api.setPage('/post', blogPage({ forms: ['ebook'], title: 'A post', after: '<a id="next" href="/pricing">Pricing</a>' }));
    // A page without a form: only the tracking snippet, as `npm run snippet -- --track-only` prints it.
    api.setPage('/pricing', blogPage({ forms: [], after: trackingSnippetFor('{{API_URL}}'), title: 'Pricing' }));
    api.setPage('/about', blogPage({ forms: [], trackingSnippets: 1, title: 'About us' }));
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  beforeEach(() => api.reset());

  /** Open the post, submit the ebook form (with or without the consent box) and wait for the success panel. */
  async function submitOnPost(options: { consent: boolean; init?: () => void }): Promise<OpenedPage> {
    const opened = await openPage(browser, `${api.pageOrigin}/post`, options.init ? { init: options.init } : {});
    const form = opened.page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');
    if (options.consent) await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    await form.getByRole('link', { name: /Download/ }).waitFor();
    // Whatever the submission page would send has been sent once the network is idle.
    await opened.page.waitForLoadState('networkidle');
    return opened;
  }

  /** Follow the post's link to /pricing like a reader, and wait until every request the page made is answered. */
  async function readNextPage(page: Page) {
    await Promise.all([page.waitForURL('**/pricing', { waitUntil: 'networkidle' }), page.locator('#next').click()]);
  }

  /** Open another page in the same browser (same storage) and wait until its requests are answered. */
  const visit = (page: Page, path: string) => page.goto(`${api.pageOrigin}${path}`, { waitUntil: 'networkidle' });

  const storedToken = (page: Page) => page.evaluate((key) => localStorage.getItem(key), tokenKey);

  it('sends nothing for an anonymous visitor, on a page with a form or with the tracking snippet only', async () => {
    // Act
    const withForm = await openPage(browser, `${api.pageOrigin}/post`);
    await withForm.page.waitForLoadState('networkidle');
    const trackingOnly = await openPage(browser, `${api.pageOrigin}/pricing`);
    await trackingOnly.page.waitForLoadState('networkidle');

    // Assess: the bundle ran on both pages (its public API exists), the form-less snippet mounted no form
    expect(await withForm.page.evaluate(() => typeof window.funnel?.forget)).toBe('function');
    expect(await trackingOnly.page.evaluate(() => typeof window.funnel?.forget)).toBe('function');
    expect(await trackingOnly.page.locator('funnel-form').count()).toBe(0);
    expect(api.formGets).toEqual(['ebook']);
    expect(api.events).toEqual([]);
    expect([...withForm.errors, ...trackingOnly.errors]).toEqual([]);
  });

  it('after a consented submission, stores the token and sends one page view from the next page on', async () => {
    // Prepare
    const { page, errors } = await submitOnPost({ consent: true });
    const token = [...api.tokens][0];

    // Assess: the token is stored, and the page of the submission itself was not sent
    expect(token).toBeTruthy();
    expect(await storedToken(page)).toBe(token);
    expect(api.events).toEqual([]);

    // Act
    await readNextPage(page);

    // Assess
    expect(api.events).toHaveLength(1);
    const [event] = api.events;
    expect(event!.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(event!.body).toEqual({
      visitorToken: token,
      eventId: expect.stringMatching(EVENT_ID),
      type: 'page_viewed',
      url: `${api.pageOrigin}/pricing`,
      title: 'Pricing',
      referrer: `${api.pageOrigin}/post`,
    });
    // `recorded` keeps the token: the next page is tracked too, with a new eventId
    await visit(page, '/about');
    expect(api.events.map((e) => e.body.url)).toEqual([`${api.pageOrigin}/pricing`, `${api.pageOrigin}/about`]);
    expect(api.events[1]!.body.eventId).not.toBe(event!.body.eventId);
    expect(await storedToken(page)).toBe(token);
    expect(errors).toEqual([]);
  });

  it('without marketing consent there is no token, and the next page sends nothing', async () => {
    // Prepare
    const { page, errors } = await submitOnPost({ consent: false });

    // Act
    await readNextPage(page);

    // Assess
    expect(api.submissions[0]!.body.consent).toEqual({ marketing: false });
    expect(api.tokens.size).toBe(0);
    expect(await storedToken(page)).toBeNull();
    expect(api.events).toEqual([]);
    expect(errors).toEqual([]);
  });

  it.each<[string, FakeResponse]>([
    ['202 ignored (unsubscribed)', { status: 202, body: { status: 'ignored', reason: 'unsubscribed' } }],
    ['401 invalid_visitor_token', { status: 401, body: { error: { code: 'invalid_visitor_token', message: 'Invalid visitor token' } } }],
    ['404 unknown_lead', { status: 404, body: { error: { code: 'unknown_lead', message: 'No such lead' } } }],
  ])('forgets the token when the server answers %s, and stops sending', async (_, answer) => {
    // Prepare
    const { page } = await submitOnPost({ consent: true });
    api.respondToEventsWith(answer);

    // Act
    await readNextPage(page);
    await expect.poll(() => storedToken(page)).toBeNull();
    await visit(page, '/about');

    // Assess: only the page view that got the answer, no retry, nothing after
    expect(api.events).toHaveLength(1);
    expect(api.events[0]!.body.url).toBe(`${api.pageOrigin}/pricing`);
  });

  it('sends one page view per page load however many snippets the page has', async () => {
    // Prepare: a form and two tracking-only snippets, all for the same API
    api.setPage('/busy', blogPage({ forms: ['ebook', 'trial'], trackingSnippets: 2, title: 'Busy page' }));
    const { page, errors } = await submitOnPost({ consent: true });

    // Act
    await visit(page, '/busy');
    await page.locator('funnel-form').nth(1).getByRole('button', { name: 'Start free trial' }).waitFor();
    await page.waitForLoadState('networkidle');

    // Assess
    expect(api.events).toHaveLength(1);
    expect(api.events[0]!.body).toMatchObject({ url: `${api.pageOrigin}/busy`, title: 'Busy page' });

    // Act: a reload is a new page load
    await page.reload({ waitUntil: 'networkidle' });

    // Assess
    expect(api.events).toHaveLength(2);
    expect(api.events[1]!.body.eventId).not.toBe(api.events[0]!.body.eventId);
    expect(errors).toEqual([]);
  });

  it('retries once after a 503 with the same eventId', async () => {
    // Prepare
    const { page } = await submitOnPost({ consent: true });
    api.respondToEventsWith({ status: 503 });

    // Act
    await readNextPage(page);
    await expect.poll(() => api.events.length, { timeout: 10_000 }).toBe(2);

    // Assess: the retry is the same event, byte for byte; a 5xx does not drop the token
    expect(api.events[0]!.body.eventId).toMatch(EVENT_ID);
    expect(api.events[1]!.body).toEqual(api.events[0]!.body);
    expect(await storedToken(page)).toBe([...api.tokens][0]);
  });

  it('gives up quietly after one retry, and keeps the token for the next page', async () => {
    // Prepare: the widget's timers run only when the test says so
    const { page } = await submitOnPost({ consent: true });
    await page.clock.install();
    api.respondToEventsWith('network-error', { status: 503 });

    // Act
    await readNextPage(page);
    await page.clock.runFor(1_000);
    await expect.poll(() => api.events.length, { timeout: 10_000 }).toBe(2);
    await page.clock.runFor(60_000);
    await page.waitForLoadState('networkidle');

    // Assess
    expect(api.events).toHaveLength(2);
    expect(new Set(api.events.map((e) => e.body.eventId)).size).toBe(1);
    expect(await storedToken(page)).toBe([...api.tokens][0]);
  });

  it('respects Do Not Track: the token is kept but nothing is sent', async () => {
    // Prepare
    const { page } = await submitOnPost({ consent: true, init: () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }) });

    // Act
    await readNextPage(page);

    // Assess
    expect(await storedToken(page)).toBe([...api.tokens][0]);
    expect(api.events).toEqual([]);
  });

  it('window.funnel.forget() drops the token, for a privacy page', async () => {
    // Prepare
    const { page } = await submitOnPost({ consent: true });

    // Act
    await page.evaluate(() => window.funnel!.forget());
    await readNextPage(page);

    // Assess
    expect(await storedToken(page)).toBeNull();
    expect(api.events).toEqual([]);
  });

  it('works quietly when localStorage is blocked: the form still submits and nothing is tracked', async () => {
    // Prepare: storage access throws, as with blocked cookies
    const blocked = () =>
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });

    // Act
    const { page, errors } = await submitOnPost({ consent: true, init: blocked });
    await readNextPage(page);

    // Assess
    expect(api.tokens.size).toBe(1);
    expect(api.events).toEqual([]);
    expect(errors).toEqual([]);
  });
});
