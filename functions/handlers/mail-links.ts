import { MAIL } from './endpoints/mail.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { escapeHtml } from '../core/nurture/templates.js';
import { checkUnsubscribeLink, confirmOptIn, unsubscribe } from '../use-cases/mail-links.js';
import { header, HttpError, json, rawBody, routeGroup, type HttpEvent, type HttpResult } from './http.js';

/** Tokens are ~150 characters; anything much longer is not ours. */
const MAX_TOKEN_LENGTH = 1024;

/**
 * Route group "mail": the links in emails. People open them in a browser, so they answer with a small
 * HTML page; a client that does not accept HTML (a script, a mail provider's one-click POST) gets JSON.
 * - `GET /v1/confirm?token=…`: confirm a double opt-in (the delivery email follows within seconds);
 * - `GET /v1/unsubscribe?token=…`: a page with an Unsubscribe button. A GET never unsubscribes: mail
 *   scanners and link previews follow GETs;
 * - `POST /v1/unsubscribe?token=…`: unsubscribe. The RFC 8058 one-click POST from the mail client
 *   (`List-Unsubscribe=One-Click`) and the page's button both land here.
 */
export const makeMailLinksHandler = (deps: () => AppDeps) =>
  routeGroup(
    MAIL,
    {
      confirmOptIn: asPage(async (event, token) => {
        const result = await confirmOptIn(deps(), token);
        if (result.status === 'expired')
          throw new HttpError(410, 'link_expired', 'This confirmation link has expired: submit the form again to get a new one', { token: 'has expired' });
        if (result.status === 'invalid') throw invalidToken();
        return page(
          event,
          200,
          { status: result.status },
          'Email address confirmed',
          `Thank you: your email address is confirmed. What you asked ${result.siteName} for is on its way to your inbox.`,
        );
      }),
      unsubscribePage: asPage(async (event, token) => {
        const link = await checkUnsubscribeLink(deps(), token);
        if (!link.valid) throw invalidToken();
        return page(event, 200, { status: 'confirm-unsubscribe' }, `Unsubscribe from ${link.siteName}`, `Stop all emails from ${link.siteName}?`, token);
      }),
      unsubscribe: asPage(async (event, token) => {
        const method = /(^|&)via=page(&|$)/.test(rawBody(event)) ? 'page' : 'one-click';
        const result = await unsubscribe(deps(), token, method);
        if (result.status === 'invalid') throw invalidToken();
        return page(event, 200, { status: result.status }, 'You are unsubscribed', `You will get no more emails from ${result.siteName}.`);
      }),
    },
    { log: () => deps().log },
  );

/** People land here from an email: show them a page for an error too, not JSON. Scripts still get the JSON error. */
const asPage =
  (answer: (event: HttpEvent, token: string) => Promise<HttpResult>) =>
  async ({ event }: { event: HttpEvent }): Promise<HttpResult> => {
    try {
      return await answer(event, tokenOf(event));
    } catch (error) {
      if (!(error instanceof HttpError) || !wantsHtml(event)) throw error;
      return page(event, error.status, {}, error.status === 410 ? 'Link expired' : 'Link not valid', error.message);
    }
  };

const invalidToken = () =>
  new HttpError(400, 'invalid_token', 'This link is not valid: use the link from the email as it is', { token: 'is not a valid link token' });

function tokenOf(event: HttpEvent): string {
  const token = event.queryStringParameters?.token;
  if (!token) throw new HttpError(400, 'invalid_token', 'The link has no token: use the link from the email as it is', { token: 'is required' });
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9._-]+$/.test(token)) throw invalidToken();
  return token;
}

const wantsHtml = (event: HttpEvent) => /text\/html/.test(header(event, 'accept') ?? '');

/** A small self-contained page (no scripts, no external resources), or the JSON equivalent. */
function page(event: HttpEvent, status: number, body: Record<string, unknown>, title: string, message: string, unsubscribeToken?: string): HttpResult {
  if (!wantsHtml(event)) return json(status, body);
  const form = unsubscribeToken
    ? `<form method="post" action="/v1/unsubscribe?token=${escapeHtml(encodeURIComponent(unsubscribeToken))}"><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>`
    : '';
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    },
    body:
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>` +
      '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#111827}button{font:inherit;padding:.5rem 1.25rem;border:0;border-radius:6px;background:#111827;color:#fff;cursor:pointer}</style>' +
      `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${form}</body></html>`,
  };
}

// Not behind the edge check: links in emails already sent name the API's address of their day, and must keep working.
export const handler = makeMailLinksHandler(fromEnvironment('mail', (base) => allAreas(base)));
