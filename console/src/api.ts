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

/** A query string of the values that are set. */
export const qs = (values: Record<string, string | number | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
