/**
 * The shape of the endpoint table (`./index.ts`): what every route declares. Types only, so a group's
 * module carries no more than its own schemas.
 */
import type * as z from '../../core/zod.js';
import { MAX_BODY_BYTES } from '../../core/limits.js';
import type { Role } from '../../core/people.js';

/** One Lambda function per group. */
export type RouteGroup = 'capture' | 'leads' | 'openapi' | 'mail' | 'webhooks';

/**
 * Who may call: `public` from the configured origins' pages (CORS on every answer); `apiKey` with
 * `Authorization: Bearer <key>` (server to server, no CORS); `person` with `Authorization: Bearer <an
 * OpenID Connect access token>` of a person signed in to the console, whose roles the route's `roles`
 * must include; `link` with the signed token of an email link; `open` for anyone (static documents).
 */
export type Auth = 'public' | 'apiKey' | 'person' | 'link' | 'open';

/**
 * Which throttle a route gets on the deployed API (per route, so a busy blog's page views cannot starve
 * submissions or the sales API): `pageView` every page with a snippet calls (the form definition, the
 * tracker, the script, documents), `submission` a form sent, `api` server-to-server calls with a key,
 * `link` clicks on email links. @default from `auth`: public and open → pageView, apiKey → api, link → link
 */
export type Traffic = 'pageView' | 'submission' | 'api' | 'link';

/** How a POST body is read before the use case sees it. */
export type BodyKind = 'json' | 'json-or-text' | 'form';

export interface Response {
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
  /** Its throttle class when it differs from the one its `auth` implies. */
  readonly traffic?: Traffic;
  readonly summary: string;
  readonly description?: string;
  /** Path parameters (every `{name}` of the path), validated before the use case runs. */
  readonly params?: z.ZodMiniObject;
  /** Query parameters: syntax here, meaning in the use case. Errors name `query.<name>`. */
  readonly query?: z.ZodMiniObject;
  /** The body: how it is read, and its documented schema (the use case validates it: forms differ). */
  readonly body?: { readonly kind: BodyKind; readonly schema?: string | Record<string, unknown>; readonly required: boolean };
  /**
   * The answers the route itself gives: its successes and its domain's errors (403, 404 of a resource,
   * 409 …). The errors every route of its kind can give are implied (`answersOf`): do not repeat them.
   */
  readonly responses: Readonly<Record<string, Response>>;
  /** What a 429 means here, when the route is rate-limited (`Retry-After` is always sent). */
  readonly limit?: string;
  /** `person` routes: the roles that may call it (checked in one place, `routeGroup`). */
  readonly roles?: readonly Role[];
}

/**
 * Every answer a route can give: its own (`responses`, whose wording wins) and those its row implies,
 * from the one place each is produced (`http.ts`):
 * - a JSON body: 400 (malformed JSON, invalid fields), 413 (over 16 KB), 415 (content type); a form body 413
 * - a query schema: 400 naming `query.<name>`; path parameters: 404 for one that cannot name anything
 * - `apiKey`: 401; a `limit`: 429; every route that touches the table: 503 on a transient failure
 * The OpenAPI document declares these, and a test holds every status any route answers against them.
 */
export function answersOf(e: Endpoint): Record<string, Response> {
  const implied: Record<string, Response> = {};
  const kind = e.body?.kind;
  if (kind === 'json' || kind === 'json-or-text') {
    implied['400'] = err('Malformed JSON or an invalid body (named in `error.fields`)');
    implied['415'] = err(kind === 'json' ? 'Content-Type is not application/json' : 'Content-Type is neither application/json nor text/plain');
  }
  if (kind) implied['413'] = err(`Body over ${MAX_BODY_BYTES / 1024} KB`);
  if (e.query) implied['400'] ??= err('Bad query (named in `error.fields`)');
  if (e.params) implied['404'] = err('No such resource');
  if (e.auth === 'apiKey') implied['401'] = err('Missing or invalid API key');
  if (e.auth === 'person') {
    implied['401'] = err('Missing, forged, expired or foreign token: sign in again');
    implied['403'] = err(`\`forbidden\`: none of the caller's roles may (allowed: ${(e.roles ?? []).join(', ')})`);
  }
  if (e.limit) implied['429'] = err(`${e.limit}; see Retry-After`);
  if (e.auth !== 'open') implied['503'] = err('Busy (a transient failure): try again (the same request is safe); see Retry-After');
  const all = { ...implied, ...e.responses };
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
}

export const trafficOf = (e: Pick<Endpoint, 'auth' | 'traffic'>): Traffic =>
  e.traffic ?? (e.auth === 'apiKey' || e.auth === 'person' ? 'api' : e.auth === 'link' ? 'link' : 'pageView');

/** API Gateway's route key of an endpoint: `GET /v1/forms/{formId}`. */
export const routeKeyOf = (e: Pick<Endpoint, 'method' | 'path'>): string => `${e.method} ${e.path}`;

/**
 * The pre-flight routes of a set of endpoints: `OPTIONS <path>` for every path a `public` endpoint serves,
 * with the methods it allows. The functions answer pre-flights themselves (API Gateway's own CORS setting
 * would drop the headers a function sets, and allows the same origins on every route).
 */
export function preflightsOf(endpoints: Iterable<Endpoint>): Map<string, { path: string; group: RouteGroup; methods: string[] }> {
  const out = new Map<string, { path: string; group: RouteGroup; methods: string[] }>();
  for (const e of endpoints) {
    if (e.auth !== 'public') continue;
    const key = `OPTIONS ${e.path}`;
    const entry = out.get(key) ?? { path: e.path, group: e.group, methods: [] };
    entry.methods.push(e.method);
    out.set(key, entry);
  }
  return out;
}

export const err = (description: string): Response => ({ description, schema: 'Error' });
