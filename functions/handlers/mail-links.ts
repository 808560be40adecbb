import middy from '@middy/core';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { MAX_BODY_BYTES } from '../core/contracts.js';
import { checkUnsubscribeLink, confirmOptIn, unsubscribe } from '../use-cases/mail-links.js';
import { accessLog, errorHandler, header, HttpError, json, type HttpEvent, type HttpResult } from './http.js';

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
  middy<HttpEvent, HttpResult>()
    .use(accessLog(() => deps().log))
    .use(errorHandler(() => deps().log))
    .handler(async (event) => {
      try {
        return await answer(deps(), event);
      } catch (error) {
        // People land here from an email: show them a page, not JSON. Scripts still get the JSON error.
        if (!(error instanceof HttpError) || !wantsHtml(event)) throw error;
        return page(event, error.status, {}, error.status === 410 ? 'Link expired' : 'Link not valid', error.message);
      }
    });

async function answer(deps: AppDeps, event: HttpEvent): Promise<HttpResult> {
  const token = tokenOf(event);
  switch (event.routeKey) {
    case 'GET /v1/confirm': {
      const result = await confirmOptIn(deps, token);
      if (result.status === 'expired') throw new HttpError(410, 'link_expired', 'This confirmation link has expired: submit the form again to get a new one', { token: 'has expired' });
      if (result.status === 'invalid') throw invalidToken();
      return page(event, 200, { status: result.status }, 'Email address confirmed', `Thank you: your email address is confirmed. What you asked ${result.siteName} for is on its way to your inbox.`);
    }
    case 'GET /v1/unsubscribe': {
      const link = await checkUnsubscribeLink(deps, token);
      if (!link.valid) throw invalidToken();
      return page(event, 200, { status: 'confirm-unsubscribe' }, `Unsubscribe from ${link.siteName}`, `Stop all emails from ${link.siteName}?`, token);
    }
    case 'POST /v1/unsubscribe': {
      const body = bodyOf(event);
      const method = /(^|&)via=page(&|$)/.test(body) ? 'page' : 'one-click';
      const result = await unsubscribe(deps, token, method);
      if (result.status === 'invalid') throw invalidToken();
      return page(event, 200, { status: result.status }, 'You are unsubscribed', `You will get no more emails from ${result.siteName}.`);
    }
    default:
      throw new HttpError(404, 'not_found', 'No such route');
  }
}

const invalidToken = () => new HttpError(400, 'invalid_token', 'This link is not valid: use the link from the email as it is', { token: 'is not a valid link token' });

function tokenOf(event: HttpEvent): string {
  const token = event.queryStringParameters?.token;
  if (!token) throw new HttpError(400, 'invalid_token', 'The link has no token: use the link from the email as it is', { token: 'is required' });
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9._-]+$/.test(token)) throw invalidToken();
  return token;
}

function bodyOf(event: HttpEvent): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `Body must be at most ${MAX_BODY_BYTES} bytes`);
  return bytes.toString('utf8');
}

const wantsHtml = (event: HttpEvent) => /text\/html/.test(header(event, 'accept') ?? '');

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small self-contained page (no scripts, no external resources), or the JSON equivalent. */
function page(event: HttpEvent, status: number, body: Record<string, unknown>, title: string, message: string, unsubscribeToken?: string): HttpResult {
  if (!wantsHtml(event)) return json(status, body);
  const form = unsubscribeToken
    ? `<form method="post" action="/v1/unsubscribe?token=${escape(encodeURIComponent(unsubscribeToken))}"><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>`
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
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title>` +
      '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#111827}button{font:inherit;padding:.5rem 1.25rem;border:0;border-radius:6px;background:#111827;color:#fff;cursor:pointer}</style>' +
      `</head><body><h1>${escape(title)}</h1><p>${escape(message)}</p>${form}</body></html>`,
  };
}

export const handler = makeMailLinksHandler(fromEnvironment);
