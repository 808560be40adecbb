import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from '../core/zod.js';
import type { Logger } from '../adapters/logger.js';
import { fieldErrors } from '../core/field-errors.js';
import type { ErrorBody } from '../core/contracts.js';
import { MAX_BODY_BYTES } from '../core/limits.js';
import { DomainError, ForbiddenError, SignInRequiredError, ValidationError } from '../core/errors.js';
import { mayCall, type Person } from '../core/people.js';
import type { ApiKey } from '../core/ports.js';
import { preflightsOf, routeKeyOf, type Endpoint } from './endpoints/types.js';

export type HttpEvent = APIGatewayProxyEventV2 & { json?: unknown };
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** An error of the HTTP layer itself (bad content type, body too big, unknown route), with its status. */
export class HttpError extends DomainError {
  override readonly status: number;
  override readonly fields: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, fields?: Record<string, string>) {
    super(code, message);
    this.status = status;
    this.fields = fields;
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode: status,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** Header look-up that does not care how the client (or API Gateway) cased the name. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/**
 * Errors of the infrastructure under load, not of the request: DynamoDB throttling or an overloaded
 * table, an SDK or socket timeout, a dropped connection. The request may be retried as it is (capture is
 * idempotent by submissionId), so the answer is 503 with Retry-After, never a 500.
 */
const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
function isTransient(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $retryable?: unknown } | undefined;
  return !!e && (TRANSIENT.has(e.name ?? '') || e.$retryable !== undefined || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e.code ?? ''));
}

/** What API Gateway answers when a function runs out of time, and what a transient failure answers: retry in a second. */
export const unavailable = () => json(503, { error: { code: 'unavailable', message: 'Busy: please try again in a moment' } }, { 'retry-after': '1' });

/** The single place where an error becomes a status: the error says which. Only errors we mean to show are shown. */
function toResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } | undefined {
  if (!(error instanceof DomainError) || error.status === undefined) return undefined;
  return {
    status: error.status,
    body: { error: { code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) } },
    headers: error.headers(),
  };
}

/**
 * Map errors to `{ error: { code, message, fields? } }`. Anything unexpected is logged with the request
 * id and answered with a generic 500 that reveals nothing.
 */
const errorHandler = (log: () => Logger): MiddlewareObj<HttpEvent, HttpResult, Error, Context> => ({
  onError: (request) => {
    const mapped = toResponse(request.error);
    if (mapped) {
      request.response = json(mapped.status, mapped.body, mapped.headers);
      return;
    }
    if (isTransient(request.error)) {
      log().warn('transient failure, answered 503', { requestId: request.context?.awsRequestId, route: request.event.routeKey, error: request.error?.name });
      request.response = unavailable();
      return;
    }
    const requestId = request.context?.awsRequestId ?? request.event.requestContext?.requestId;
    // A domain error without a status is a bug in the mapping, not the caller's fault: a 500, logged.
    log().error(request.error instanceof DomainError ? 'domain error without a status' : 'unhandled error', {
      requestId,
      route: request.event.routeKey,
      error: request.error?.name,
      detail: request.error?.message,
      stack: request.error?.stack,
    });
    request.response = json(500, { error: { code: 'internal_error', message: `Something went wrong. Request id: ${requestId}` } });
  },
});

/**
 * Parse a JSON body for methods that carry one: content type, size and syntax are checked before any
 * use case sees it, each with its own 4xx.
 */
const jsonBody = (kindOf: (routeKey: string) => Endpoint['body'], maxBytes = MAX_BODY_BYTES): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const { event } = request;
    const kind = kindOf(event.routeKey)?.kind;
    if (kind !== 'json' && kind !== 'json-or-text') return;
    const type = header(event, 'content-type');
    // text/plain is a CORS-simple type: a beacon-style tracker can send JSON as text/plain without a pre-flight.
    const plainOk = kind === 'json-or-text';
    if (!type || !(/^application\/json\s*(;|$)/i.test(type) || (plainOk && /^text\/plain\s*(;|$)/i.test(type)))) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        plainOk ? 'Content-Type must be application/json or text/plain' : 'Content-Type must be application/json',
      );
    }
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.length > maxBytes) throw new HttpError(413, 'payload_too_large', `Body must be at most ${maxBytes} bytes`);
    try {
      event.json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'Body is not valid JSON');
    }
  },
});

/** How long a browser may reuse a pre-flight answer (Chromium caps it at two hours). */
export const PREFLIGHT_MAX_AGE_SECONDS = 3600;

/**
 * CORS response headers for the origins allowed to embed forms, on every answer (errors and pre-flights
 * included). The functions own CORS: API Gateway's CORS setting is off, since with it on API Gateway
 * ignores the headers a function returns and allows the same origins on every route.
 */
const cors = (allowedOrigins: () => readonly string[]): MiddlewareObj<HttpEvent, HttpResult> => {
  const addHeaders = (request: { event: HttpEvent; response: HttpResult | null | undefined }) => {
    const origin = header(request.event, 'origin');
    if (!origin || !request.response || !allowedOrigins().includes(origin)) return;
    request.response.headers = { ...request.response.headers, 'access-control-allow-origin': origin, vary: 'Origin' };
  };
  return { after: addHeaders, onError: addHeaders };
};

/** One access-log line per request: route, status, duration. No bodies, no addresses, no PII. */
const accessLog = (log: () => Logger): MiddlewareObj<HttpEvent, HttpResult> => {
  const started = new WeakMap<object, number>();
  const write = (request: { event: HttpEvent; response: HttpResult | null | undefined }) =>
    log().info('request', {
      route: request.event.routeKey,
      status: request.response?.statusCode,
      ms: Math.round(performance.now() - (started.get(request.event) ?? performance.now())),
      requestId: request.event.requestContext?.requestId,
    });
  return {
    before: (request) => {
      if (request.context) log().addContext?.(request.context);
      started.set(request.event, performance.now());
    },
    after: write,
    onError: write,
  };
};

/** The raw body as text (a form-encoded POST), at most {@link MAX_BODY_BYTES}. */
export function rawBody(event: HttpEvent): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `Body must be at most ${MAX_BODY_BYTES} bytes`);
  return bytes.toString('utf8');
}

type Schema<S> = S extends z.ZodMiniType ? z.output<S> : Record<string, never>;

/** What a route's binding gets: its validated path and query, the parsed body, the caller's key where one is required. */
export interface Call<E extends Endpoint> {
  event: HttpEvent;
  params: Schema<E extends { params: infer P } ? P : undefined>;
  query: Schema<E extends { query: infer Q } ? Q : undefined>;
  /** The parsed JSON body (not yet validated: the use case knows its contract). */
  body: unknown;
  key: E['auth'] extends 'apiKey' ? ApiKey : undefined;
  /** The signed-in person, allowed by the route's roles (`auth: 'person'`). */
  person: E['auth'] extends 'person' ? Person : undefined;
}

/** One binding per operation of the group's module of the endpoint table, and no other. */
export type Bindings<G extends Record<string, Endpoint>> = { [K in keyof G]: (call: Call<G[K]>) => Promise<HttpResult> };

export interface GroupOptions {
  /** The access log and the log of unexpected errors; none: no access log (static documents). */
  log?: () => Logger;
  /** Origins whose pages may read the answers of the group's public routes. */
  allowedOrigins?: () => readonly string[];
  /** Who holds this key (routes with `auth: 'apiKey'`). @throws UnauthorizedError */
  authenticate?: (authorization: string | undefined) => Promise<ApiKey>;
  /** Who signed in, from the bearer token (routes with `auth: 'person'`); undefined: no one. */
  identify?: (token: string) => Promise<Person | undefined>;
}

/** The person behind a console request, allowed by the route's roles. @throws SignInRequiredError | ForbiddenError */
async function personFor(endpoint: Endpoint, authorization: string | undefined, identify: GroupOptions['identify']): Promise<Person> {
  const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
  const person = token && identify ? await identify(token) : undefined;
  if (!person) throw new SignInRequiredError();
  if (!mayCall(person, endpoint.roles ?? [])) throw new ForbiddenError(endpoint.roles ?? []);
  return person;
}

/** Validate path or query parameters against the table's schema; problems are named `<where>.<name>`. */
function parse(schema: z.ZodMiniObject | undefined, values: Record<string, string | undefined> | undefined, where: 'path' | 'query'): Record<string, unknown> {
  if (!schema) return {};
  const result = schema.safeParse(values ?? {});
  if (result.success) return result.data;
  // A path that does not fit is a resource that does not exist.
  if (where === 'path') throw new HttpError(404, 'not_found', 'No such resource');
  throw new ValidationError(Object.fromEntries(Object.entries(fieldErrors(result.error)).map(([k, v]) => [`query.${k}`, v])));
}

/**
 * The Lambda handler of a route group: the group's routes from the endpoint table, dispatched by the
 * route key API Gateway matched, with their path and query validated, body read, caller authenticated,
 * CORS for public routes, an access log, and errors mapped to their status.
 */
export function routeGroup<G extends Record<string, Endpoint>>(endpoints: G, bindings: Bindings<G>, options: GroupOptions = {}) {
  const routes = new Map<string, { endpoint: Endpoint; bind: (call: Call<Endpoint>) => Promise<HttpResult> }>();
  for (const [operationId, endpoint] of Object.entries(endpoints)) {
    routes.set(routeKeyOf(endpoint), { endpoint, bind: (bindings as unknown as Record<string, (call: Call<Endpoint>) => Promise<HttpResult>>)[operationId]! });
  }
  // Pre-flights are answered before any parsing; the cors middleware adds the origin when it is allowed.
  const preflights = new Map([...preflightsOf(Object.values(endpoints))].map(([routeKey, { methods }]) => [routeKey, preflightAnswer(methods)]));
  const log = options.log;
  let handler = middy<HttpEvent, HttpResult>();
  if (options.allowedOrigins) handler = handler.use(cors(options.allowedOrigins));
  if (log) handler = handler.use(accessLog(log)).use(errorHandler(log));
  return handler.use(jsonBody((routeKey) => routes.get(routeKey)?.endpoint.body)).handler(async (event) => {
    const preflight = preflights.get(event.routeKey);
    if (preflight) return preflight();
    const route = routes.get(event.routeKey);
    if (!route) throw new HttpError(404, 'not_found', 'No such route');
    const { endpoint } = route;
    const params = parse(endpoint.params, event.pathParameters, 'path');
    const query = parse(endpoint.query, event.queryStringParameters, 'query');
    const key = endpoint.auth === 'apiKey' ? await options.authenticate!(header(event, 'authorization')) : undefined;
    const person = endpoint.auth === 'person' ? await personFor(endpoint, header(event, 'authorization'), options.identify) : undefined;
    return route.bind({ event, params, query, body: event.json, key, person } as Call<Endpoint>);
  });
}

const preflightAnswer = (methods: readonly string[]) => (): HttpResult => ({
  statusCode: 204,
  headers: {
    'access-control-allow-methods': [...methods, 'OPTIONS'].join(','),
    // No Authorization: a page cannot call the API-key routes cross-origin, even with a key.
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    vary: 'Origin',
  },
});
