import { currentSession, signIn } from './auth.js';

/** An answer that was not a success: its status, message and the fields it names (a 400). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Call the console's API (same origin) as the person signed in. A 401 (expired, or never signed in)
 * sends them to sign in and brings them back here.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const session = currentSession();
  if (!session) return signIn();
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${session.accessToken}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  if (response.status === 401) return signIn();
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; fields?: Record<string, string> } };
  if (!response.ok) throw new ApiError(response.status, body.error?.message ?? `The request failed (${response.status})`, body.error?.fields);
  return body as T;
}

/**
 * Download an answer as a file (a plain link cannot carry the token): fetched, then handed to the browser.
 * Returns the answer's headers (an export says whether it was cut short).
 */
export async function download(path: string, name: string): Promise<Headers> {
  const session = currentSession();
  if (!session) return signIn();
  const response = await fetch(path, { headers: { authorization: `Bearer ${session.accessToken}` } });
  if (response.status === 401) return signIn();
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; fields?: Record<string, string> } };
    throw new ApiError(response.status, body.error?.message ?? `The download failed (${response.status})`, body.error?.fields);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return response.headers;
}

/** A query string of the values that are set. */
export const qs = (values: Record<string, string | number | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
