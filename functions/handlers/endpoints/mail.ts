import * as z from '../../core/zod.js';
import { type Endpoint, err } from './types.js';

// The mail group checks the token itself (missing, too long, malformed: `invalid_token`), so a person gets a page, not a validation error.
const TOKEN = z.object({
  token: z.optional(z.string()).register(z.globalRegistry, { description: 'The signed token from the email link (at most 1024 characters)' }),
});

/** Route group "mail": the links in emails (confirm, unsubscribe). */
export const MAIL = {
  confirmOptIn: {
    method: 'GET',
    path: '/v1/confirm',
    group: 'mail',
    auth: 'link',
    summary: 'Confirm a double opt-in (the link in the confirmation email)',
    description:
      'Records the confirmation once; the delivery email follows within seconds. Answers an HTML page to a browser (`Accept: text/html`), JSON otherwise. Confirming twice is harmless.',
    query: TOKEN,
    responses: {
      '200': { description: '`{ status: "confirmed" | "already-confirmed" }`, or a page' },
      '400': err('`invalid_token`: missing, malformed or forged (`error.fields.token`)'),
      '410': err('`link_expired`: the link is older than 7 days'),
    },
  },
  unsubscribePage: {
    method: 'GET',
    path: '/v1/unsubscribe',
    group: 'mail',
    auth: 'link',
    summary: 'The unsubscribe page (the link in every email): a button that POSTs; a GET changes nothing',
    query: TOKEN,
    responses: { '200': { description: 'The page (HTML) or `{ status: "confirm-unsubscribe" }`' }, '400': err('`invalid_token` (`error.fields.token`)') },
  },
  unsubscribe: {
    method: 'POST',
    path: '/v1/unsubscribe',
    group: 'mail',
    auth: 'link',
    summary: "Unsubscribe: RFC 8058 one-click (`List-Unsubscribe=One-Click` from the mail client) or the page's button",
    query: TOKEN,
    body: { kind: 'form', schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' }, via: { const: 'page' } } }, required: false },
    responses: {
      '200': { description: '`{ status: "unsubscribed" | "already-unsubscribed" }`, or a page' },
      '400': err('`invalid_token` (`error.fields.token`)'),
    },
  },
} as const satisfies Record<string, Endpoint>;
