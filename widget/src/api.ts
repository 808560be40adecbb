import type { ErrorBody, FormView, SubmissionResponse } from '../../functions/core/contracts.js';

/**
 * What a call to the API came back with; the UI maps each kind to a message. Status 0: the request never
 * got an HTTP answer (offline, DNS, CORS, connection reset), even after the retries.
 */
export type ApiResult<T> = { ok: true; status: number; data: T; age: number } | { ok: false; status: number; error?: ErrorBody['error'] };

/** Delays before each retry of a transient failure (network error or 5xx). Two retries, same body. */
export const RETRY_DELAYS_MS = [400, 1200];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One JSON request, retried on transient failures with the *same* body, so a retried submission
 * carries the same submissionId and the server records it once. `extra` overrides the POST's init
 * (the tracker sends text/plain with keepalive).
 * @example await request<FormView>('https://api.example.com/v1/forms/ebook')
 */
export async function request<T>(url: string, body?: unknown, delays = RETRY_DELAYS_MS, extra?: RequestInit): Promise<ApiResult<T>> {
  const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...extra };
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let json: { error?: ErrorBody['error'] } | undefined;
    // Seconds a shared cache (the CDN) kept the answer: a cached form definition's serverTime is that much old.
    let age = 0;
    try {
      const res = await fetch(url, init);
      status = res.status;
      age = +(res.headers.get('age') ?? 0) || 0;
      json = await res.json().catch(() => undefined);
    } catch {
      // network failure: status stays 0
    }
    if ((status === 0 || status >= 500) && attempt < delays.length) {
      await sleep(delays[attempt]!);
      continue;
    }
    return status >= 200 && status < 300 && json ? { ok: true, status, data: json as T, age } : { ok: false, status, error: json?.error };
  }
}

const formUrl = (api: string, formId: string) => `${api}/v1/forms/${encodeURIComponent(formId)}`;

/** `GET {api}/v1/forms/{formId}` */
export const getForm = (api: string, formId: string) => request<FormView>(formUrl(api, formId));

/** `POST {api}/v1/forms/{formId}/submissions` */
export const submit = (api: string, formId: string, body: unknown) => request<SubmissionResponse>(`${formUrl(api, formId)}/submissions`, body);

/** crypto.randomUUID exists only in secure contexts; a blog served over plain http still needs a v4 id. */
export const uuid = (): string =>
  crypto.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16));

const UTM = ['source', 'medium', 'campaign', 'term', 'content'];
/** The API only takes http(s) page URLs; anything else (file:, about:, app schemes) is left out. */
export const httpUrl = (u: string) => /^https?:\/\//i.test(u);

/** Where the visitor is and came from: the page URL, the referrer, any utm_* parameters (non-empty only) and the time zone. */
export function pageContext() {
  const q = new URLSearchParams(location.search);
  const utm: Record<string, string> = {};
  for (const k of UTM) {
    const v = q.get(`utm_${k}`)?.trim();
    if (v) utm[k] = v.slice(0, 200);
  }
  const ref = document.referrer;
  // The visitor's time zone: nurture emails then leave inside the send window of the reader's own day.
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    ...(httpUrl(location.href) && { pageUrl: location.href.slice(0, 2048) }),
    ...(httpUrl(ref) && { referrer: ref.slice(0, 2048) }),
    ...(Object.keys(utm).length && { utm }),
    ...(timeZone && { timeZone }),
  };
}
