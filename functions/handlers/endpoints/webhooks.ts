import * as z from '../../core/zod.js';
import { id, LIMIT } from './params.js';
import { type Endpoint, err } from './types.js';

/** Route group "webhooks": the delivery log and replay. */
export const WEBHOOKS = {
  listDeliveries: {
    method: 'GET',
    path: '/v1/webhooks/deliveries',
    group: 'webhooks',
    auth: 'apiKey',
    summary: "The delivery log: a lead's deliveries (`lead`), or an endpoint's or a CRM destination's newest first (`endpoint`: its id, `site`, `limit` 1–100)",
    query: z.object({ lead: z.optional(z.string()), endpoint: z.optional(z.string()), site: z.optional(z.string()), limit: z._default(LIMIT, 50) }),
    responses: {
      '200': { description: '`{ deliveries: [...] }`: status, attempts (time, status code, latency, error), next attempt' },
      '404': err('No such lead'),
    },
  },
  getDelivery: {
    method: 'GET',
    path: '/v1/webhooks/deliveries/{deliveryId}',
    group: 'webhooks',
    auth: 'apiKey',
    summary: 'One delivery with its payload and log',
    params: z.object({ deliveryId: id('The `webhook-id` of the delivery (`msg_…`)') }),
    responses: { '200': { description: 'The delivery' }, '404': err('No such delivery') },
  },
  sendTestEvent: {
    method: 'POST',
    path: '/v1/webhooks/test',
    group: 'webhooks',
    auth: 'apiKey',
    summary:
      'Send the test event (`webhook.test`, the payload shape of every event) of a test lead to an endpoint or a CRM destination: queued, sent, retried and logged as any delivery. Only for test leads (an address at simulator.amazonses.com): a test never carries a real lead.',
    body: { kind: 'json', schema: 'TestEventRequest', required: true },
    responses: {
      '202': { description: 'Queued: the delivery (follow it with `GET /v1/webhooks/deliveries/{deliveryId}`)' },
      '400': err('Invalid body, not a test lead, or no such endpoint or destination in its site (named in `error.fields`)'),
      '404': err('No such lead'),
    },
  },
  replayDelivery: {
    method: 'POST',
    path: '/v1/webhooks/deliveries/{deliveryId}/replay',
    group: 'webhooks',
    auth: 'apiKey',
    summary:
      'Send a delivery again now, with the same webhook-id (a dead-lettered one, or one the receiver lost); re-enables an endpoint a 410 disabled (or a destination its vendor said was gone). A CRM destination upserts, so a replay makes no second record (a Slack message is posted again)',
    params: z.object({ deliveryId: id('The `webhook-id` of the delivery (`msg_…`)') }),
    responses: { '202': { description: 'Queued: the delivery, back to pending' }, '404': err('No such delivery') },
  },
} as const satisfies Record<string, Endpoint>;
