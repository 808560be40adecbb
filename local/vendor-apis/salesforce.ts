import type { OpenAPIV3 } from 'openapi-types';

/**
 * The part of Salesforce's APIs Funnel calls. Salesforce publishes no OpenAPI document for its REST API
 * (its generated per-org OpenAPI is a beta inside each org), so this is written from its documented
 * requests and responses:
 * - OAuth 2.0 client credentials flow and JWT bearer flow: help.salesforce.com "OAuth 2.0 Client
 *   Credentials Flow for Server-to-Server Integration" and "OAuth 2.0 JWT Bearer Flow" (token request
 *   `POST /services/oauth2/token`, form-encoded; answer `access_token`, `instance_url`, `token_type`).
 * - REST API Developer Guide v62.0: "Insert or Update (Upsert) a Record Using an External ID"
 *   (`PATCH /services/data/vXX.X/sobjects/{SObject}/{field}/{value}`: 201 created, 200 updated),
 *   "Composite" (`POST /services/data/vXX.X/composite`, `allOrNone`, `compositeRequest[]` of
 *   `method`, `url`, `referenceId`, `body`; references as `@{referenceId.id}`), "Delete a Record"
 *   (`DELETE …/sobjects/{SObject}/{field}/{value}`: 204), and "Status Codes and Error Responses" (401
 *   `INVALID_SESSION_ID`, 403 `REQUEST_LIMIT_EXCEEDED`, 400 `REQUIRED_FIELD_MISSING`…, bodies
 *   `[{ "errorCode", "message", "fields" }]`).
 */
const error: OpenAPIV3.ResponseObject = {
  description: 'error',
  content: {
    'application/json': {
      schema: {
        type: 'array',
        items: {
          type: 'object',
          required: ['errorCode', 'message'],
          properties: { errorCode: { type: 'string' }, message: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
};
const bearer = [{ oauth: [] }];
const version: OpenAPIV3.ParameterObject = { name: 'version', in: 'path', required: true, schema: { type: 'string', pattern: '^v\\d{2,3}\\.0$' } };
const fieldValue: OpenAPIV3.SchemaObject = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

export const salesforceApi: OpenAPIV3.Document = {
  openapi: '3.0.1',
  info: { title: 'Salesforce REST API and OAuth 2.0 (the part Funnel calls)', version: 'v62.0' },
  servers: [{ url: 'https://example.my.salesforce.com' }],
  components: { securitySchemes: { oauth: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/services/oauth2/token': {
      post: {
        operationId: 'token',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                oneOf: [
                  {
                    type: 'object',
                    required: ['grant_type', 'client_id', 'client_secret'],
                    properties: {
                      grant_type: { type: 'string', enum: ['client_credentials'] },
                      client_id: { type: 'string' },
                      client_secret: { type: 'string' },
                    },
                    additionalProperties: false,
                  },
                  {
                    type: 'object',
                    required: ['grant_type', 'assertion'],
                    properties: { grant_type: { type: 'string', enum: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }, assertion: { type: 'string' } },
                    additionalProperties: false,
                  },
                ],
              },
            },
          },
        },
        responses: { '200': { description: 'a token' }, '400': { description: 'invalid_grant, invalid_client…' } },
      },
    },
    '/services/data/{version}/composite': {
      post: {
        operationId: 'composite',
        security: bearer,
        parameters: [version],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['compositeRequest'],
                properties: {
                  allOrNone: { type: 'boolean' },
                  compositeRequest: {
                    type: 'array',
                    minItems: 1,
                    maxItems: 25,
                    items: {
                      type: 'object',
                      required: ['method', 'url', 'referenceId'],
                      properties: {
                        method: { type: 'string', enum: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] },
                        url: { type: 'string', pattern: '^/services/data/v\\d{2,3}\\.0/' },
                        referenceId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
                        body: { type: 'object', additionalProperties: fieldValue },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        responses: { '200': { description: 'each subrequest answered' }, '400': error, '401': error, '403': error },
      },
    },
    '/services/data/{version}/sobjects/{sobject}/{field}/{value}': {
      delete: {
        operationId: 'deleteByExternalId',
        security: bearer,
        parameters: [
          version,
          { name: 'sobject', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'field', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'value', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: { '204': { description: 'deleted' }, '404': error, '401': error, '403': error },
      },
    },
  },
};
