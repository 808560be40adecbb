import { WEBHOOKS } from './endpoints/webhooks.js';
import { webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { authenticate } from '../use-cases/read-leads.js';
import { getDelivery, listDeliveries, replay, sendTestEvent } from '../use-cases/webhook-log.js';
import { json, routeGroup } from './http.js';
import { behindEdge, edgeSecretsOf } from './edge.js';

/** Route group "webhooks": the delivery log, replay and the test event, for the operator and sales tools (API key, no CORS). */
export const makeWebhooksApiHandler = (deps: () => AppDeps) =>
  routeGroup(
    WEBHOOKS,
    {
      listDeliveries: async ({ key, query }) => json(200, await listDeliveries(deps(), key, query)),
      getDelivery: async ({ key, params }) => json(200, await getDelivery(deps(), key, params.deliveryId)),
      replayDelivery: async ({ key, params }) => json(202, await replay(deps(), key, params.deliveryId)),
      sendTestEvent: async ({ key, body }) => json(202, await sendTestEvent(deps(), key, body)),
    },
    { log: () => deps().log, authenticate: (authorization) => authenticate(deps(), authorization) },
  );

export const handler = behindEdge(
  edgeSecretsOf('webhooks'),
  makeWebhooksApiHandler(fromEnvironment('webhooks', (base) => allAreas(base, { webhookQueue: webhookQueueFromEnvironment(base.env) }))),
);
