import type { EventBody, EventResponse } from '../../functions/core/contracts.js';
import { pageContext, request, uuid } from './api.js';

/**
 * The tracker: page views of a visitor who submitted a form *and* ticked marketing consent, sent to
 * `POST {api}/v1/events` with the opaque visitor token the submission returned. Anonymous visitors have
 * no token and are never tracked; neither is a browser that sends Do Not Track.
 *
 * One page view per page load and API, the page of the submission itself excluded (the token arrives
 * after this page's view was decided). The token lives in localStorage under `funnel:vt:<API base URL>`
 * and is forgotten when the server no longer accepts it, or by `window.funnel.forget()`.
 */

declare global {
  interface Window {
    /** Set by the first copy of the bundle on the page; also marks the APIs this page view went to. */
    funnel?: { forget(): void; [api: string]: unknown };
  }
}

const KEY = 'funnel:vt:';

/** localStorage throws when storage is blocked (some privacy modes): then there is no token, quietly. */
const storage = <T>(f: (s: Storage) => T): T | void => {
  try {
    return f(localStorage);
  } catch {}
};

/**
 * Keep the visitor token a submission returned, for the pages that follow.
 * @example remember('https://api.example.com', response.visitorToken)
 */
export const remember = (api: string, token: string) => storage((s) => s.setItem(KEY + api, token));

/** Drop every visitor token on this origin (all APIs). Public as `window.funnel.forget()`, for a privacy page. */
const forget = () =>
  storage((s) => {
    for (const k of Object.keys(s)) if (k.startsWith(KEY)) s.removeItem(k);
  });

/**
 * Send this page's view to `api` if the visitor has a token for it; at most once per page load, however
 * many snippets the page has. One quiet retry (same eventId) after a network error or a 5xx. Never throws.
 * @example void track('https://api.example.com')
 */
export async function track(api: string) {
  const seen = (window.funnel ||= { forget });
  const key = KEY + api;
  // Marked even without a token: a token stored by a submission on this page must not count this page.
  if (seen[key]) return;
  seen[key] = 1;
  const visitorToken = storage((s) => s.getItem(key));
  const { pageUrl: url, referrer } = pageContext();
  if (!visitorToken || !url || navigator.doNotTrack == '1') return;
  const body: EventBody = { visitorToken, eventId: uuid(), type: 'page_viewed', url, title: document.title.trim().slice(0, 300), referrer };
  // No content-type header: fetch then sends a string body as `text/plain;charset=UTF-8`, a CORS-simple
  // request (no pre-flight). keepalive lets the send finish if the visitor leaves the page at once.
  const r = await request<EventResponse>(`${api}/v1/events`, body, [1e3], { keepalive: true, headers: {} });
  // The lead unsubscribed, or the token is not (or no longer) valid: stop sending.
  if (r.status == 401 || r.status == 404 || (r.ok && r.data.reason == 'unsubscribed')) storage((s) => s.removeItem(key));
}
