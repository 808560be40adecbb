import * as z from '../core/zod.js';
import { ImpressionsBody } from '../core/stats.js';
import { ENDPOINTS, type Endpoint } from './endpoints/index.js';
import { answersOf } from './endpoints/types.js';
import {
  ClaimBody,
  TestEventBody,
  ErrorBody,
  EventBody,
  EventResponse,
  FormView,
  LeadView,
  ProspectView,
  SubmissionBody,
  SubmissionFields,
  SubmissionResponse,
} from '../core/contracts.js';

const toSchema = (schema: z.ZodMiniType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaOf = (schema: string | Record<string, unknown>) => (typeof schema === 'string' ? ref(schema) : schema);

/** An endpoint's path or query parameters, from the zod schema the edge validates them with. */
function parameters(schema: z.ZodMiniObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...json } = toSchema(field as z.ZodMiniType);
    const optional = (field as z.ZodMiniType).safeParse(undefined).success;
    return { name, in: where, required: where === 'path' || !optional, ...(description !== undefined && { description }), schema: json };
  });
}

/** One operation of the OpenAPI document, from its row of the endpoint table. */
function operation(operationId: string, e: Endpoint) {
  return {
    operationId,
    summary: e.summary,
    ...(e.description && { description: e.description }),
    ...(e.auth === 'apiKey' && { security: [{ apiKey: [] }] }),
    ...(e.auth === 'person' && { security: [{ person: [] }], 'x-roles': e.roles }),
    parameters: [...parameters(e.params, 'path'), ...parameters(e.query, 'query')],
    ...(e.body?.schema && {
      requestBody: {
        required: e.body.required,
        content: { [e.body.kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json']: { schema: schemaOf(e.body.schema) } },
      },
    }),
    responses: Object.fromEntries(
      Object.entries(answersOf(e)).map(([status, r]) => [
        status,
        { description: r.description, ...(r.schema && { content: { 'application/json': { schema: schemaOf(r.schema) } } }) },
      ]),
    ),
  };
}

/**
 * The OpenAPI 3.1 document: its paths from the endpoint table (the routes API Gateway and the local
 * runtime serve), its schemas from the same zod schemas the handlers validate with, so the documentation
 * cannot drift from the behaviour.
 */
export function openApiDocument(): Record<string, unknown> {
  // The generic body types `fields` as a record; document the catalogue of fields a form may declare.
  const submissionRequest = z.extend(SubmissionBody, { fields: z.partial(SubmissionFields, { email: undefined }) });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, e] of Object.entries(ENDPOINTS) as [string, Endpoint][]) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(operationId, e);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Funnel API',
      version: '1.0.0',
      description:
        'Lead capture, behaviour tracking, lead read-back with scores, and the links in nurture emails. Errors are always `{ error: { code, message, fields? } }`.',
    },
    // No `servers`: the paths are relative to wherever the document was fetched (OpenAPI's default), which
    // is right behind a custom domain or CloudFront, where the request's Host is API Gateway's own.
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created with `npm run api-key`' },
        person: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token of a person signed in to the console (OpenID Connect); the route names the roles it allows in `x-roles`',
        },
      },
      schemas: {
        FormView: toSchema(FormView),
        SubmissionRequest: toSchema(submissionRequest),
        SubmissionResponse: toSchema(SubmissionResponse),
        EventRequest: toSchema(EventBody),
        EventResponse: toSchema(EventResponse),
        ImpressionsRequest: toSchema(ImpressionsBody),
        Lead: toSchema(LeadView),
        Prospect: toSchema(ProspectView),
        ClaimRequest: toSchema(ClaimBody),
        TestEventRequest: toSchema(TestEventBody),
        Error: toSchema(ErrorBody),
      },
    },
  };
}
