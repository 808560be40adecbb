import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorBody } from '../../functions/core/contracts.js';
import { makeFormsHandler } from '../../functions/handlers/forms.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, apiEvent, fakeDeps, ORIGIN } from '../support/builders.js';

const context = { awsRequestId: 'fuzz', getRemainingTimeInMillis: () => 10_000 } as Context;

/** Bodies near the valid shape (more likely to reach deep code) and anything at all. */
const fieldValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.emailAddress(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string()),
  fc.object(),
);
const nearlyValid = fc.record(
  {
    submissionId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
    fields: fc.oneof(
      fc.record(
        { email: fc.oneof(fc.emailAddress(), fieldValue), firstName: fieldValue, company: fieldValue, jobTitle: fieldValue, phone: fieldValue },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.string(), fieldValue),
      fieldValue,
    ),
    consent: fc.oneof(fc.record({ marketing: fc.oneof(fc.boolean(), fieldValue) }), fieldValue),
    context: fc.oneof(
      fc.record(
        { pageUrl: fc.oneof(fc.webUrl(), fc.string()), referrer: fc.oneof(fc.webUrl(), fc.string()), utm: fc.dictionary(fc.string(), fieldValue) },
        { requiredKeys: [] },
      ),
      fieldValue,
    ),
    hp: fieldValue,
    startedAt: fc.oneof(fc.integer(), fc.double(), fieldValue),
    __proto__: fieldValue,
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(
  nearlyValid.map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20_000 }),
);

describe('Property: the submission endpoint never fails on bad input', () => {
  it('answers thousands of random bodies with 2xx or a 4xx JSON error, and stores a lead only on 2xx', async () => {
    const { deps, leads } = fakeDeps();
    // One client may submit as often as it likes here: the rate limit is tested on its own.
    deps.rateLimiter = { hit: async () => ({ allowed: true, undo: async () => undefined }) };
    const handler = makeFormsHandler(() => deps);
    await fc.assert(
      fc.asyncProperty(anyBody, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'), async (body, type) => {
        const before = leads.submissions.size;
        const res = await handler(
          apiEvent('POST /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body, headers: { 'content-type': type } }),
          context,
        );
        const status = res.statusCode ?? 0;
        expect(status === 202 || (status >= 400 && status < 500)).toBe(true);
        if (status >= 400) {
          const parsed = ErrorBody.safeParse(JSON.parse(res.body ?? ''));
          expect(parsed.success).toBe(true);
          expect(leads.submissions.size).toBe(before);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('stays 4xx for valid-looking bodies with one hostile value', async () => {
    const { deps } = fakeDeps();
    deps.rateLimiter = { hit: async () => ({ allowed: true, undo: async () => undefined }) };
    const handler = makeFormsHandler(() => deps);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('email', 'firstName', 'company', 'jobTitle'),
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ minLength: 300 }), fc.constant('\u0000'), fc.constant('<script>alert(1)</script>\u202e')),
        async (field, value) => {
          const res = await handler(
            apiEvent('POST /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body: JSON.stringify(aSubmission().withField(field, value).build()) }),
            context,
          );
          expect(res.statusCode! < 500).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('Property: the events endpoint never fails on bad input', () => {
  it('answers random and nearly valid event bodies with 202 or a 4xx JSON error, and stores only on 202 recorded', async () => {
    const { deps, leads } = fakeDeps();
    deps.rateLimiter = { hit: async () => ({ allowed: true, undo: async () => undefined }) };
    const { body: reply } = await submitForm(deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.1' });
    const token = reply.visitorToken!;
    const handler = makeFormsHandler(() => deps);
    const nearlyValidEvent = fc.record(
      {
        visitorToken: fc.oneof(fc.constant(token), fc.constant(`${token}x`), fc.string(), fieldValue),
        eventId: fc.oneof(fc.uuid(), fc.string(), fieldValue),
        type: fc.oneof(fc.constant('page_viewed'), fc.string(), fieldValue),
        url: fc.oneof(fc.constant(`${ORIGIN}/pricing`), fc.webUrl(), fc.string(), fieldValue),
        title: fieldValue,
        referrer: fc.oneof(fc.webUrl(), fieldValue),
        __proto__: fieldValue,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      nearlyValidEvent.map((b) => JSON.stringify(b)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 20_000 }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'text/plain;charset=UTF-8', 'text/html'), async (raw, type) => {
        const before = leads.events.size;
        const res = await handler(apiEvent('POST /v1/events', { body: raw, headers: { 'content-type': type } }), context);
        const status = res.statusCode ?? 0;
        expect(status === 202 || (status >= 400 && status < 500)).toBe(true);
        if (status >= 400) {
          expect(ErrorBody.safeParse(JSON.parse(res.body ?? '')).success).toBe(true);
          expect(leads.events.size).toBe(before);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('names a `__proto__` key as any other: at the top, in `fields`, and on every JSON route', async () => {
    const { deps } = fakeDeps();
    const handler = makeFormsHandler(() => deps);
    const post = (routeKey: string, body: string, path?: Record<string, string>) => handler(apiEvent(routeKey, { body, ...(path && { path }) }), context);
    const valid = aSubmission().build();
    const top = await post('POST /v1/forms/{formId}/submissions', `{"__proto__":{"x":1},${JSON.stringify(valid).slice(1)}`, { formId: 'ebook' });
    const inFields = await post('POST /v1/forms/{formId}/submissions', JSON.stringify(valid).replace('"fields":{', '"fields":{"__proto__":"x",'), {
      formId: 'ebook',
    });
    const known = await post('POST /v1/forms/{formId}/known', '{"__proto__":1,"visitorToken":"v2.x"}', { formId: 'ebook' });
    expect([top.statusCode, inFields.statusCode, known.statusCode]).toEqual([400, 400, 400]);
    const error = JSON.parse(top.body!).error;
    expect([error.code, error.message]).toEqual(['validation_error', 'Invalid __proto__']);
    expect(Object.entries(error.fields)).toEqual([['__proto__', 'is not a known property']]);
    expect(JSON.parse(inFields.body!).error.fields).toEqual({ 'fields.__proto__': 'is not a field of this form' });
    expect(JSON.parse(known.body!).error.fields).toHaveProperty(['__proto__']);
  });
});
