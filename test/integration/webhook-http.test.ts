import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookSender, isPrivateAddress } from '../../functions/adapters/webhooks/http-sender.js';
import { classifyResponse } from '../../functions/core/webhooks/retry.js';

/** A loopback receiver whose answer each test sets. */
let answer: (req: IncomingMessage, res: ServerResponse) => void;
const got: { headers: IncomingMessage['headers']; body: string }[] = [];
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const local = new HttpWebhookSender({ allowPrivateNetworks: true, allowHttp: 'localhost', timeoutMs: 300 });
const production = new HttpWebhookSender({ allowPrivateNetworks: false, allowHttp: 'never', timeoutMs: 300 });
const post = (sender: HttpWebhookSender, url: string) => sender.send({ url, headers: { 'webhook-id': 'msg_1' }, body: '{"type":"prospect.ready"}' });

describe('Adapter: HttpWebhookSender', () => {
  it('POSTs the exact body and headers and reports the status and latency', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    const outcome = await post(local, `${base}/hook`);
    expect(outcome).toMatchObject({ kind: 'response', status: 204 });
    expect(classifyResponse(outcome)).toBe('delivered');
    const last = got.at(-1)!;
    expect(last.body).toBe('{"type":"prospect.ready"}');
    expect(last.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1', 'user-agent': 'Funnel-Webhooks/1.0' });
  });

  it('reports 503 and 429 with Retry-After as retryable', async () => {
    answer = (_req, res) => res.writeHead(429, { 'retry-after': '120' }).end('slow down');
    const limited = await post(local, `${base}/hook`);
    expect(limited).toMatchObject({ kind: 'response', status: 429, retryAfter: '120', bodySnippet: 'slow down' });
    answer = (_req, res) => res.writeHead(503).end();
    expect(classifyResponse(await post(local, `${base}/hook`))).toBe('retry');
  });

  it('does not follow a redirect (a 3xx is the answer, and it is not retried)', async () => {
    answer = (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    const before = got.length;
    const outcome = await post(local, `${base}/hook`);
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(classifyResponse(outcome)).toBe('fail');
    expect(got.length).toBe(before + 1);
  });

  it('gives up after the timeout on a receiver that never answers', async () => {
    answer = () => undefined; // hangs
    const outcome = await post(local, `${base}/hook`);
    expect(outcome.kind).toBe('timeout');
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a refused connection as a network outcome, never a throw', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await post(local, `http://localhost:${port}/hook`)).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
  });

  it('in production refuses http and private, loopback and metadata addresses without connecting', async () => {
    const before = got.length;
    expect(await post(production, `${base}/hook`)).toMatchObject({ kind: 'network', code: 'EBADURL' });
    for (const url of ['https://127.0.0.1/hook', 'https://10.0.0.1/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest', 'https://192.168.1.10/x']) {
      expect(await post(production, url)).toMatchObject({ kind: 'network', code: 'EPRIVATEADDRESS' });
    }
    // A host name is checked on the address it resolves to (in the socket's own look-up: no rebinding window).
    expect(await post(production, 'https://localhost/hook')).toMatchObject({ kind: 'network', code: 'EPRIVATEADDRESS' });
    expect(await post(local, 'http://example.com/hook')).toMatchObject({ kind: 'network', code: 'EBADURL' });
    expect(await post(local, 'not a url')).toMatchObject({ kind: 'network', code: 'EBADURL' });
    expect(got.length).toBe(before);
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2606:4700::1111', false],
  ])('isPrivateAddress(%s) is %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});
