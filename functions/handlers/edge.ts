import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { lazy } from '../core/lazy.js';
import { secretReader } from '../adapters/secrets.js';
import { type FunctionName, readEnvironment } from '../environment.js';
import { header, type HttpEvent, type HttpResult } from './http.js';

/** The header CloudFront adds to every request it forwards to the API (infra/api-edge.ts). */
export const EDGE_HEADER = 'x-funnel-edge';

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/**
 * With AWS WAF on, the API is reached through CloudFront, and the firewall sits there: a request that
 * comes straight to API Gateway's own address went around it. CloudFront adds a secret header; without it
 * the request is refused (403, before any work). Behind CloudFront, API Gateway sees CloudFront's address,
 * so the visitor's (`CloudFront-Viewer-Address`, which only CloudFront sets and forwards) becomes the
 * event's `sourceIp`: the per-address limits keep counting visitors, not edge locations.
 * Without a secret (no WAF, or the local funnel) the handler is called as it is, and a client's
 * `CloudFront-Viewer-Address` is ignored.
 *
 * `secrets` answers the values accepted: the secret's current value and, after a rotation, the one it
 * replaced. CloudFront takes a new value only when its distribution is deployed again, minutes after
 * the functions see it: accepting both, no request is refused while the two ends change (docs/deploy.md).
 */
export function behindEdge(secrets: () => Promise<readonly string[] | undefined>, handler: Handler): Handler {
  return async (event, context) => {
    let accepted: readonly string[] | undefined;
    try {
      accepted = await secrets();
    } catch {
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ error: { code: 'unavailable', message: 'Try again in a moment' } }),
      };
    }
    if (!accepted) return handler(event, context);
    const given = Buffer.from(header(event, EDGE_HEADER) ?? '');
    const matches = (value: string) => {
      const wanted = Buffer.from(value);
      return value !== '' && given.length === wanted.length && timingSafeEqual(given, wanted);
    };
    if (!accepted.some(matches))
      return {
        statusCode: 403,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'forbidden', message: 'Use the API at its CloudFront address (the stack output ApiUrl)' } }),
      };
    const viewer = viewerAddress(header(event, 'cloudfront-viewer-address'));
    const forwarded = viewer ? { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, sourceIp: viewer } } } : event;
    return handler(forwarded, context);
  };
}

/**
 * The address in `CloudFront-Viewer-Address` (`198.51.100.10:46532`, `2001:db8::8:46532`): everything
 * before the last colon, which precedes the port.
 * @example viewerAddress('2001:db8::8:443') // '2001:db8::8'
 */
export function viewerAddress(value: string | undefined): string | undefined {
  const at = value?.lastIndexOf(':') ?? -1;
  return at > 0 ? value!.slice(0, at) : undefined;
}

/**
 * The edge secret's accepted values for a function: none without EDGE_SECRET_ARN (no WAF), else its
 * current and previous values through the secrets extension, each kept five minutes (adapters/secrets.ts).
 */
export function edgeSecretsOf(name: FunctionName): () => Promise<readonly string[] | undefined> {
  const readers = lazy(() => {
    const arn = readEnvironment(name, process.env).EDGE_SECRET_ARN;
    return arn ? [secretReader(arn), secretReader(arn, Date.now, 'AWSPREVIOUS')] : undefined;
  });
  return async () => {
    const r = readers();
    // The current value is needed; the previous one only helps during a rotation: its failure is "none".
    return r && Promise.all([r[0]!(), r[1]!().catch(() => '')]);
  };
}
