import type { ErrorBody, SubmissionResponse } from '../../functions/core/contracts.js';

/**
 * What a submission came back with; the form maps each kind to a message. Status 0: the request never
 * got an HTTP answer (offline, DNS, CORS, connection reset, timeout), even after the retries.
 */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error?: ErrorBody['error'] };

/** Delays before each retry of a transient failure (network error, timeout or 5xx). Two retries, same body. */
export const RETRY_DELAYS_MS = [400, 1200];

/** A request with no answer after this long is given up (and retried): a form is never left stuck on "Sending…". */
export const TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One JSON POST, retried on transient failures with the *same* body, so a retried submission carries the
 * same submissionId and the server records it once.
 * @example await request<SubmissionResponse>('https://api.example.com/v1/forms/ebook/submissions', body)
 */
export async function request<T>(url: string, body: unknown, delays = RETRY_DELAYS_MS): Promise<ApiResult<T>> {
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let json: { error?: ErrorBody['error'] } | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.status;
      json = await res.json().catch(() => undefined);
    } catch {
      // network failure or timeout: status stays 0
    }
    if ((status === 0 || status >= 500) && attempt < delays.length) {
      await sleep(delays[attempt]!);
      continue;
    }
    return status >= 200 && status < 300 && json ? { ok: true, status, data: json as T } : { ok: false, status, error: json?.error };
  }
}

/** `POST {api}/v1/forms/{formId}/submissions` */
export const submit = (api: string, formId: string, body: unknown) =>
  request<SubmissionResponse>(`${api}/v1/forms/${encodeURIComponent(formId)}/submissions`, body);

/** 128 random bits as four numbers: a submission's or event's id (crypto.randomUUID exists only in secure contexts). */
export const newId = (): string => crypto.getRandomValues(new Uint32Array(4)).join('-');

const UTM = ['source', 'medium', 'campaign', 'term', 'content'];
/** The API only takes http(s) page URLs of at most 2,048 characters: the URL cut to that, or undefined for anything else (file:, about:, app schemes). */
export const httpUrl = (u: string): string | undefined => (/^https?:\/\//i.test(u) ? u.slice(0, 2048) : undefined);

/** Where the visitor is and came from: the page URL, the referrer, any utm_* parameters (non-empty only) and the time zone. */
export function pageContext() {
  const q = new URLSearchParams(location.search);
  const utm: Record<string, string> = {};
  for (const k of UTM) {
    const v = q.get(`utm_${k}`)?.trim();
    if (v) utm[k] = v.slice(0, 200);
  }
  const pageUrl = httpUrl(location.href);
  const referrer = httpUrl(document.referrer);
  // The visitor's time zone: nurture emails then leave inside the send window of the reader's own day.
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    ...(pageUrl && { pageUrl }),
    ...(referrer && { referrer }),
    ...(Object.keys(utm).length && { utm }),
    ...(timeZone && { timeZone }),
  };
}
