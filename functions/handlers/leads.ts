import middy from '@middy/core';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { eraseLead, exportLead } from '../use-cases/privacy.js';
import { claimProspect, listProspects } from '../use-cases/prospects.js';
import { authenticate, findLeadByEmail, getLead } from '../use-cases/read-leads.js';
import { accessLog, errorHandler, header, HttpError, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './http.js';

/** Route group "leads": the authenticated API for sales tools (read, pull prospects, claim, export, erase). Server to server: no CORS. */
export const makeLeadsHandler = (deps: () => AppDeps) =>
  middy<HttpEvent, HttpResult>()
    .use(accessLog(() => deps().log))
    .use(errorHandler(() => deps().log))
    .use(jsonBody())
    .handler(async (event) => {
      const key = await authenticate(deps(), header(event, 'authorization'));
      const q = event.queryStringParameters ?? {};
      switch (event.routeKey) {
        case 'GET /v1/leads/{leadId}':
          return json(200, await getLead(deps(), key, pathParam(event, 'leadId')));
        case 'GET /v1/leads':
          return json(200, await findLeadByEmail(deps(), key, { ...(q.email !== undefined && { email: q.email }), ...(q.site !== undefined && { site: q.site }) }));
        case 'GET /v1/leads/{leadId}/export': {
          const leadId = pathParam(event, 'leadId');
          return json(200, await exportLead(deps(), key, leadId), { 'content-disposition': `attachment; filename="lead-${leadId.replace(/[^A-Za-z0-9_-]/g, '')}.json"` });
        }
        case 'DELETE /v1/leads/{leadId}':
          await eraseLead(deps(), key, pathParam(event, 'leadId'));
          return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
        case 'GET /v1/prospects':
          return json(200, await listProspects(deps(), key, Object.fromEntries(['stage', 'since', 'limit', 'site'].flatMap((k) => (q[k] === undefined ? [] : [[k, q[k]]])))));
        case 'POST /v1/prospects/{leadId}/claim':
          return json(200, { claim: await claimProspect(deps(), key, pathParam(event, 'leadId'), event.json) });
        default:
          throw new HttpError(404, 'not_found', 'No such route');
      }
    });

export const handler = makeLeadsHandler(fromEnvironment);
