import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BROWSER_TIMEOUT_MS, SERVER_TIME, blogPage, launchBrowser, openPage, startFakeApi, type FakeApi } from './support.js';

/** 128 random bits as four numbers: the widget's submission ids. */
const CLIENT_ID = /^\d{1,10}(-\d{1,10}){3}$/;

/** Wait until the fake API has received `n` submissions. */
async function submissions(api: FakeApi, n: number) {
  await expect.poll(() => api.submissions.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(n);
  return api.submissions.map((s) => s.body);
}

describe('Widget: embedded form in a real browser', { timeout: BROWSER_TIMEOUT_MS }, () => {
  let browser: Browser;
  let api: FakeApi;

  beforeAll(async () => {
    [browser, api] = await Promise.all([launchBrowser(), startFakeApi()]);
    api.setPage('/post', blogPage({ forms: ['ebook'], before: '<a id="before" href="#top">Top</a>' }));
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  beforeEach(() => api.reset());

  /** Open the blog post and wait for the ebook form to render. */
  async function openPost(path = '/post', options: { referer?: string } = {}): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser, `${api.pageOrigin}${path}`, options);
    await opened.page.locator('funnel-form').first().getByRole('button', { name: 'Get the ebook' }).waitFor();
    return opened;
  }

  it('renders inside an open shadow root, after its script tag, with a label for every control', async () => {
    // Prepare
    const { page, errors } = await openPost();

    // Act
    const dom = await page.evaluate(() => {
      const host = document.querySelector('funnel-form')!;
      const root = host.shadowRoot!;
      const controls = [...root.querySelectorAll<HTMLInputElement>('input:not([name=hp]), select')];
      const hp = root.querySelector<HTMLInputElement>('input[name=hp]')!;
      const box = hp.getBoundingClientRect();
      return {
        afterScript: host.previousElementSibling?.matches('script[data-funnel-form=ebook]'),
        mode: root.mode,
        lightInputs: document.querySelectorAll('input').length,
        title: root.querySelector('h2')?.textContent,
        labels: controls.map((c) => ({
          name: c.name,
          label: root.querySelector(`label[for="${c.id}"]`)?.textContent ?? null,
          required: c.required,
          type: c.type,
        })),
        consent: root.querySelector('label[for=f-consent]')?.textContent,
        hp: {
          tabIndex: hp.tabIndex,
          autocomplete: hp.autocomplete,
          ariaHidden: hp.getAttribute('aria-hidden'),
          offscreen: box.right <= 0 || box.left < -1000,
          value: hp.value,
        },
        button: root.querySelector('button[type=submit]')?.textContent,
      };
    });

    // Assess
    expect(dom.afterScript).toBe(true);
    expect(dom.mode).toBe('open');
    expect(dom.lightInputs).toBe(0);
    expect(dom.title).toBe('Get the ebook: The Serverless Funnel Playbook');
    expect(dom.labels.map((l) => l.name)).toEqual(['email', 'firstName', 'company', 'jobTitle', 'consent']);
    for (const l of dom.labels) expect(l.label, l.name).toBeTruthy();
    expect(dom.labels[0]).toMatchObject({ label: 'Work email', required: true, type: 'email' });
    expect(dom.consent).toBe(api.forms.ebook!.consent!.marketing.text);
    expect(dom.hp).toEqual({ tabIndex: -1, autocomplete: 'off', ariaHidden: 'true', offscreen: true, value: '' });
    expect(dom.button).toBe('Get the ebook');
    await expect(page.getByLabel('Work email').getAttribute('autocomplete')).resolves.toBe('email');
    expect(errors).toEqual([]);
  });

  it('keeps the blog CSS out of the widget and the widget CSS out of the blog', async () => {
    // Prepare: a page whose CSS tries hard to restyle everything
    const hostile = `* { color: rgb(255, 0, 0) !important; font-family: serif !important; }
      button { background: rgb(0, 255, 0) !important; font-size: 40px !important; }
      input { border: 5px dashed rgb(255, 0, 0) !important; } label { text-transform: uppercase !important; }`;
    api.setPage(
      '/hostile',
      blogPage({
        forms: ['ebook'],
        css: hostile,
        after: '<button id="blog-btn">Blog</button><p class="w d e b">Blog text</p><label id="blog-label">Blog label</label>',
      }),
    );
    const { page } = await openPost('/hostile');

    // Act
    const styles = await page.evaluate(() => {
      const root = document.querySelector('funnel-form')!.shadowRoot!;
      const cs = (el: Element | null) => getComputedStyle(el!);
      const button = cs(root.querySelector('button'));
      const title = cs(root.querySelector('h2'));
      const input = cs(root.querySelector('input[name=email]'));
      const label = cs(root.querySelector('label'));
      const blogBtn = cs(document.getElementById('blog-btn'));
      const blogText = cs(document.querySelector('p.w'));
      return {
        widget: {
          buttonColor: button.color,
          buttonBg: button.backgroundColor,
          buttonSize: button.fontSize,
          titleColor: title.color,
          titleFont: title.fontFamily,
          inputBorder: input.borderTopStyle,
          labelCase: label.textTransform,
        },
        blog: {
          buttonBg: blogBtn.backgroundColor,
          buttonSize: blogBtn.fontSize,
          textPadding: blogText.paddingTop,
          textColor: blogText.color,
          textDisplay: blogText.display,
        },
      };
    });

    // Assess
    expect(styles.widget.buttonColor).toBe('rgb(255, 255, 255)');
    expect(styles.widget.buttonBg).toBe('rgb(37, 99, 235)');
    expect(styles.widget.buttonSize).toBe('16px');
    expect(styles.widget.titleColor).toBe('rgb(29, 35, 48)');
    expect(styles.widget.titleFont).not.toBe('serif');
    expect(styles.widget.inputBorder).toBe('solid');
    expect(styles.widget.labelCase).toBe('none');
    expect(styles.blog).toEqual({ buttonBg: 'rgb(0, 255, 0)', buttonSize: '40px', textPadding: '0px', textColor: 'rgb(255, 0, 0)', textDisplay: 'block' });
  });

  it('can be filled and submitted with the keyboard alone, and moves focus to the success panel', async () => {
    // Prepare
    const { page } = await openPost();
    await page.focus('#before');
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement?.shadowRoot?.activeElement as HTMLInputElement | null | undefined;
        return a ? `${a.tagName.toLowerCase()}:${a.name || a.getAttribute('role') || a.type}` : document.activeElement?.tagName.toLowerCase();
      });

    // Act
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:email');
    await page.keyboard.type('ada@example.com');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:firstName');
    await page.keyboard.type('Ada');
    await page.keyboard.press('Tab'); // company
    await page.keyboard.press('Tab'); // job title
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:consent');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('button:submit'); // the honeypot is skipped
    await page.keyboard.press('Enter');

    // Assess
    const [body] = await submissions(api, 1);
    expect(body.fields).toEqual({ email: 'ada@example.com', firstName: 'Ada' });
    expect(body.consent).toEqual({ marketing: true });
    await expect.poll(focused).toBe('div:status');
  });

  it('shows and announces a field error from a 400 answer', async () => {
    // Prepare
    api.respondWith({
      status: 400,
      body: { error: { code: 'validation_failed', message: 'Invalid fields.email', fields: { 'fields.email': 'must be a valid email address' } } },
    });
    const { page } = await openPost();
    const form = page.locator('funnel-form');

    // Act
    await form.getByLabel('Work email').fill('ada@example.com');
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    const email = form.getByLabel('Work email');
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await email.getAttribute('aria-describedby');
    expect(await form.locator(`#${describedBy}`).textContent()).toBe('Work email must be a valid email address.');
    expect(await form.getByRole('alert').textContent()).toMatch(/correct the highlighted/i);
    await expect
      .poll(() => page.evaluate(() => (document.querySelector('funnel-form')!.shadowRoot!.activeElement as HTMLInputElement | null)?.name))
      .toBe('email');
    expect(api.submissions).toHaveLength(1);
    // "Highlighted" is true: the invalid field is drawn in the error colour, the others keep the neutral border.
    const borderOf = (name: string) =>
      page.evaluate((n) => {
        const input = document.querySelector('funnel-form')!.shadowRoot!.querySelector<HTMLInputElement>(`input[name="${n}"]`)!;
        const style = getComputedStyle(input);
        return { color: style.borderTopColor, shadow: style.boxShadow };
      }, name);
    expect(await borderOf('email')).toEqual({ color: 'rgb(180, 35, 24)', shadow: 'rgb(180, 35, 24) 0px 0px 0px 1px inset' });
    expect(await borderOf('firstName')).toEqual({ color: 'rgb(196, 201, 212)', shadow: 'none' });
  });

  it('starts a new submission id when the visitor corrects the form after a 400', async () => {
    // Prepare
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example');
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    await expect.poll(() => form.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');

    // Act
    await form.getByLabel('Work email').fill('ada@example.com');
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    await form.getByRole('link', { name: /Download/ }).waitFor();
    const [first, second] = api.submissions.map((s) => s.body);
    expect(api.submissions).toHaveLength(2);
    expect(second.submissionId).toMatch(CLIENT_ID);
    expect(second.submissionId).not.toBe(first.submissionId);
  });

  it('checks required fields in the browser before sending anything', async () => {
    // Prepare
    const { page } = await openPost();
    const form = page.locator('funnel-form');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    await expect.poll(() => form.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('alert').textContent()).not.toBe('');
    expect(api.submissions).toHaveLength(0);
  });

  it("checks fields in the config's words, not the browser's, and clears a message as soon as its field is right", async () => {
    // Prepare: the config's strings (here German), a required consent box
    const ebook = api.forms.ebook!;
    ebook.strings = { ...ebook.strings, required: '{label} fehlt.', email: '{label}: keine E-Mail-Adresse.', accept: 'Bitte ankreuzen.' };
    ebook.consent = { marketing: { text: 'Ja, bitte.', version: '1', required: true } };
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    const email = form.getByLabel('Work email');
    const messageOf = async (control: typeof email) => form.locator(`#${await control.getAttribute('aria-describedby')}`).textContent();

    // Act + Assess: nothing typed
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    expect(await messageOf(email)).toBe('Work email fehlt.');
    expect(await messageOf(form.getByRole('checkbox'))).toBe('Bitte ankreuzen.');
    // Not an address: the config's message, not the browser's
    await email.fill('not-an-address');
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    expect(await messageOf(email)).toBe('Work email: keine E-Mail-Adresse.');
    // Right now: the message goes at once, before any submit; the box's stays until it is ticked
    await email.fill('ada@example.com');
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    expect(await form.getByRole('alert').textContent()).not.toBe('');
    await form.getByRole('checkbox').check();
    expect(await form.getByRole('checkbox').getAttribute('aria-invalid')).toBeNull();
    expect(await form.getByRole('alert').textContent()).toBe('');
    expect(api.submissions).toHaveLength(0);
  });

  it('shows the download link and the server message after a successful submission', async () => {
    // Prepare
    const { page } = await openPost();
    const form = page.locator('funnel-form');

    // Act
    await form.getByLabel('Work email').fill('grace@example.com');
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    const link = form.getByRole('link', { name: /Download/ });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`${api.pageOrigin}/demo/assets/serverless-funnel-playbook.pdf`);
    expect(await link.textContent()).toBe('Download “The Serverless Funnel Playbook”');
    expect(await form.getByRole('status').textContent()).toContain('Thanks! Your ebook is ready.');
  });

  it('sends one submission id for a double click and for automatic retries after a 503', async () => {
    // Prepare
    api.respondWith({ status: 503 });
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).dblclick();
    await form.getByRole('link', { name: /Download/ }).waitFor();

    // Assess: the 503 and its retry, nothing from the second click
    const bodies = api.submissions.map((s) => s.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0].submissionId).toMatch(CLIENT_ID);
    expect(bodies[1].submissionId).toBe(bodies[0].submissionId);
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it('tells the visitor the network is down, and a manual retry reuses the same submission id', async () => {
    // Prepare: the first try and both automatic retries lose their connection
    api.respondWith('network-error', 'network-error', 'network-error');
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/reach the server/);
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    await form.getByRole('link', { name: /Download/ }).waitFor();
    const ids = new Set(api.submissions.map((s) => s.body.submissionId));
    expect(api.submissions.length).toBeGreaterThanOrEqual(4);
    expect(ids.size).toBe(1);
  });

  it('shows a rate-limit message on 429', async () => {
    // Prepare
    api.respondWith({ status: 429, body: { error: { code: 'rate_limited', message: 'Too many requests' } } });
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/Too many attempts, please wait a minute/);
    expect(api.submissions).toHaveLength(1);
  });

  it('adds the Age of a form definition a CDN kept to its serverTime, so the bot timer stays true for a cached copy', async () => {
    // Prepare: the CDN kept the definition 45 s
    api.formAgeSeconds = 45;
    const { page } = await openPost('/post');
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');
    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();
    // Assess
    const [body] = await submissions(api, 1);
    expect(body.startedAt).toBeGreaterThanOrEqual(SERVER_TIME + 45_000);
    expect(body.startedAt).toBeLessThan(SERVER_TIME + 55_000);
  });

  it('posts the page context (with the browser time zone), an empty honeypot and startedAt in server time', async () => {
    // Prepare
    const path = '/post?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_term=&x=1';
    const { page } = await openPost(path, { referer: 'http://news.example.com/item?id=42' });
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');
    await form.getByLabel('Job title').fill('CTO');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    const [body] = await submissions(api, 1);
    const referrer = await page.evaluate(() => document.referrer);
    expect(referrer).toMatch(/^http:\/\/news\.example\.com\//);
    expect(Object.keys(body).sort()).toEqual(['consent', 'context', 'fields', 'hp', 'startedAt', 'submissionId']);
    expect(body.context).toEqual({
      pageUrl: `${api.pageOrigin}${path}`,
      referrer,
      utm: { source: 'newsletter', medium: 'email', campaign: 'launch' },
      timeZone: 'Europe/Berlin',
    });
    expect(body.fields).toEqual({ email: 'ada@example.com', jobTitle: 'CTO' });
    expect(body.consent).toEqual({ marketing: false });
    expect(body.hp).toBe('');
    // The browser's clock says "now"; the server said 2020. startedAt follows the server.
    expect(Number.isInteger(body.startedAt)).toBe(true);
    expect(body.startedAt).toBeGreaterThanOrEqual(SERVER_TIME);
    expect(body.startedAt).toBeLessThan(SERVER_TIME + 10_000);
    const request = api.submissions[0]!;
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers.origin).toBe(api.pageOrigin);
  });

  it('omits the referrer when there is none', async () => {
    // Prepare
    const { page } = await openPost();
    const form = page.locator('funnel-form');
    await form.getByLabel('Work email').fill('ada@example.com');

    // Act
    await form.getByRole('button', { name: 'Get the ebook' }).click();

    // Assess
    const [body] = await submissions(api, 1);
    expect(body.context).toEqual({ pageUrl: `${api.pageOrigin}/post`, timeZone: 'Europe/Berlin' });
  });

  it('mounts one form per snippet, also when the same snippet is pasted twice', async () => {
    // Prepare
    api.setPage('/three', blogPage({ forms: ['ebook', 'trial', 'ebook'] }));

    // Act
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/three`);
    await expect.poll(() => page.locator('funnel-form').getByRole('button').count()).toBe(3);

    // Assess
    const mounted = await page.evaluate(() =>
      [...document.querySelectorAll('script[data-funnel-form]')].map((s) => ({
        script: (s as HTMLElement).dataset.funnelForm,
        title: s.nextElementSibling?.shadowRoot?.querySelector('h2')?.textContent,
      })),
    );
    expect(mounted).toEqual([
      { script: 'ebook', title: 'Get the ebook: The Serverless Funnel Playbook' },
      { script: 'trial', title: 'Start your 14-day free trial' },
      { script: 'ebook', title: 'Get the ebook: The Serverless Funnel Playbook' },
    ]);
    expect(await page.locator('funnel-form').count()).toBe(3);
    expect(api.formGets.sort()).toEqual(['ebook', 'ebook', 'trial']);
    expect(errors).toEqual([]);
  });

  it('mounts a snippet inserted after the widget ran (a tag manager, a single-page app\u2019s next view)', async () => {
    // Prepare
    api.setPage('/late', blogPage({ forms: ['ebook'] }));
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/late`);
    await expect.poll(() => page.locator('funnel-form').getByRole('button').count(), { timeout: 10_000 }).toBe(1);

    // Act: a new view inserts the trial snippet as a script element
    await page.evaluate((apiUrl) => {
      const s = document.createElement('script');
      s.src = `${apiUrl}/widget.js`;
      s.async = true;
      s.dataset.funnelForm = 'trial';
      s.dataset.funnelApi = apiUrl;
      document.querySelector('main')!.append(s);
    }, api.url);

    // Assess: mounted once each, the module fetched once
    await expect.poll(() => page.locator('funnel-form').getByRole('button').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('funnel-form').count()).toBe(2);
    expect(api.formGets.sort()).toEqual(['ebook', 'trial']);
    expect(errors).toEqual([]);
  });

  it('works under a strict Content-Security-Policy: no inline script or style, scripts and calls only from the widget\u2019s origin', async () => {
    // Prepare: the page allows scripts and requests from the widget's origin only, and no style at all
    const csp = `default-src 'none'; script-src ${api.url}; connect-src ${api.url}; style-src 'none'; img-src 'none'; base-uri 'none'`;
    api.setPage('/strict', blogPage({ forms: ['ebook'] }).replace(/<style>.*?<\/style>/s, ''), { 'content-security-policy': csp });

    // Act
    const { page, context, errors } = await openPage(browser, `${api.pageOrigin}/strict`);
    const form = page.locator('funnel-form');
    await form.getByRole('button').waitFor();

    // Assess: rendered, styled by its constructed stylesheet (which style-src does not govern), nothing refused
    const radius = await form.getByRole('button').evaluate((b) => getComputedStyle(b).borderTopLeftRadius);
    expect(radius).not.toBe('0px');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits a 280 px wide screen: nothing wider than the page', async () => {
    // Prepare
    api.setPage('/narrow', blogPage({ forms: ['trial'] }));
    const context = await browser.newContext({ viewport: { width: 280, height: 800 } });
    const page = await context.newPage();

    // Act
    await page.goto(`${api.pageOrigin}/narrow`);
    await page.locator('funnel-form').getByRole('button').waitFor();
    const widths = await page.evaluate(() => {
      const root = document.querySelector('funnel-form')!.shadowRoot!;
      return {
        page: document.documentElement.scrollWidth,
        widest: Math.max(...[...root.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)),
      };
    });

    // Assess
    expect(widths.page).toBeLessThanOrEqual(280);
    expect(widths.widest).toBeLessThanOrEqual(280);
    await context.close();
  });

  it('lays itself out right to left on a right-to-left page', async () => {
    // Prepare
    api.setPage('/rtl', blogPage({ forms: ['ebook'] }).replace('<html lang="en">', '<html lang="ar" dir="rtl">'));
    const { page } = await openPage(browser, `${api.pageOrigin}/rtl`);
    const form = page.locator('funnel-form');
    await form.getByRole('button').waitFor();

    // Act
    const layout = await page.evaluate(() => {
      const root = document.querySelector('funnel-form')!.shadowRoot!;
      const input = root.querySelector('input[type=email]')!;
      const label = root.querySelector(`label[for="${input.id}"]`)!;
      const box = root.querySelector('form')!.getBoundingClientRect();
      return { direction: getComputedStyle(input).direction, labelRight: label.getBoundingClientRect().right, formRight: box.right };
    });

    // Assess: the fields run right to left, labels start at the right edge
    expect(layout.direction).toBe('rtl');
    expect(layout.formRight - layout.labelRight).toBeLessThan(40);
  });

  it('the demo blog mounts the ebook and the trial forms, and the trial form links to the welcome page', async () => {
    // Prepare
    const { page, errors } = await openPage(browser, `${api.pageOrigin}/demo`);
    const trial = page.locator('funnel-form').nth(1);
    await trial.getByRole('button', { name: 'Start free trial' }).waitFor();
    expect(await page.locator('funnel-form').count()).toBe(2);

    // Act
    await trial.getByLabel('Work email').fill('ada@example.com');
    await trial.getByLabel('First name').fill('Ada');
    await trial.getByLabel('Company', { exact: true }).fill('Analytical Engines');
    await trial.getByLabel('Company size').selectOption('11-50');
    await trial.getByRole('button', { name: 'Start free trial' }).click();

    // Assess
    const link = trial.getByRole('link', { name: 'Continue' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`${api.pageOrigin}/demo/welcome`);
    expect(api.submissions[0]!.body.fields).toEqual({ email: 'ada@example.com', firstName: 'Ada', company: 'Analytical Engines', companySize: '11-50' });
    await link.click();
    await page.waitForURL(`${api.pageOrigin}/demo/welcome`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your trial is ready');
    const pdf = await page.request.get(`${api.pageOrigin}/demo/assets/serverless-funnel-playbook.pdf`);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(errors).toEqual([]);
  });
});
