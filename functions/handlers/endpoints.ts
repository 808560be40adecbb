import { z } from 'zod';
import { Email } from '../core/fields.js';

/**
 * The endpoint table: the single place a route is written. From it come the API Gateway routes and the
 * Lambda serving each (infra/stateless-stack.ts), the local runtime's routing, the dispatch and the
 * path/query validation inside each route-group Lambda (`routeGroup` in http.ts, whose bindings must
 * name exactly the operations of their group), and the OpenAPI document's paths (core/openapi.ts).
 *
 * Data only (and zod schemas), so every bundle can read it: a group's use cases are bound in its own
 * handler file and never reach another group's bundle.
 */

/** One Lambda function per group. */
export type RouteGroup = 'capture' | 'leads' | 'openapi' | 'widget' | 'mail' | 'webhooks';

/**
 * Who may call: `public` from the configured origins' pages (CORS on every answer); `apiKey` with
 * `Authorization: Bearer <key>` (server to server, no CORS); `link` with the signed token of an email link;
 * `open` for anyone (static documents).
 */
export type Auth = 'public' | 'apiKey' | 'link' | 'open';

/** How a POST body is read before the use case sees it. */
export type BodyKind = 'json' | 'json-or-text' | 'form';

interface Response {
  readonly description: string;
  /** A component schema of the OpenAPI document, or an inline JSON schema. */
  readonly schema?: string | Record<string, unknown>;
}

export interface Endpoint {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway's syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly group: RouteGroup;
  readonly auth: Auth;
  readonly summary: string;
  readonly description?: string;
  /** Path parameters (every `{name}` of the path), validated before the use case runs. */
  readonly params?: z.ZodObject;
  /** Query parameters: syntax here, meaning in the use case. Errors name `query.<name>`. */
  readonly query?: z.ZodObject;
  /** The body: how it is read, and its documented schema (the use case validates it: forms differ). */
  readonly body?: { readonly kind: BodyKind; readonly schema?: string | Record<string, unknown>; readonly required: boolean };
  readonly responses: Readonly<Record<string, Response>>;
}

const id = (description: string) => z.string({ error: 'is required' }).min(1).max(200).describe(description);
const LIMIT = z.coerce
  .number({ error: 'must be a whole number from 1 to 100' })
  .int('must be a whole number from 1 to 100')
  .min(1, 'must be a whole number from 1 to 100')
  .max(100, 'must be a whole number from 1 to 100');
// The mail group checks the token itself (missing, too long, malformed: `invalid_token`), so a person gets a page, not a validation error.
const TOKEN = z.object({ token: z.string().optional().describe('The signed token from the email link (at most 1024 characters)') });
const unauthorized = { '401': { description: 'Missing or invalid API key', schema: 'Error' } } as const;
const err = (description: string): Response => ({ description, schema: 'Error' });

export const ENDPOINTS = {
  getForm: {
    method: 'GET',
    path: '/v1/forms/{formId}',
    group: 'capture',
    auth: 'public',
    summary: 'The definition of a form, for the widget to render',
    params: z.object({ formId: id('The form id from the config') }),
    responses: { '200': { description: 'The form', schema: 'FormView' }, '404': err('No such form') },
  },
  submitForm: {
    method: 'POST',
    path: '/v1/forms/{formId}/submissions',
    group: 'capture',
    auth: 'public',
    summary: "Submit a form: creates or updates the lead with this email in the form's site",
    description:
      'Send a client-generated `submissionId`: the same id again returns the same answer and records nothing twice. Only fields the form declares are accepted. Body at most 16 KB.',
    params: z.object({ formId: id('The form id from the config') }),
    body: { kind: 'json', schema: 'SubmissionRequest', required: true },
    responses: {
      '201': { description: 'New lead', schema: 'SubmissionResponse' },
      '200': { description: 'Known lead updated', schema: 'SubmissionResponse' },
      '400': err('Malformed JSON or invalid fields (named in `error.fields`)'),
      '403': err('Origin not allowed for this site'),
      '404': err('No such form'),
      '413': err('Body over 16 KB'),
      '415': err('Content-Type is not application/json'),
      '429': err('Too many submissions from this client; see Retry-After'),
      '503': err('Busy (a transient failure): retry with the same submissionId; see Retry-After'),
    },
  },
  trackEvent: {
    method: 'POST',
    path: '/v1/events',
    group: 'capture',
    auth: 'public',
    summary: "Record a page view of a known visitor (the widget's tracker)",
    description:
      "Only for visitors who submitted a form with marketing consent: the `visitorToken` comes from that submission's response. Send as `application/json` or as `text/plain` (JSON body; a CORS-simple request needs no pre-flight). `eventId` is generated by the client: a retry with the same id is recorded once. Only the page path is stored.",
    body: { kind: 'json-or-text', schema: 'EventRequest', required: true },
    responses: {
      '202': { description: '`recorded` or `ignored` with a reason (`unsubscribed`: nothing stored; stop sending)', schema: 'EventResponse' },
      '400': err('Malformed JSON or invalid body (named in `error.fields`)'),
      '401': err('`invalid_visitor_token`: malformed, forged or expired token'),
      '403': err("Page or Origin not allowed for the token's site"),
      '404': err("`lead_not_found`: the token's lead no longer exists"),
      '413': err('Body over 16 KB'),
      '415': err('Content-Type is neither application/json nor text/plain'),
      '429': err('Too many events for this lead; see Retry-After'),
    },
  },
  getLead: {
    method: 'GET',
    path: '/v1/leads/{leadId}',
    group: 'leads',
    auth: 'apiKey',
    summary: 'A lead with profile, consent record, sources, timeline, lifecycle stage and score (with the rule behind every point)',
    params: z.object({ leadId: id('The lead id') }),
    responses: { '200': { description: 'The lead', schema: 'Lead' }, ...unauthorized, '404': err('No such lead') },
  },
  findLeadByEmail: {
    method: 'GET',
    path: '/v1/leads',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Find the lead with an email address',
    query: z.object({
      email: z
        .string({ error: 'is required' })
        .refine((v) => Email.safeParse(v).success, 'must be a valid email address')
        .describe('The address (any case)'),
      site: z.string().optional().describe('Required when the key reads more than one site'),
    }),
    responses: {
      '200': { description: 'The lead', schema: 'Lead' },
      '400': err('Bad query (named in `error.fields`)'),
      ...unauthorized,
      '404': err('No such lead'),
    },
  },
  exportLead: {
    method: 'GET',
    path: '/v1/leads/{leadId}/export',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Everything held on a lead, as JSON (a data-subject access request): the lead, and every record behind it by kind, without internal keys',
    params: z.object({ leadId: id('The lead id') }),
    responses: {
      '200': { description: '`{ exportedAt, lead, records: { submissions, events, stageChanges, enrolments, emails, optIns, log, webhookDeliveries } }`' },
      ...unauthorized,
      '404': err('No such lead'),
    },
  },
  eraseLead: {
    method: 'DELETE',
    path: '/v1/leads/{leadId}',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Erase a lead (right to erasure): profile, events, emails, deliveries and scheduled work; only an anonymised consent audit entry is kept',
    params: z.object({ leadId: id('The lead id') }),
    responses: { '204': { description: 'Erased' }, ...unauthorized, '404': err('No such lead (or already erased)') },
  },
  listProspects: {
    method: 'GET',
    path: '/v1/prospects',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Prospects that reached a stage, in qualification order, from a cursor that never skips or repeats one even while new ones arrive',
    query: z.object({
      stage: z.enum(['mql', 'sql'], { error: 'must be mql or sql' }).default('sql'),
      since: z.string().optional().describe('The `nextCursor` of the previous page'),
      limit: LIMIT.default(50),
      site: z.string().optional().describe('Required when the key reads more than one site'),
    }),
    responses: {
      '200': {
        description: '`{ prospects: [...], nextCursor }`',
        schema: {
          type: 'object',
          properties: { prospects: { type: 'array', items: { $ref: '#/components/schemas/Prospect' } }, nextCursor: { type: 'string' } },
        },
      },
      '400': err('Bad query (named in `error.fields`)'),
      ...unauthorized,
    },
  },
  claimProspect: {
    method: 'POST',
    path: '/v1/prospects/{leadId}/claim',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Record which sales rep took the prospect (the same rep again is fine)',
    params: z.object({ leadId: id('The lead id') }),
    body: { kind: 'json', schema: 'ClaimRequest', required: true },
    responses: {
      '200': { description: '`{ claim: { rep, at } }`' },
      '400': err('Invalid body (named in `error.fields`)'),
      ...unauthorized,
      '404': err('No such lead'),
      '409': err('`already_claimed` by another rep (named in the message)'),
    },
  },
  openApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    group: 'openapi',
    auth: 'open',
    summary: 'This document',
    responses: { '200': { description: 'OpenAPI 3.1' } },
  },
  widget: {
    method: 'GET',
    path: '/widget.js',
    group: 'widget',
    auth: 'open',
    summary: 'The embeddable widget script (brotli or gzip as accepted; revalidate with its ETag)',
    responses: { '200': { description: 'JavaScript' }, '304': { description: 'Not modified (matching If-None-Match)' } },
  },
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
      '413': err('Body over 16 KB'),
    },
  },
  listDeliveries: {
    method: 'GET',
    path: '/v1/webhooks/deliveries',
    group: 'webhooks',
    auth: 'apiKey',
    summary: "The webhook delivery log: a lead's deliveries (`lead`), or an endpoint's newest first (`endpoint`, `site`, `limit` 1–100)",
    query: z.object({ lead: z.string().optional(), endpoint: z.string().optional(), site: z.string().optional(), limit: LIMIT.default(50) }),
    responses: {
      '200': { description: '`{ deliveries: [...] }`: status, attempts (time, status code, latency, error), next attempt' },
      '400': err('Bad query (named in `error.fields`)'),
      ...unauthorized,
      '404': err('No such lead'),
    },
  },
  getDelivery: {
    method: 'GET',
    path: '/v1/webhooks/deliveries/{deliveryId}',
    group: 'webhooks',
    auth: 'apiKey',
    summary: 'One delivery with its payload and log',
    params: z.object({ deliveryId: id('The `webhook-id` of the delivery (`msg_…`)') }),
    responses: { '200': { description: 'The delivery' }, ...unauthorized, '404': err('No such delivery') },
  },
  replayDelivery: {
    method: 'POST',
    path: '/v1/webhooks/deliveries/{deliveryId}/replay',
    group: 'webhooks',
    auth: 'apiKey',
    summary: 'Send a delivery again now, with the same webhook-id (a dead-lettered one, or one the receiver lost); re-enables an endpoint a 410 disabled',
    params: z.object({ deliveryId: id('The `webhook-id` of the delivery (`msg_…`)') }),
    responses: { '202': { description: 'Queued: the delivery, back to pending' }, ...unauthorized, '404': err('No such delivery') },
  },
} as const satisfies Record<string, Endpoint>;

export type OperationId = keyof typeof ENDPOINTS;
export type OperationsOf<G extends RouteGroup> = { [K in OperationId]: (typeof ENDPOINTS)[K]['group'] extends G ? K : never }[OperationId];

/** API Gateway's route key of an endpoint: `GET /v1/forms/{formId}`. */
export const routeKeyOf = (e: Pick<Endpoint, 'method' | 'path'>): string => `${e.method} ${e.path}`;

/** Every route with its group, as API Gateway and the local runtime serve them. */
export const ROUTES: readonly { routeKey: string; group: RouteGroup; operationId: OperationId }[] = (
  Object.entries(ENDPOINTS) as [OperationId, Endpoint][]
).map(([operationId, e]) => ({
  routeKey: routeKeyOf(e),
  group: e.group,
  operationId,
}));
