import type { FunnelConfigInput } from '../../functions/core/config.js';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { ErrorBody } from '../../functions/core/contracts.js';
import { DomainError } from '../../functions/core/errors.js';
import { makeFormsHandler } from '../../functions/handlers/forms.js';
import { makeLeadsHandler } from '../../functions/handlers/leads.js';
import { openApi as openApiHandler } from '../../functions/handlers/openapi.js';
import { ROUTES } from '../../functions/handlers/endpoints/index.js';
import { API_KEY, aSubmission, apiEvent, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';
import { emailKey } from '../../functions/core/email.js';

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as Context;
const SUBMIT = 'POST /v1/forms/{formId}/submissions';

function setup(config?: FunnelConfigInput) {
  const fake = fakeDeps(config ? { rawConfig: config } : {});
  const forms = makeFormsHandler(() => fake.deps);
  const leadsApi = makeLeadsHandler(() => fake.deps);
  const submit = (body: string, options: Parameters<typeof apiEvent>[1] = {}) =>
    forms(apiEvent(SUBMIT, { path: { formId: 'ebook' }, body, ...options }), context);
  return { ...fake, forms, leadsApi, submit };
}

const errorOf = (result: { body?: string }) => ErrorBody.parse(JSON.parse(result.body ?? '')).error;

describe('Handler: forms (capture)', () => {
  it('serves the form definition with CORS for an allowed origin', async () => {
    const { forms } = setup();
    const res = await forms(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' } }), context);
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['access-control-allow-origin']).toBe(ORIGIN);
    expect(JSON.parse(res.body!)).toMatchObject({ id: 'ebook', siteId: 'demo', kind: 'gated-content' });
    // Cacheable by a CDN for a minute (not by browsers); its Age readable by the widget.
    expect(res.headers?.['cache-control']).toBe('public, max-age=0, s-maxage=60');
    expect(res.headers?.['access-control-expose-headers']).toBe('Age');
    expect(res.headers?.vary).toBe('Origin');
  });

  it('does not grant CORS to an origin the site does not allow', async () => {
    const { forms } = setup();
    const res = await forms(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' }, headers: { origin: 'https://evil.example' } }), context);
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('answers the pre-flight of a public route itself (API Gateway has no CORS setting): origin, methods, content-type only', async () => {
    const { forms } = setup();
    const res = await forms(apiEvent('OPTIONS /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body: '' }), context);
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'POST,OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '3600',
    });
    const foreign = await forms(apiEvent('OPTIONS /v1/forms/{formId}/submissions', { headers: { origin: 'https://evil.example' } }), context);
    expect(foreign.statusCode).toBe(204);
    expect(foreign.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('creates a lead: 202 with the submission id and next, no lead id', async () => {
    const { submit } = setup();
    const body = aSubmission().build();
    const res = await submit(JSON.stringify(body));
    expect(res.statusCode).toBe(202);
    expect(Object.keys(JSON.parse(res.body!)).sort()).toEqual(['message', 'next', 'submissionId', 'visitorToken']);
    expect(JSON.parse(res.body!)).toMatchObject({ submissionId: body.submissionId, next: { type: 'download' } });
    expect(res.headers?.['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('accepts a base64-encoded body as API Gateway sends binary-typed requests', async () => {
    const { submit } = setup();
    const res = await submit(Buffer.from(JSON.stringify(aSubmission().build())).toString('base64'), { base64: true });
    expect(res.statusCode).toBe(202);
  });

  const cases: [string, () => string, Parameters<typeof apiEvent>[1], number, string][] = [
    ['malformed JSON', () => '{"fields": {', {}, 400, 'invalid_json'],
    ['empty body', () => '', {}, 400, 'invalid_json'],
    ['wrong content type', () => JSON.stringify(aSubmission().build()), { headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['body over 16 KB', () => JSON.stringify(aSubmission().with('hp', 'x'.repeat(17_000)).build()), {}, 413, 'payload_too_large'],
    ['unknown form', () => JSON.stringify(aSubmission().build()), { path: { formId: 'nope' } }, 404, 'form_not_found'],
    ['origin not allowed', () => JSON.stringify(aSubmission().build()), { headers: { origin: 'https://evil.example' } }, 403, 'origin_not_allowed'],
    ['invalid email', () => JSON.stringify(aSubmission().withEmail('x@').build()), {}, 400, 'validation_error'],
  ];
  it.each(cases)('answers %s with a 4xx JSON error naming the problem', async (_name, body, options, status, code) => {
    const { submit, leads } = setup();
    const res = await submit(body(), options);
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['content-type']).toMatch(/application\/json/);
    expect(errorOf(res).code).toBe(code);
    expect(leads.leads.size).toBe(0);
  });

  it('names every bad field', async () => {
    const { submit } = setup();
    const res = await submit(JSON.stringify(aSubmission().withEmail('nope').withField('phone', '1').withField('company', 'x'.repeat(300)).build()));
    expect(errorOf(res).fields).toEqual({
      'fields.email': expect.any(String),
      'fields.phone': 'is not a field of this form',
      'fields.company': expect.stringMatching(/at most 200/),
    });
  });

  it('answers a flood from one client with 429 and Retry-After', async () => {
    const { submit } = setup(testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 10, windowSeconds: 60 })));
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await submit(JSON.stringify(aSubmission().withEmail(`p${i}@acme.com`).build())));
    expect(results.slice(0, 10).every((r) => r.statusCode === 202)).toBe(true);
    expect(results[10]?.statusCode).toBe(429);
    expect(results[10]?.headers?.['retry-after']).toBe('60');
    expect(errorOf(results[10]!).code).toBe('rate_limited');
  });

  it('turns an unexpected failure into a generic 500 that leaks nothing, and logs it with the request id', async () => {
    const { deps, submit } = setup();
    deps.leads.capture = async () => {
      throw new Error('ProvisionedThroughputExceeded on arn:aws:dynamodb:secret-table');
    };
    const error = vi.spyOn(deps.log, 'error');
    const res = await submit(JSON.stringify(aSubmission().build()));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/arn|secret|Provisioned/);
    expect(errorOf(res)).toEqual({ code: 'internal_error', message: expect.stringContaining('req-1') });
    expect(error).toHaveBeenCalledWith('unhandled error', expect.objectContaining({ requestId: 'req-1' }));
  });

  it('answers a domain error that carries no status with a logged 500, not a silent 400', async () => {
    const { deps, submit } = setup();
    class Unmapped extends DomainError {}
    deps.leads.capture = async () => {
      throw new Unmapped('mystery', 'a rule nobody gave a status');
    };
    const error = vi.spyOn(deps.log, 'error');
    const res = await submit(JSON.stringify(aSubmission().build()));
    expect(res.statusCode).toBe(500);
    expect(errorOf(res).code).toBe('internal_error');
    expect(error).toHaveBeenCalledWith('domain error without a status', expect.objectContaining({ requestId: 'req-1', error: 'Unmapped' }));
  });

  it.each([
    [
      'DynamoDB throttling',
      Object.assign(new Error('Throughput exceeds the current capacity of arn:aws:dynamodb:secret-table'), {
        name: 'ProvisionedThroughputExceededException',
        $retryable: { throttling: true },
      }),
    ],
    ['an SDK timeout', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('answers %s with 503 and Retry-After (the client retries the same submission), leaking nothing', async (_, failure) => {
    const { deps, submit } = setup();
    deps.leads.capture = async () => {
      throw failure;
    };
    const res = await submit(JSON.stringify(aSubmission().build()));
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1' });
    expect(errorOf(res)).toEqual({ code: 'unavailable', message: 'Busy: please try again in a moment' });
    expect(res.body).not.toMatch(/arn|secret|socket|timed out/);
  });
});

describe('Handler: leads (authenticated read API)', () => {
  const auth = { authorization: `Bearer ${API_KEY}` };

  it('refuses a missing or wrong key with 401', async () => {
    const { leadsApi } = setup();
    const none = await leadsApi(apiEvent('GET /v1/leads/{leadId}', { path: { leadId: 'abcdefgh' } }), context);
    const wrong = await leadsApi(
      apiEvent('GET /v1/leads/{leadId}', { path: { leadId: 'abcdefgh' }, headers: { authorization: 'Bearer fnl_wrong_0000000000000000' } }),
      context,
    );
    expect([none.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(none.headers?.['www-authenticate']).toBe('Bearer');
    expect(errorOf(wrong).code).toBe('unauthorized');
  });

  it('reads a captured lead back by id and by email', async () => {
    const { submit, leadsApi, leads: fakeLeads } = setup();
    await submit(JSON.stringify(aSubmission().build()));
    const created = (await fakeLeads.findByEmail('demo', emailKey('jane.doe@acme.com')))!;
    const byId = await leadsApi(apiEvent('GET /v1/leads/{leadId}', { path: { leadId: created.leadId }, headers: auth }), context);
    expect(byId.statusCode).toBe(200);
    expect(JSON.parse(byId.body!)).toMatchObject({ leadId: created.leadId, email: 'jane.doe@acme.com' });
    const byEmail = await leadsApi(apiEvent('GET /v1/leads', { query: { email: 'Jane.Doe@ACME.com' }, headers: auth }), context);
    expect(JSON.parse(byEmail.body!).leadId).toBe(created.leadId);
  });

  it('answers 404 for an unknown lead and 400 for a bad email query', async () => {
    const { leadsApi } = setup();
    const missing = await leadsApi(apiEvent('GET /v1/leads/{leadId}', { path: { leadId: 'does-not-exist' }, headers: auth }), context);
    const bad = await leadsApi(apiEvent('GET /v1/leads', { query: { email: 'nope' }, headers: auth }), context);
    expect(missing.statusCode).toBe(404);
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).fields).toEqual({ 'query.email': 'must be a valid email address' });
  });

  it('hides leads of sites the key may not read', async () => {
    const { submit, leadsApi, apiKeys } = setup();
    apiKeys.keys.set((await import('../../functions/use-cases/read-leads.js')).hashApiKey('fnl_other_site_key_0000'), { name: 'other', siteIds: ['other'] });
    const created = JSON.parse((await submit(JSON.stringify(aSubmission().build()))).body!);
    const res = await leadsApi(
      apiEvent('GET /v1/leads/{leadId}', { path: { leadId: created.leadId }, headers: { authorization: 'Bearer fnl_other_site_key_0000' } }),
      context,
    );
    expect(res.statusCode).toBe(404);
  });
});

describe('Handler: openapi', () => {
  it('serves an OpenAPI 3.1 document generated from the zod contracts', async () => {
    // Asked at API Gateway's own address behind CloudFront: the document names no server, so its paths
    // stay relative to wherever it was fetched (the CDN, a custom domain).
    const res = await openApiHandler(apiEvent('GET /v1/openapi.json', { headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com' } }), context);
    const doc = JSON.parse(res.body!);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toBeUndefined();
    // Every route the API serves is documented.
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ROUTES.map((r) => r.routeKey).sort()).toEqual(documented.sort());
    expect(doc.components.schemas.SubmissionRequest.properties.fields.required).toEqual(['email']);
    expect(doc.components.schemas.SubmissionRequest.properties.fields.properties.email.maxLength).toBe(254);
    expect(doc.components.schemas.Lead.required).toContain('timeline');
  });
});

describe('Handler: leads (prospects, claim, export, erasure)', () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  async function setup() {
    const fake = fakeDeps();
    const api = makeLeadsHandler(() => fake.deps);
    const forms = makeFormsHandler(() => fake.deps);
    const created = await forms(
      apiEvent('POST /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body: JSON.stringify(aSubmission().build()) }),
      context,
    );
    expect(created.statusCode).toBe(202);
    return { fake, api, leadId: (await fake.leads.findByEmail('demo', emailKey('jane.doe@acme.com')))!.leadId };
  }

  it('lists prospects (200 with a cursor), needs the key (401) and names bad query values (400)', async () => {
    const { api } = await setup();
    const ok = await api(apiEvent('GET /v1/prospects', { query: { stage: 'sql' }, headers: auth }), context);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body!)).toEqual({ prospects: [], nextCursor: expect.any(String) });
    expect((await api(apiEvent('GET /v1/prospects'), context)).statusCode).toBe(401);
    const bad = await api(apiEvent('GET /v1/prospects', { query: { stage: 'hot', limit: '500' }, headers: auth }), context);
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(JSON.parse(bad.body!).error.fields).sort()).toEqual(['query.limit', 'query.stage']);
  });

  it('claims (200), refuses another rep with 409, an unknown lead with 404 and a bad body with 400 naming the field', async () => {
    const { api, leadId } = await setup();
    const claim = (id: string, body: string) => api(apiEvent('POST /v1/prospects/{leadId}/claim', { path: { leadId: id }, body, headers: auth }), context);
    expect((await claim(leadId, '{"rep":"alice"}')).statusCode).toBe(200);
    const taken = await claim(leadId, '{"rep":"bob"}');
    expect(taken.statusCode).toBe(409);
    expect(JSON.parse(taken.body!).error).toMatchObject({ code: 'already_claimed', message: expect.stringContaining('alice') });
    expect((await claim('00000000-0000-4000-8000-999999999999', '{"rep":"bob"}')).statusCode).toBe(404);
    const bad = await claim(leadId, '{"rep":42}');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body!).error.fields).toHaveProperty('rep');
    expect((await claim(leadId, 'not json')).statusCode).toBe(400);
  });

  it('exports as an attachment, erases with 204, then answers 404 for both', async () => {
    const { api, leadId } = await setup();
    const exported = await api(apiEvent('GET /v1/leads/{leadId}/export', { path: { leadId }, headers: auth }), context);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers?.['content-disposition']).toBe(`attachment; filename="lead-${leadId}.json"`);
    const erased = await api(apiEvent('DELETE /v1/leads/{leadId}', { path: { leadId }, headers: auth }), context);
    expect(erased.statusCode).toBe(204);
    expect((await api(apiEvent('DELETE /v1/leads/{leadId}', { path: { leadId }, headers: auth }), context)).statusCode).toBe(404);
    expect((await api(apiEvent('GET /v1/leads/{leadId}/export', { path: { leadId }, headers: auth }), context)).statusCode).toBe(404);
  });
});
