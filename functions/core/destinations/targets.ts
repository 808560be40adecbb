import type { Site } from '../config.js';
import type { WebhookEndpoint } from '../webhooks/config.js';
import type { Destination } from './config.js';

/**
 * Where a site hands off: its signed webhook endpoints and its destinations, one list, since both take
 * the same events through the same deliveries (the delivery's `endpointId` is either's id).
 */
export type HandoffTarget =
  | { kind: 'webhook'; id: string; events: readonly string[]; endpoint: WebhookEndpoint }
  | { kind: 'destination'; id: string; events: readonly string[]; destination: Destination };

/** @example handoffTargets(site).map((t) => t.id) // ['crm', 'hubspot', 'sales-channel'] */
export const handoffTargets = (site: Pick<Site, 'webhooks' | 'destinations'> | undefined): HandoffTarget[] => [
  ...(site?.webhooks ?? []).map((endpoint) => ({ kind: 'webhook' as const, id: endpoint.id, events: endpoint.events, endpoint })),
  ...(site?.destinations ?? []).map((destination) => ({ kind: 'destination' as const, id: destination.id, events: destination.events, destination })),
];

/** The site's webhook endpoint or destination with this id. */
export const findTarget = (site: Pick<Site, 'webhooks' | 'destinations'> | undefined, id: string): HandoffTarget | undefined =>
  handoffTargets(site).find((t) => t.id === id);
