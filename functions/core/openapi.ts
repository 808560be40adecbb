import { z } from 'zod';
import { ErrorBody, FormView, LeadView, SubmissionBody, SubmissionFields, SubmissionResponse } from './contracts.js';

const toSchema = (schema: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => ({ description, ...jsonContent('Error') });

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with, so the
 * documentation cannot drift from the behaviour.
 */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  // The generic body types `fields` as a record; document the catalogue of fields a form may declare.
  const submissionRequest = SubmissionBody.extend({ fields: SubmissionFields.partial({ email: undefined }) });
  const formIdParam = { name: 'formId', in: 'path', required: true, schema: { type: 'string' } };
  const bearer = [{ apiKey: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Funnel API',
      version: '1.0.0',
      description: 'Lead capture, lead read-back. Errors are always `{ error: { code, message, fields? } }`.',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/v1/forms/{formId}': {
        get: {
          operationId: 'getForm',
          summary: 'The definition of a form, for the widget to render',
          parameters: [formIdParam],
          responses: { '200': { description: 'The form', ...jsonContent('FormView') }, '404': error('No such form') },
        },
      },
      '/v1/forms/{formId}/submissions': {
        post: {
          operationId: 'submitForm',
          summary: 'Submit a form: creates or updates the lead with this email in the form\'s site',
          description:
            'Send a client-generated `submissionId`: the same id again returns the same answer and records nothing twice. Only fields the form declares are accepted. Body at most 16 KB.',
          parameters: [formIdParam],
          requestBody: { required: true, ...jsonContent('SubmissionRequest') },
          responses: {
            '201': { description: 'New lead', ...jsonContent('SubmissionResponse') },
            '200': { description: 'Known lead updated', ...jsonContent('SubmissionResponse') },
            '400': error('Malformed JSON or invalid fields (named in `error.fields`)'),
            '403': error('Origin not allowed for this site'),
            '404': error('No such form'),
            '413': error('Body over 16 KB'),
            '415': error('Content-Type is not application/json'),
            '429': error('Too many submissions from this client; see Retry-After'),
          },
        },
      },
      '/v1/leads/{leadId}': {
        get: {
          operationId: 'getLead',
          summary: 'A lead with profile, consent record, sources and timeline',
          security: bearer,
          parameters: [{ name: 'leadId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The lead', ...jsonContent('Lead') }, '401': error('Missing or invalid API key'), '404': error('No such lead') },
        },
      },
      '/v1/leads': {
        get: {
          operationId: 'findLeadByEmail',
          summary: 'Find the lead with an email address',
          security: bearer,
          parameters: [
            { name: 'email', in: 'query', required: true, schema: { type: 'string', format: 'email' } },
            { name: 'site', in: 'query', required: false, description: 'Required when the key reads more than one site', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'The lead', ...jsonContent('Lead') }, '400': error('Bad query'), '401': error('Missing or invalid API key'), '404': error('No such lead') },
        },
      },
      '/v1/openapi.json': { get: { operationId: 'openApi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created with `npm run api-key`' } },
      schemas: {
        FormView: toSchema(FormView),
        SubmissionRequest: toSchema(submissionRequest),
        SubmissionResponse: toSchema(SubmissionResponse),
        Lead: toSchema(LeadView),
        Error: toSchema(ErrorBody),
      },
    },
  };
}
