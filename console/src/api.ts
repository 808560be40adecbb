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

/** The API's error answer (`{ error: { message, fields } }`), or what failed and its status when it has none. */
async function failure(response: Response, what: string): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; fields?: Record<string, string> } };
  return new ApiError(response.status, body.error?.message ?? `${what} (${response.status})`, body.error?.fields);
}

/** What to tell the person about a failure: the API's message and the fields it names, or the error's own. */
export const problemOf = (error: unknown): string =>
  error instanceof ApiError ? [error.message, ...Object.values(error.fields)].join(': ') : (error as Error).message;

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
  if (!response.ok) throw await failure(response, 'The request failed');
  return (await response.json().catch(() => ({}))) as T;
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
  if (!response.ok) throw await failure(response, 'The download failed');
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

/** A webhook or destination delivery as the console's routes show it (no payload). */
export interface Delivery {
  deliveryId: string;
  endpointId: string;
  leadId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  eventAt: string;
  attempts: { at: string; result: string; status?: number; latencyMs: number; error?: string }[];
  nextAttemptAt?: string;
}
