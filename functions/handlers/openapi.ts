import { OPENAPI } from './endpoints/openapi.js';
import { openApiDocument } from './openapi-document.js';
import { json, routeGroup } from './http.js';
import { behindEdge, edgeSecretsOf } from './edge.js';

/** `GET /v1/openapi.json`. Generated once per process; touches no table. */
let document: Record<string, unknown> | undefined;

/** The route group as the local runtime serves it; `handler` is the Lambda's (behind the edge check). */
export const openApi = routeGroup(OPENAPI, {
  openApi: async () => {
    document ??= openApiDocument();
    return json(200, document, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
  },
});

export const handler = behindEdge(edgeSecretsOf('openapi'), openApi);
