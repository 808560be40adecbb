import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { CACHE_CONTROL, INLINE_GZIP_BUDGET_BYTES } from '../../widget/build.js';
import { emailKey } from '../../functions/core/email.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { aSubmission, testConfig } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

let funnel: RunningFunnel;
beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent' });
});
afterAll(() => funnel?.stop());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: funnel.url, ...headers },
    body: JSON.stringify(body),
  });

describe('Local runtime: the same handlers behind a Node HTTP server', () => {
  it('answers /health once up', async () => {
    const res = await fetch(`${funnel.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('hands out links that follow the URL it runs at (the shipped config, on a port that is not 3000)', async () => {
    // Prepare
    expect(new URL(funnel.url).port).not.toBe('3000');
    const email = 'links-follow@acme.com';
    // Act
    const ebook = await (await post(aSubmission().withEmail(email).build())).json();
    const trial = await (
      await fetch(`${funnel.url}/v1/forms/trial/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify({ ...aSubmission().build(), fields: { email: 'links-trial@acme.com', firstName: 'Lin', company: 'Acme' } }),
      })
    ).json();
    await funnel.settle();
    const delivery = (await funnel.ses.emails()).find((e) => e.destination.to.includes(email))!;
    // Assess: the download, the trial's "Continue", the delivery email's link and the nurture step's pricing link
    expect(ebook.next.url).toBe(`${funnel.url}/demo/assets/serverless-funnel-playbook.pdf`);
    expect(trial.next.url).toBe(`${funnel.url}/demo/welcome`);
    expect(delivery.body.html).toContain(`href="${funnel.url}/demo/assets/serverless-funnel-playbook.pdf"`);
    expect(delivery.body.text).toContain(`${funnel.url}/v1/unsubscribe?token=`);
    const steps = funnel.deps.config.findForm('ebook')!.form.email!.sequence!.steps;
    expect(steps.find((s) => s.id === 'case-study')!.html).toContain(`href="${funnel.url}/pricing"`);
    // And nothing anywhere in the running config still points at the default port.
    expect(JSON.stringify(funnel.deps.config.config)).not.toContain('localhost:3000');
  });

  it('captures a lead over HTTP and reads it back with the dev API key', async () => {
    const created = await post(aSubmission().withEmail('http-jane@acme.com').build(), { 'user-agent': 'Mozilla/5.0 (runtime test)' });
    expect(created.status).toBe(202);
    expect(created.headers.get('access-control-allow-origin')).toBe(funnel.url);
    expect(await created.json()).not.toHaveProperty('leadId');
    const { leadId } = (await funnel.deps.leads.findByEmail('demo', emailKey('http-jane@acme.com')))!;
    const read = await fetch(`${funnel.url}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${funnel.apiKey}` } });
    expect(read.status).toBe(200);
    // The submission, and, when the stream consumer was quicker than this read, the stage change it scored.
    const lead = await read.json();
    expect(lead).toMatchObject({ leadId, email: 'http-jane@acme.com' });
    expect(lead.timeline[0]).toMatchObject({ type: 'form_submitted', userAgent: 'Mozilla/5.0 (runtime test)', formId: 'ebook' });
    expect(lead.timeline.slice(1).map((e: { type: string }) => e.type)).toEqual(lead.timeline.length > 1 ? ['stage_changed'] : []);
    const byEmail = await fetch(`${funnel.url}/v1/leads?email=${encodeURIComponent('HTTP-JANE@acme.com')}`, {
      headers: { authorization: `Bearer ${funnel.apiKey}` },
    });
    expect((await byEmail.json()).leadId).toBe(leadId);
    const noKey = await fetch(`${funnel.url}/v1/leads/${leadId}`);
    expect(noKey.status).toBe(401);
  });

  it('answers a CORS pre-flight for an allowed origin only', async () => {
    const ok = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'OPTIONS',
      headers: { origin: funnel.url, 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(funnel.url);
    const evil = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a foreign origin, an unknown route and a wrong method with JSON errors', async () => {
    expect((await post(aSubmission().build(), { origin: 'https://evil.example' })).status).toBe(403);
    const missing = await fetch(`${funnel.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    expect((await fetch(`${funnel.url}/v1/forms/ebook`, { method: 'DELETE' })).status).toBe(405);
  });

  it('serves the OpenAPI document, the widget and the demo page with the API URL filled in', async () => {
    expect((await (await fetch(`${funnel.url}/v1/openapi.json`)).json()).openapi).toBe('3.1.0');
    // The widget as the CDN serves it: the loader (five minutes), which names the form's code (a year).
    const entry = await fetch(`${funnel.url}/widget.js`);
    expect(entry.headers.get('content-type')).toMatch(/javascript/);
    expect(entry.headers.get('cache-control')).toBe(CACHE_CONTROL.entry);
    const modulePath = /"(chunks\/form-[A-Z0-9]+\.js)"/.exec(await entry.text())![1]!;
    // Compressed on the wire, as a browser asks: brotli, within the gzip budget, readable by a cross-origin import().
    const onTheWire = await rawGet(`${funnel.url}/${modulePath}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(onTheWire.headers).toMatchObject({ 'content-encoding': 'br', 'cache-control': CACHE_CONTROL.chunk, 'access-control-allow-origin': '*' });
    expect(onTheWire.body.length).toBeLessThanOrEqual(INLINE_GZIP_BUDGET_BYTES);
    expect(brotliDecompressSync(onTheWire.body).toString()).toContain('funnel-form');
    expect((await fetch(`${funnel.url}/chunks/form-NOPE.js`)).status).toBe(404);
    const demo = await (await fetch(`${funnel.url}/demo`)).text();
    expect(demo).toContain(`src="${funnel.url}/widget.js"`);
    expect(demo).toContain('data-funnel-form="ebook"');
    expect(demo).toContain('data-funnel-form="trial"');
    expect(demo).toContain('data-funnel-form="newsletter"');
    expect(await (await fetch(`${funnel.url}/pricing`)).text()).toContain('data-funnel-form="pricing-guide"');
    expect(demo).not.toContain('{{API_URL}}');
    expect((await fetch(`${funnel.url}/demo/..%2f..%2fpackage.json`)).status).toBe(404);
    // A page at a path the demo scoring rules watch, with the tracking-only snippet (no form).
    for (const page of ['/docs/getting-started']) {
      const html = await (await fetch(`${funnel.url}${page}`)).text();
      expect(html).toContain(`<script async src="${funnel.url}/widget.js" data-funnel-api="${funnel.url}"></script>`);
      expect(html).not.toContain('data-funnel-form');
    }
  });

  it('refuses to start on an invalid config, naming the bad path, before starting anything', async () => {
    const bad = testConfig((c) => (c.sites[0]!.forms[1]!.fields[0]!.label = ''));
    await expect(startFunnel({ port: 0, dynamoEndpoint: 'http://127.0.0.1:1', rawConfig: bad, logLevel: 'silent' })).rejects.toThrow(
      /sites\[id=demo\]\.forms\[id=trial\]\.fields\[0\]\.label/,
    );
  });

  it('says clearly when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startFunnel({ port, dynamoEndpoint: 'http://127.0.0.1:1', logLevel: 'silent' })).rejects.toThrow(`Port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});

/** A GET whose body is returned as sent (fetch would decompress it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', fail)
      .end();
  });
}

describe('Local runtime: a function out of time', () => {
  it('answers 503 with Retry-After, as API Gateway does, and the submission is stored once', { timeout: 60_000 }, async () => {
    // Prepare: a runtime whose API functions get 1 ms (a burst on a busy machine, compressed)
    const { endpoint, tableName } = await freshTable();
    const slow = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, logLevel: 'silent', functionTimeoutMs: 1, dueCheckIntervalMs: 0 });
    try {
      const body = aSubmission().withEmail('timed-out@acme.com').build();
      // Act
      const res = await fetch(`${slow.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: slow.url },
        body: JSON.stringify(body),
      });
      // Assess
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await res.json()).error.code).toBe('unavailable');
      // The handler went on after the 503 (as a Lambda would until its own timeout): the lead is whole.
      const submitted = async () =>
        (await slow.deps.leads.findByEmail('demo', emailKey('timed-out@acme.com')))?.timeline.filter((e) => e.type === 'form_submitted') ?? [];
      for (const deadline = Date.now() + 5000; (await submitted()).length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      expect(await submitted()).toHaveLength(1);
    } finally {
      await slow.stop();
    }
  });

  it('gives every local page and file the API’s headers (CSP, X-Frame-Options, nosniff), and listens on loopback only', async () => {
    // Act: the demo pages, a demo file, the webhook inspector (page and JSON), the mail viewer, a 404
    const urls = [
      `${funnel.url}/demo`,
      `${funnel.url}/pricing`,
      `${funnel.url}/demo/assets/serverless-funnel-playbook.pdf`,
      `${funnel.url}/demo/nope.html`,
      `${funnel.url}/webhooks`,
      `${funnel.url}/webhooks.json`,
      funnel.ses.viewerUrl,
    ];
    const answers = await Promise.all(urls.map(async (url) => ({ url, res: await fetch(url) })));
    // Assess
    for (const { url, res } of answers) {
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), url).toBe('DENY');
      expect(res.headers.get('content-security-policy'), url).toContain("frame-ancestors 'none'");
    }
    // A demo page runs only the funnel's own scripts, and its inline styles by hash
    const page = answers[0]!.res.headers.get('content-security-policy')!;
    expect(page).toContain(`script-src 'self' ${funnel.url}`);
    expect(page).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    // Loopback only: the funnel, its mail viewer (and DynamoDB Local, checked by npm start's test)
    for (const url of [funnel.url, funnel.ses.viewerUrl]) {
      const { port } = new URL(url);
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      const reached = await new Promise<string>((ok) => {
        const socket = connect({ host: outside?.address ?? '127.0.0.2', port: Number(port) });
        // A firewall that drops the packets answers nothing: that is not being reached either.
        const done = (outcome: string) => {
          socket.destroy();
          ok(outcome);
        };
        socket.setTimeout(2_000, () => done('timed out'));
        socket.once('connect', () => done('connected')).once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
      });
      expect(reached, `${url} from ${outside?.address ?? '127.0.0.2'}`).not.toBe('connected');
    }
  });
});
