import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../functions/environment.js';
import { behindEdge, EDGE_HEADER, viewerAddress } from '../../functions/handlers/edge.js';
import type { HttpEvent, HttpResult } from '../../functions/handlers/http.js';
import { apiEvent } from '../support/builders.js';

const SECRET = 'a'.repeat(24) + 'B'.repeat(24);
const context = {} as never;

/** A handler that records the address it was called with. */
function recording() {
  const seen: string[] = [];
  const handler = async (event: HttpEvent): Promise<HttpResult> => {
    seen.push(event.requestContext.http.sourceIp);
    return { statusCode: 200, body: 'ok' };
  };
  return { seen, handler };
}

describe('behindEdge: requests must come through CloudFront when WAF is on', () => {
  it('refuses a request without the secret header, or with a wrong one, with 403 JSON and before any work', async () => {
    // Prepare
    const { seen, handler } = recording();
    const guarded = behindEdge(async () => [SECRET, ''], handler);

    // Act
    const missing = await guarded(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' } }), context);
    const wrong = await guarded(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' }, headers: { [EDGE_HEADER]: `${SECRET.slice(1)}x` } }), context);
    const short = await guarded(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' }, headers: { [EDGE_HEADER]: 'a' } }), context);

    // Assess
    for (const res of [missing, wrong, short]) {
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(res.body!).error.code).toBe('forbidden');
    }
    expect(seen).toEqual([]);
  });

  it('passes a request with the secret on, with the visitor address CloudFront saw as its source (IPv4 and IPv6)', async () => {
    // Prepare
    const { seen, handler } = recording();
    const guarded = behindEdge(async () => [SECRET, ''], handler);
    const through = (viewer?: string) =>
      guarded(apiEvent('POST /v1/events', { headers: { [EDGE_HEADER]: SECRET, ...(viewer && { 'cloudfront-viewer-address': viewer }) } }), context);

    // Act
    const results = [await through('198.51.100.10:46532'), await through('2001:db8::8:443'), await through()];

    // Assess: without the header the event keeps API Gateway's address
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(seen).toEqual(['198.51.100.10', '2001:db8::8', apiEvent('POST /v1/events').requestContext.http.sourceIp]);
  });

  it('without a secret (no WAF, the local funnel) calls the handler as it is, and ignores a forged viewer address', async () => {
    // Prepare
    const { seen, handler } = recording();
    const open = behindEdge(async () => undefined, handler);

    // Act
    const res = await open(apiEvent('POST /v1/events', { headers: { 'cloudfront-viewer-address': '203.0.113.9:1' } }), context);

    // Assess
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual([apiEvent('POST /v1/events').requestContext.http.sourceIp]);
  });

  it('reads the address before the port', () => {
    expect(viewerAddress('198.51.100.10:46532')).toBe('198.51.100.10');
    expect(viewerAddress('2001:db8::8:443')).toBe('2001:db8::8');
    expect(viewerAddress('garbage')).toBeUndefined();
    expect(viewerAddress(undefined)).toBeUndefined();
  });
});

describe('EDGE_SECRET_ARN in a function environment', () => {
  const base = { LOG_LEVEL: 'info', NODE_OPTIONS: '', FUNNEL_STACK: 's' };
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge';
  it('is optional for the API functions, and not read by the others', () => {
    expect(readEnvironment('openapi', base).EDGE_SECRET_ARN).toBeUndefined();
    expect(readEnvironment('openapi', { ...base, EDGE_SECRET_ARN: ARN }).EDGE_SECRET_ARN).toBe(ARN);
    expect(readEnvironment('mailEvents', { ...base, TABLE_NAME: 't', EDGE_SECRET_ARN: ARN }).EDGE_SECRET_ARN).toBeUndefined();
    // The email links are never behind the check: links already sent name the address of their day.
    expect(readEnvironment('mail', { ...base, TABLE_NAME: 't', TOKEN_SECRET_ARN: 'arn', EDGE_SECRET_ARN: ARN }).EDGE_SECRET_ARN).toBeUndefined();
  });
});

describe('Rotating the edge secret', () => {
  it('refuses nothing at any step: the old value, then both, then the new one reach the functions', async () => {
    // Prepare: what the functions accept follows the secret's stages; CloudFront sends one value at a time
    const OLD = 'o'.repeat(48);
    const NEW = 'n'.repeat(48);
    let stages: string[] = [OLD, ''];
    const { handler } = recording();
    const guarded = behindEdge(async () => stages, handler);
    const from = (sent: string) => guarded(apiEvent('POST /v1/events', { headers: { [EDGE_HEADER]: sent } }), context);
    // Act + Assess: 1. before: CloudFront sends the old value
    expect((await from(OLD)).statusCode).toBe(200);
    // 2. put-secret-value: the new value is current, the old previous; CloudFront still sends the old one
    stages = [NEW, OLD];
    expect((await from(OLD)).statusCode).toBe(200);
    // 3. the deploy naming the new version reaches CloudFront's edges one by one: both values arrive
    expect((await from(NEW)).statusCode).toBe(200);
    expect((await from(OLD)).statusCode).toBe(200);
    // A value that was never the secret's is refused; a rotation later still, the first one is too
    expect((await from('x'.repeat(48))).statusCode).toBe(403);
    stages = ['t'.repeat(48), NEW];
    expect((await from(OLD)).statusCode).toBe(403);
  });

  it('answers 503 (retry) when the secret cannot be read, never lets the request through', async () => {
    const { seen, handler } = recording();
    const guarded = behindEdge(async () => Promise.reject(new Error('extension down')), handler);
    const res = await guarded(apiEvent('POST /v1/events', { headers: { [EDGE_HEADER]: SECRET } }), context);
    expect(res.statusCode).toBe(503);
    expect(seen).toEqual([]);
  });
});
