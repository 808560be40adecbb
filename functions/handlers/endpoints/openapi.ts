import type { Endpoint } from './types.js';

/** Route group "openapi": the API description. */
export const OPENAPI = {
  openApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    group: 'openapi',
    auth: 'open',
    summary: 'This document',
    responses: { '200': { description: 'OpenAPI 3.1' } },
  },
} as const satisfies Record<string, Endpoint>;
