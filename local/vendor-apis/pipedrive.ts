import type { OpenAPIV3 } from 'openapi-types';

/**
 * The part of Pipedrive's API Funnel calls, transcribed from Pipedrive's published OpenAPI documents
 * (developers.pipedrive.com/docs/api/v1/openapi.yaml and openapi-v2.yaml, as mirrored on 2026-08-06 in
 * github.com/juhokoskela/pipedrive-go `openapi/upstream/`, commit cc37803): persons in API v2 (search,
 * add, update, delete), leads in API v1 (list by person, add, delete). Paths, parameters, required fields and
 * types as those documents give them; descriptions left out. `npm run vendor-apis -- --pipedrive <folder>`
 * checks this transcription against the documents themselves.
 */
const idPath: OpenAPIV3.ParameterObject = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };
const item: OpenAPIV3.SchemaObject = { type: 'object', properties: { value: { type: 'string' }, primary: { type: 'boolean' }, label: { type: 'string' } } };
const person: OpenAPIV3.SchemaObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    owner_id: { type: 'integer' },
    org_id: { type: 'integer' },
    emails: { type: 'array', items: item },
    phones: { type: 'array', items: item },
    visible_to: { type: 'integer' },
    job_title: { type: 'string' },
    marketing_status: { type: 'string', enum: ['no_consent', 'unsubscribed', 'subscribed', 'archived'] },
    custom_fields: { type: 'object', additionalProperties: true },
  },
};
const token = [{ api_key: [] }];
const answers = (ok: string): OpenAPIV3.ResponsesObject => ({
  [ok]: { description: 'ok' },
  '400': { description: 'bad request' },
  '401': { description: 'unauthorized' },
  '429': { description: 'rate limited' },
});

export const pipedriveApi: OpenAPIV3.Document = {
  openapi: '3.0.1',
  info: { title: 'Pipedrive (the part Funnel calls)', version: '2026-08-06' },
  servers: [{ url: 'https://api.pipedrive.com' }],
  components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-token', in: 'header' } } },
  paths: {
    '/api/v2/persons/search': {
      get: {
        operationId: 'searchPersons',
        security: token,
        parameters: [
          { name: 'term', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'fields', in: 'query', schema: { type: 'string', enum: ['custom_fields', 'email', 'notes', 'phone', 'name'] } },
          { name: 'exact_match', in: 'query', schema: { type: 'boolean' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        responses: answers('200'),
      },
    },
    '/api/v2/persons': {
      post: { operationId: 'addPerson', security: token, requestBody: { content: { 'application/json': { schema: person } } }, responses: answers('200') },
    },
    '/api/v2/persons/{id}': {
      patch: {
        operationId: 'updatePerson',
        security: token,
        parameters: [idPath],
        requestBody: { content: { 'application/json': { schema: person } } },
        responses: answers('200'),
      },
      delete: { operationId: 'deletePerson', security: token, parameters: [idPath], responses: answers('200') },
    },
    '/v1/leads': {
      get: {
        operationId: 'getLeads',
        security: token,
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'start', in: 'query', schema: { type: 'integer' } },
          { name: 'person_id', in: 'query', schema: { type: 'integer' } },
        ],
        responses: answers('200'),
      },
      post: {
        operationId: 'addLead',
        security: token,
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['title'],
                properties: {
                  title: { type: 'string' },
                  owner_id: { type: 'integer' },
                  label_ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
                  person_id: { type: 'integer' },
                  organization_id: { type: 'integer' },
                  was_seen: { type: 'boolean' },
                  origin_id: { type: 'string', nullable: true },
                  channel: { type: 'integer', nullable: true },
                  channel_id: { type: 'string', nullable: true },
                },
              },
            },
          },
        },
        responses: answers('201'),
      },
    },
    '/v1/leads/{id}': {
      delete: {
        operationId: 'deleteLead',
        security: token,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: answers('200'),
      },
    },
  },
};
