import type { OpenAPIV3 } from 'openapi-types';

/**
 * The part of HubSpot's API Funnel calls, transcribed from HubSpot's own OpenAPI documents in its public
 * API spec collection (github.com/HubSpot/HubSpot-public-api-spec-collection, commit 9989379, 2026-08-21):
 * `PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json` (Contacts v3),
 * `PublicApiSpecs/CRM/Notes/Rollouts/424/v3/notes.json` (Notes v3) and
 * `PublicApiSpecs/CRM/Associations/Rollouts/130902/v4/associations.json` (Associations v4).
 * Paths, parameters, required fields and types as those documents give them; descriptions left out.
 * `npm run vendor-apis -- --hubspot <folder>` checks this transcription against the documents themselves.
 */
/** HubSpot's own operation ids (the mock answers by them, from this transcription or from HubSpot's documents alike). */
export const HUBSPOT_OPERATIONS = {
  contactsUpsert: 'post-/crm/v3/objects/contacts/batch/upsert_upsert',
  contactsGdprDelete: 'post-/crm/v3/objects/contacts/gdpr-delete_purge',
  notesUpsert: 'post-/crm/v3/objects/notes/batch/upsert_upsert',
  associateDefault: 'put-/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}_createDefault',
} as const;

const upsertInput: OpenAPIV3.SchemaObject = {
  type: 'object',
  required: ['inputs'],
  properties: {
    inputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'properties'],
        properties: {
          id: { type: 'string' },
          idProperty: { type: 'string' },
          objectWriteTraceId: { type: 'string' },
          // HubSpot takes every property value as a string.
          properties: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
};

const error: OpenAPIV3.ResponseObject = { description: 'error', content: { '*/*': { schema: { $ref: '#/components/schemas/Error' } } } };
const bearer = [{ private_apps: [] }];

export const hubspotApi: OpenAPIV3.Document = {
  openapi: '3.0.1',
  info: { title: 'HubSpot CRM (the part Funnel calls)', version: '2026-08-21' },
  servers: [{ url: 'https://api.hubapi.com' }],
  components: {
    // The documents name this scheme `private_apps`; HubSpot's guide sends a private app's token as a bearer token.
    securitySchemes: { private_apps: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['category', 'correlationId', 'message'],
        properties: { category: { type: 'string' }, correlationId: { type: 'string' }, message: { type: 'string' }, subCategory: { type: 'string' } },
      },
      BatchInputSimplePublicObjectBatchInputUpsert: upsertInput,
    },
  },
  paths: {
    '/crm/v3/objects/contacts/batch/upsert': {
      post: {
        operationId: HUBSPOT_OPERATIONS.contactsUpsert,
        security: bearer,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchInputSimplePublicObjectBatchInputUpsert' } } },
        },
        responses: { '200': { description: 'upserted' }, '207': { description: 'multiple statuses' }, default: error },
      },
    },
    '/crm/v3/objects/contacts/gdpr-delete': {
      post: {
        operationId: HUBSPOT_OPERATIONS.contactsGdprDelete,
        security: bearer,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['objectId'], properties: { idProperty: { type: 'string' }, objectId: { type: 'string' } } },
            },
          },
        },
        responses: { '204': { description: 'deleted' }, default: error },
      },
    },
    '/crm/v3/objects/notes/batch/upsert': {
      post: {
        operationId: HUBSPOT_OPERATIONS.notesUpsert,
        security: bearer,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchInputSimplePublicObjectBatchInputUpsert' } } },
        },
        responses: { '200': { description: 'upserted' }, '207': { description: 'multiple statuses' }, default: error },
      },
    },
    '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}': {
      put: {
        operationId: HUBSPOT_OPERATIONS.associateDefault,
        security: bearer,
        parameters: [
          { name: 'fromObjectType', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'fromObjectId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'toObjectType', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'toObjectId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'associated' }, default: error },
      },
    },
  },
};
