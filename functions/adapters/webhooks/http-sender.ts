import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { WebhookOutcome } from '../../core/ports.js';

export interface HttpWebhookSenderOptions {
  /** Allow private, loopback and link-local addresses (a laptop). Never on AWS: SSRF. */
  allowPrivateNetworks: boolean;
  /** `localhost`: http to localhost only (the local runtime); `never`: https only. */
  allowHttp: 'never' | 'localhost';
  /** The whole request, connect to last byte. @default 10000 */
  timeoutMs?: number;
}

const LOCALHOSTS = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * POSTs webhooks with node:http(s): a 10 s total timeout, redirects never followed (a 3xx is just an
 * answer), the response body drained and capped. SSRF: in production only https, and every address a
 * host name resolves to is checked inside the socket's own look-up, so the address checked is the one
 * connected to (no DNS-rebinding window). It never throws: what happened is the outcome.
 */
export class HttpWebhookSender {
  constructor(private readonly options: HttpWebhookSenderOptions) {}

  // Long by design: the checks (scheme, host, resolved address, redirect, timeout, body cap) read in the order a request meets them.
  send(request: { url: string; headers: Record<string, string>; body: string }): Promise<WebhookOutcome> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve({ kind: 'network', code: 'EBADURL', message: 'not a URL', latencyMs: 0 });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const httpOk = url.protocol === 'http:' && this.options.allowHttp === 'localhost' && LOCALHOSTS.has(host);
    if (url.protocol !== 'https:' && !httpOk)
      return Promise.resolve({ kind: 'network', code: 'EBADURL', message: `${url.protocol} is not allowed`, latencyMs: 0 });
    if (!this.options.allowPrivateNetworks && isIP(host) && isPrivateAddress(host)) {
      return Promise.resolve({ kind: 'network', code: 'EPRIVATEADDRESS', message: `${host} is a private address`, latencyMs: 0 });
    }
    const lookup: LookupFunction | undefined = this.options.allowPrivateNetworks
      ? undefined
      : (hostname, opts, callback) =>
          dnsLookup(hostname, { ...opts, all: true }, (error, addresses: LookupAddress[]) => {
            if (error) return callback(error, '', 4);
            const bad = addresses.find((a) => isPrivateAddress(a.address));
            if (bad) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATEADDRESS' }), '', 4);
            if ((opts as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
            const first = addresses[0]!;
            callback(null, first.address, first.family);
          });
    return new Promise<WebhookOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: WebhookOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Funnel-Webhooks/1.0',
            'content-length': String(Buffer.byteLength(request.body)),
            ...request.headers,
          },
          ...(lookup && { lookup }),
        },
        (res) => {
          let snippet = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (snippet.length < 200) snippet += chunk.slice(0, 200 - snippet.length);
          });
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            done({
              kind: 'response',
              status: res.statusCode ?? 0,
              latencyMs: elapsed(),
              ...(typeof retryAfter === 'string' && { retryAfter }),
              ...(snippet && { bodySnippet: snippet }),
            });
          });
          res.on('error', (e) => done({ kind: 'network', code: (e as NodeJS.ErrnoException).code ?? 'ERESPONSE', message: e.message, latencyMs: elapsed() }));
        },
      );
      const timer = setTimeout(() => {
        done({ kind: 'timeout', latencyMs: elapsed() });
        req.destroy();
      }, this.options.timeoutMs ?? 10_000);
      req.on('error', (e) =>
        done({
          kind: 'network',
          ...((e as NodeJS.ErrnoException).code && { code: (e as NodeJS.ErrnoException).code }),
          message: e.message,
          latencyMs: elapsed(),
        }),
      );
      req.end(request.body);
    });
  }
}

/**
 * Whether an IP address is one a webhook must never reach in production: loopback, private, link-local
 * (including the instance metadata service), CGNAT, multicast, unspecified, and their IPv6 forms.
 * @example isPrivateAddress('169.254.169.254') // true
 */
export function isPrivateAddress(ip: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = v4mapped ? v4mapped[1]! : ip;
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  const lower = address.toLowerCase();
  return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || /^ff/.test(lower);
}
