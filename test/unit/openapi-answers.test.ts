import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, type Endpoint, routeKeyOf } from '../../functions/handlers/endpoints/index.js';
import { makeFormsHandler } from '../../functions/handlers/forms.js';
import { makeLeadsHandler } from '../../functions/handlers/leads.js';
import { makeMailLinksHandler } from '../../functions/handlers/mail-links.js';
import { openApi } from '../../functions/handlers/openapi.js';
import { openApiDocument } from '../../functions/handlers/openapi-document.js';
import { makeWebhooksApiHandler } from '../../functions/handlers/webhooks-api.js';
import { API_KEY, aSubmission, apiEvent, fakeDeps } from '../support/builders.js';

/**
 * Issue 22: the OpenAPI document says every answer. Every route is called the way a stranger would (no
 * key, a wrong one, each content type, a body too big, broken JSON, `__proto__`, hostile query and path
 * values, a flood, and the table failing under it), and every status it answers must be one the document
 * declares for that operation.
 */
const context = { awsRequestId: 'openapi', getRemainingTimeInMillis: () => 10_000 } as Context;
type Result = Exclude<APIGatewayProxyResultV2, string>;
type Handler = (event: ReturnType<typeof apiEvent>, context: Context) => Promise<Result>;

function handlers(fake: ReturnType<typeof fakeDeps>): Record<Endpoint['group'], Handler> {
  return {
    capture: makeFormsHandler(() => fake.deps) as Handler,
    leads: makeLeadsHandler(() => fake.deps) as Handler,
    mail: makeMailLinksHandler(() => fake.deps) as Handler,
    webhooks: makeWebhooksApiHandler(() => fake.deps) as Handler,
    openapi: openApi as unknown as Handler,
  };
}

const PATH_VALUES = ['ebook', 'abcdefgh-0000', 'x', '%00', 'a'.repeat(300), '__proto__'];
const QUERY_VALUES = ['', 'abc', '0000-01-01', '-1', '1e9', '9999-99-99', '__proto__', 'x'.repeat(2000)];
const BODIES: [string, string][] = [
  ['{}', 'application/json'],
  [JSON.stringify(aSubmission().build()), 'application/json'],
  ['{"fields":', 'application/json'],
  ['{"__proto__":{"x":1}}', 'application/json'],
  ['[1,2]', 'text/plain'],
  ['{"rep":"alice"}', 'application/json'],
  ['token=abc', 'application/x-www-form-urlencoded'],
  ['<x/>', 'text/html'],
  ['x'.repeat(17 * 1024), 'application/json'],
];

/** The requests tried on one route: each path value, each query value of each parameter, each body, each key. */
function* requests(e: Endpoint) {
  const names = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const queryNames = Object.keys(e.query?.shape ?? {});
  for (const value of PATH_VALUES)
    for (const [body, type] of e.method === 'POST' ? BODIES : [[undefined, 'application/json'] as const])
      for (const auth of [`Bearer ${API_KEY}`, undefined, 'Bearer fnl_wrong_000000000000000']) {
        const query = Object.fromEntries(queryNames.map((q) => [q, QUERY_VALUES[(value.length + (body?.length ?? 0)) % QUERY_VALUES.length]!]));
        yield { path: Object.fromEntries(names.map((n) => [n, value])), query, body, type, auth };
      }
  for (const q of queryNames)
    for (const v of QUERY_VALUES)
      yield {
        path: Object.fromEntries(names.map((n) => [n, 'ebook'])),
        query: { [q]: v },
        body: undefined,
        type: 'application/json',
        auth: `Bearer ${API_KEY}`,
      };
}

describe('The OpenAPI document declares every answer of every route', () => {
  const document = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const declared = (e: Endpoint) => Object.keys(document.paths[e.path]![e.method.toLowerCase()]!.responses);

  it.each(Object.entries(ENDPOINTS) as [string, Endpoint][])('%s', async (_id, e) => {
    const fake = fakeDeps();
    const handler = handlers(fake)[e.group];
    const answered = new Set<number>();
    const call = async (r: ReturnType<typeof requests> extends Generator<infer T> ? T : never) => {
      const res = await handler(
        apiEvent(routeKeyOf(e), {
          path: r.path,
          query: r.query,
          ...(r.body !== undefined && { body: r.body }),
          headers: { 'content-type': r.type, ...(r.auth && { authorization: r.auth }) },
        }),
        context,
      );
      answered.add(res.statusCode ?? 0);
    };
    let n = 0;
    for (const r of requests(e)) {
      n++;
      await call(r);
    }
    // A flood of the first well-formed request: a limit must say 429
    const flood = requests(e).next().value!;
    for (let i = 0; i < 120; i++) await call(flood);
    // The table failing under it (throttled): 503, never a 500
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
    for (const port of [fake.deps.leads, fake.deps.nurture, fake.deps.prospects, fake.deps.webhooks, fake.deps.rateLimiter, fake.deps.stats, fake.deps.apiKeys])
      for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(port))) {
        if (name === 'constructor' || typeof (port as unknown as Record<string, unknown>)[name] !== 'function') continue;
        (port as unknown as Record<string, unknown>)[name] = () => Promise.reject(throttled);
      }
    fake.deps.formCeiling = { retryAfter: () => undefined, count: () => Promise.reject(throttled) };
    await call(flood);
    // Assess
    expect(n).toBeGreaterThan(10);
    const undeclared = [...answered].filter((s) => !declared(e).includes(String(s)));
    expect(undeclared, `answered ${[...answered].sort()}; declared ${declared(e)}`).toEqual([]);
    expect(answered.has(500)).toBe(false);
  });

  it('derives the implied answers from the table: body kinds 400/413/415, query schemas 400, keys 401, limits 429', () => {
    const submit = declared(ENDPOINTS.submitForm);
    expect(submit).toEqual(expect.arrayContaining(['202', '400', '403', '404', '413', '415', '429', '503']));
    expect(declared(ENDPOINTS.knownFields)).toEqual(expect.arrayContaining(['400', '413', '415', '429']));
    expect(declared(ENDPOINTS.getForm)).toEqual(expect.arrayContaining(['200', '400', '404']));
    expect(declared(ENDPOINTS.listProspects)).toEqual(expect.arrayContaining(['400', '401']));
    expect(declared(ENDPOINTS.openApi)).toEqual(['200']);
  });
});
