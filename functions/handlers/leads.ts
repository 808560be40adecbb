import middy from '@middy/core';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { authenticate, findLeadByEmail, getLead } from '../use-cases/read-leads.js';
import { accessLog, errorHandler, header, HttpError, json, pathParam, type HttpEvent, type HttpResult } from './http.js';

/** Route group "leads": the authenticated read API for sales tools. Server to server: no CORS. */
export const makeLeadsHandler = (deps: () => AppDeps) =>
  middy<HttpEvent, HttpResult>()
    .use(accessLog(() => deps().log))
    .use(errorHandler(() => deps().log))
    .handler(async (event) => {
      const key = await authenticate(deps(), header(event, 'authorization'));
      switch (event.routeKey) {
        case 'GET /v1/leads/{leadId}':
          return json(200, await getLead(deps(), key, pathParam(event, 'leadId')));
        case 'GET /v1/leads': {
          const q = event.queryStringParameters ?? {};
          return json(200, await findLeadByEmail(deps(), key, { ...(q.email !== undefined && { email: q.email }), ...(q.site !== undefined && { site: q.site }) }));
        }
        default:
          throw new HttpError(404, 'not_found', 'No such route');
      }
    });

export const handler = makeLeadsHandler(fromEnvironment);
