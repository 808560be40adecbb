import middy from '@middy/core';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { authenticate } from '../use-cases/read-leads.js';
import { getDelivery, listDeliveries, replay } from '../use-cases/webhook-log.js';
import { accessLog, errorHandler, header, HttpError, json, pathParam, type HttpEvent, type HttpResult } from './http.js';

/** Route group "webhooks": the delivery log and replay, for the operator and sales tools (API key, no CORS). */
export const makeWebhooksApiHandler = (deps: () => AppDeps) =>
  middy<HttpEvent, HttpResult>()
    .use(accessLog(() => deps().log))
    .use(errorHandler(() => deps().log))
    .handler(async (event) => {
      const key = await authenticate(deps(), header(event, 'authorization'));
      switch (event.routeKey) {
        case 'GET /v1/webhooks/deliveries': {
          const q = event.queryStringParameters ?? {};
          const query = Object.fromEntries(['lead', 'endpoint', 'site', 'limit'].flatMap((k) => (q[k] === undefined ? [] : [[k, q[k]]])));
          return json(200, await listDeliveries(deps(), key, query));
        }
        case 'GET /v1/webhooks/deliveries/{deliveryId}':
          return json(200, await getDelivery(deps(), key, pathParam(event, 'deliveryId')));
        case 'POST /v1/webhooks/deliveries/{deliveryId}/replay':
          return json(202, await replay(deps(), key, pathParam(event, 'deliveryId')));
        default:
          throw new HttpError(404, 'not_found', 'No such route');
      }
    });

export const handler = makeWebhooksApiHandler(fromEnvironment);
