import { CONSOLE } from './endpoints/console.js';
import { LEADS } from './endpoints/leads.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { eraseLead, exportLead } from '../use-cases/privacy.js';
import { claimProspect, listProspects } from '../use-cases/prospects.js';
import { authenticate, findLeadByEmail, getLead } from '../use-cases/read-leads.js';
import { json, routeGroup } from './http.js';
import { readFormStats } from '../use-cases/form-stats.js';
import { behindEdge, edgeSecretsOf } from './edge.js';

/**
 * Route group "leads": the authenticated API for sales tools (read, pull prospects, claim, export, erase;
 * server to server: no CORS), and the console's routes for people signed in (their roles checked by
 * `routeGroup` against the endpoint table).
 */
export const makeLeadsHandler = (deps: () => AppDeps) =>
  routeGroup(
    { ...LEADS, ...CONSOLE },
    {
      whoAmI: async ({ person }) => json(200, person),
      getLead: async ({ key, params }) => json(200, await getLead(deps(), key, params.leadId)),
      findLeadByEmail: async ({ key, query }) => json(200, await findLeadByEmail(deps(), key, query)),
      exportLead: async ({ key, params: { leadId } }) =>
        json(200, await exportLead(deps(), key, leadId), {
          'content-disposition': `attachment; filename="lead-${leadId.replace(/[^A-Za-z0-9_-]/g, '')}.json"`,
        }),
      eraseLead: async ({ key, params }) => {
        await eraseLead(deps(), key, params.leadId);
        return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
      },
      listProspects: async ({ key, query }) => json(200, await listProspects(deps(), key, query)),
      getFormStats: async ({ key, params, query }) => json(200, await readFormStats(deps(), key, params.formId, query)),
      claimProspect: async ({ key, params, body }) => json(200, { claim: await claimProspect(deps(), key, params.leadId, body) }),
    },
    { log: () => deps().log, authenticate: (authorization) => authenticate(deps(), authorization), identify: (token) => deps().people.verify(token) },
  );

export const handler = behindEdge(edgeSecretsOf('leads'), makeLeadsHandler(fromEnvironment('leads', (base) => allAreas(base))));
