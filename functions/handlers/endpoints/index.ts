import { CAPTURE } from './capture.js';
import { CONSOLE } from './console.js';
import { LEADS } from './leads.js';
import { MAIL } from './mail.js';
import { OPENAPI } from './openapi.js';
import type { Endpoint, RouteGroup } from './types.js';
import { preflightsOf, routeKeyOf, type Traffic, trafficOf } from './types.js';
import { WEBHOOKS } from './webhooks.js';

export * from './types.js';

/**
 * The endpoint table: the single place a route is written, one module per route group. From it come the
 * API Gateway routes and the Lambda serving each (infra/stateless-stack.ts), the local runtime's routing,
 * the dispatch and the path/query validation inside each route-group Lambda (`routeGroup` in http.ts,
 * given its group's module, whose bindings must name exactly its operations), and the OpenAPI document's
 * paths (openapi-document.ts). A group's Lambda imports only its own module.
 */
export const ENDPOINTS = { ...CAPTURE, ...LEADS, ...CONSOLE, ...OPENAPI, ...MAIL, ...WEBHOOKS } as const satisfies Record<string, Endpoint>;

export type OperationId = keyof typeof ENDPOINTS;

/** Every route with its group, as API Gateway and the local runtime serve them. */
export const ROUTES: readonly { routeKey: string; group: RouteGroup; operationId: OperationId; traffic: Traffic }[] = (
  Object.entries(ENDPOINTS) as [OperationId, Endpoint][]
).map(([operationId, e]) => ({ routeKey: routeKeyOf(e), group: e.group, operationId, traffic: trafficOf(e) }));

/** The pre-flight routes (`OPTIONS`) of the public endpoints, served by the same functions. */
export const PREFLIGHT_ROUTES: readonly { routeKey: string; group: RouteGroup }[] = [...preflightsOf(Object.values(ENDPOINTS) as Endpoint[])].map(
  ([routeKey, { group }]) => ({ routeKey, group }),
);
