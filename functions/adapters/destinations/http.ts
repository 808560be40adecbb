/** One call to a vendor's API. */
export interface VendorRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A JSON body (sent as `application/json`), or form fields (sent `application/x-www-form-urlencoded`). */
  json?: unknown;
  form?: Record<string, string>;
}

/** What came of it: the answer (its JSON parsed when it is JSON), a timeout, or a network failure. */
export type VendorAnswer =
  | { kind: 'response'; status: number; headers: Record<string, string>; text: string; json?: unknown; latencyMs: number }
  | { kind: 'timeout'; latencyMs: number }
  | { kind: 'network'; code?: string; message: string; latencyMs: number };

export interface VendorHttp {
  call(request: VendorRequest): Promise<VendorAnswer>;
}

/** The most of an answer read: a vendor answer Funnel needs is a few kilobytes. */
const MAX_ANSWER_BYTES = 1_000_000;

/**
 * Calls vendor APIs with Node's fetch: a 10 s timeout per call, redirects never followed, the answer capped
 * at 1 MB. Only https, except to loopback when `allowLocalhost` (the local validating mocks). The hosts are
 * the vendors' own (fixed in the code, or checked in the config: Salesforce My Domain, Slack's hook URL),
 * so no address of the caller's choosing is reached. It never throws: what happened is the answer.
 */
export class FetchVendorHttp implements VendorHttp {
  constructor(private readonly options: { timeoutMs?: number; allowLocalhost?: boolean } = {}) {}

  async call(request: VendorRequest): Promise<VendorAnswer> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    const url = new URL(request.url);
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(this.options.allowLocalhost && local && url.protocol === 'http:'))
      return { kind: 'network', code: 'EBADURL', message: `${url.protocol} is not allowed`, latencyMs: 0 };
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Funnel-Destinations/1.0', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    try {
      const response = await fetch(url, {
        method: request.method,
        headers,
        ...(body !== undefined && { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await readCapped(response);
      const answerHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        answerHeaders[name] = value;
      });
      let json: unknown;
      if (/json/.test(response.headers.get('content-type') ?? '') && text) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      return { kind: 'response', status: response.status, headers: answerHeaders, text, ...(json !== undefined && { json }), latencyMs: latencyMs() };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { kind: 'timeout', latencyMs: latencyMs() };
      return { kind: 'network', ...(e.cause?.code && { code: e.cause.code }), message: e.message, latencyMs: latencyMs() };
    }
  }
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
