import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from '../adapters/logger.js';
import { MAX_BODY_BYTES, type ErrorBody } from '../core/contracts.js';
import { AlreadyClaimedError, DeliveryNotFoundError, DomainError, InvalidVisitorTokenError, LeadNotFoundError, OriginNotAllowedError, RateLimitedError, UnauthorizedError, UnknownFormError, ValidationError } from '../core/errors.js';

export type HttpEvent = APIGatewayProxyEventV2 & { json?: unknown };
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** An error of the HTTP layer itself (bad content type, body too big, unknown route). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Per-field problems keyed by path, as in a validation error. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
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

export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new HttpError(404, 'not_found', 'No such resource');
  return value;
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

/** The single place where an error becomes a status. Only errors we mean to show are shown. */
function toResponse(error: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } | undefined {
  if (error instanceof HttpError) return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) } } };
  if (!(error instanceof DomainError)) return undefined;
  const fields = error instanceof ValidationError || error instanceof InvalidVisitorTokenError ? error.fields : undefined;
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...(fields && { fields }) } };
  if (error instanceof ValidationError) return { status: 400, body };
  if (error instanceof UnknownFormError || error instanceof LeadNotFoundError || error instanceof DeliveryNotFoundError) return { status: 404, body };
  if (error instanceof OriginNotAllowedError) return { status: 403, body };
  if (error instanceof UnauthorizedError) return { status: 401, body, headers: { 'www-authenticate': 'Bearer' } };
  if (error instanceof InvalidVisitorTokenError) return { status: 401, body };
  if (error instanceof AlreadyClaimedError) return { status: 409, body };
  if (error instanceof RateLimitedError) return { status: 429, body, headers: { 'retry-after': String(error.retryAfterSeconds) } };
  return { status: 400, body };
}

/**
 * Map errors to `{ error: { code, message, fields? } }`. Anything unexpected is logged with the request
 * id and answered with a generic 500 that reveals nothing.
 */
export const errorHandler = (log: () => Logger): MiddlewareObj<HttpEvent, HttpResult, Error, Context> => ({
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
    log().error('unhandled error', { requestId, route: request.event.routeKey, error: request.error?.name, detail: request.error?.message, stack: request.error?.stack });
    request.response = json(500, { error: { code: 'internal_error', message: `Something went wrong. Request id: ${requestId}` } });
  },
});

/**
 * Parse a JSON body for methods that carry one: content type, size and syntax are checked before any
 * use case sees it, each with its own 4xx.
 */
export const jsonBody = (options: { maxBytes?: number; textPlainRoutes?: readonly string[] } = {}): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const { event } = request;
    const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
    if (event.requestContext?.http?.method !== 'POST') return;
    const type = header(event, 'content-type');
    // text/plain is a CORS-simple type: a beacon-style tracker can send JSON as text/plain without a pre-flight.
    const plainOk = options.textPlainRoutes?.includes(event.routeKey) ?? false;
    if (!type || !(/^application\/json\s*(;|$)/i.test(type) || (plainOk && /^text\/plain\s*(;|$)/i.test(type)))) {
      throw new HttpError(415, 'unsupported_media_type', plainOk ? 'Content-Type must be application/json or text/plain' : 'Content-Type must be application/json');
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

/**
 * CORS response headers for the origins allowed to embed forms. API Gateway answers pre-flights in
 * production (configured from the same list); this keeps actual responses, including errors, readable.
 */
export const cors = (allowedOrigins: () => readonly string[]): MiddlewareObj<HttpEvent, HttpResult> => {
  const addHeaders = (request: { event: HttpEvent; response: HttpResult | null | undefined }) => {
    const origin = header(request.event, 'origin');
    if (!origin || !request.response || !allowedOrigins().includes(origin)) return;
    request.response.headers = { ...request.response.headers, 'access-control-allow-origin': origin, vary: 'Origin' };
  };
  return { after: addHeaders, onError: addHeaders };
};

/** One access-log line per request: route, status, duration. No bodies, no addresses, no PII. */
export const accessLog = (log: () => Logger): MiddlewareObj<HttpEvent, HttpResult> => {
  const started = new WeakMap<object, number>();
  const write = (request: { event: HttpEvent; response: HttpResult | null | undefined }) =>
    log().info('request', {
      route: request.event.routeKey,
      status: request.response?.statusCode,
      ms: Math.round(performance.now() - (started.get(request.event) ?? performance.now())),
      requestId: request.event.requestContext?.requestId,
    });
  return {
    before: (request) => void started.set(request.event, performance.now()),
    after: write,
    onError: write,
  };
};
