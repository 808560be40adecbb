/**
 * Every API route and the Lambda (route group) that serves it. The CDK stack and the local runtime both
 * read this list, so a route cannot exist in one and not the other.
 */
export const ROUTES = [
  { routeKey: 'GET /v1/forms/{formId}', group: 'capture' },
  { routeKey: 'POST /v1/forms/{formId}/submissions', group: 'capture' },
  { routeKey: 'POST /v1/events', group: 'capture' },
  { routeKey: 'GET /v1/leads/{leadId}', group: 'leads' },
  { routeKey: 'GET /v1/leads', group: 'leads' },
  { routeKey: 'GET /v1/leads/{leadId}/export', group: 'leads' },
  { routeKey: 'DELETE /v1/leads/{leadId}', group: 'leads' },
  { routeKey: 'GET /v1/prospects', group: 'leads' },
  { routeKey: 'POST /v1/prospects/{leadId}/claim', group: 'leads' },
  { routeKey: 'GET /v1/openapi.json', group: 'openapi' },
  { routeKey: 'GET /widget.js', group: 'widget' },
  { routeKey: 'GET /v1/confirm', group: 'mail' },
  { routeKey: 'GET /v1/unsubscribe', group: 'mail' },
  { routeKey: 'POST /v1/unsubscribe', group: 'mail' },
  { routeKey: 'GET /v1/webhooks/deliveries', group: 'webhooks' },
  { routeKey: 'GET /v1/webhooks/deliveries/{deliveryId}', group: 'webhooks' },
  { routeKey: 'POST /v1/webhooks/deliveries/{deliveryId}/replay', group: 'webhooks' },
] as const;

export type RouteGroup = (typeof ROUTES)[number]['group'];
