import { handoffHealth, handoffLog, replayForSales, testEventForSales } from '../use-cases/handoff-desk.js';
import { emailsReport } from '../use-cases/email-report.js';
import { deliverability, emailPreview, sendTestEmail, suppressions, unsuppress } from '../use-cases/email-desk.js';
import { formPreview, formReport, formsReport } from '../use-cases/form-report.js';
import { webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import { CONSOLE } from './endpoints/console.js';
import { LEADS } from './endpoints/leads.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { eraseLead, exportLead } from '../use-cases/privacy.js';
import { claimProspect, listProspects } from '../use-cases/prospects.js';
import { authenticate, findLeadByEmail, getLead } from '../use-cases/read-leads.js';
import { json, routeGroup } from './http.js';
import {
  claimForSales,
  releaseForSales,
  createApiKey,
  eraseLeadFor,
  exportLeadFor,
  leadPage,
  listApiKeys,
  listLeads,
  overview,
  readAudit,
  revokeApiKey,
  setLeadFit,
  unsubscribeLead,
  whoAmI,
} from '../use-cases/console.js';
import { readFormStats } from '../use-cases/form-stats.js';
import { exportLeadsCsv, leadsExport, startLeadsExport } from '../use-cases/exports.js';
import { exportQueueFromEnvironment } from '../adapters/sqs/environment.js';
import { exportFilesFromEnvironment } from '../adapters/s3/environment.js';
import { sesAccountFromEnvironment, sesMailerFromEnvironment } from '../adapters/ses/environment.js';
import { directoryFromEnvironment } from '../adapters/cognito/environment.js';
import { invitePerson, listPeople, removePerson, setPersonRoles } from '../use-cases/people.js';
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
      whoAmI: async ({ person }) => json(200, whoAmI(deps(), person)),
      consoleOverview: async ({ person, query }) => json(200, await overview(deps(), person, query)),
      consoleForms: async ({ person, query }) => json(200, await formsReport(deps(), person, query)),
      consoleHandoff: async ({ person, query }) => json(200, await handoffHealth(deps(), person, query)),
      consoleHandoffLog: async ({ person, params, query }) => json(200, await handoffLog(deps(), person, params.endpointId, query)),
      consoleReplay: async ({ person, params }) => json(202, await replayForSales(deps(), person, params.deliveryId)),
      consoleForm: async ({ person, params, query }) => json(200, await formReport(deps(), person, params.formId, query)),
      consoleFormPreview: async ({ person, params }) => json(200, formPreview(deps(), person, params.formId)),
      consoleEmails: async ({ person, query }) => json(200, await emailsReport(deps(), person, query)),
      consoleEmailPreview: async ({ person, query }) => json(200, emailPreview(deps(), person, query)),
      consoleEmailTest: async ({ person, query, body }) => json(200, await sendTestEmail(deps(), person, query, body)),
      consoleDeliverability: async ({ person, query }) => json(200, await deliverability(deps(), person, query)),
      consoleSuppressions: async ({ person, query }) => json(200, await suppressions(deps(), person, query)),
      consoleUnsuppress: async ({ person, params }) => json(200, await unsuppress(deps(), person, params.address)),
      consoleTestEvent: async ({ person, params, query }) => json(202, await testEventForSales(deps(), person, params.endpointId, query)),
      consoleLeads: async ({ person, query }) => json(200, await listLeads(deps(), person, query)),
      consoleLeadsCsv: async ({ person, query }) => {
        const out = await exportLeadsCsv(deps(), person, query);
        return {
          statusCode: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="leads-${out.siteId}.csv"`,
            'cache-control': 'no-store',
            'x-export-rows': String(out.rows),
            ...(out.truncated && { 'x-export-truncated': 'true' }),
          },
          body: out.csv,
        };
      },
      consoleStartExport: async ({ person, query }) => json(202, await startLeadsExport(deps(), person, query)),
      consoleExport: async ({ person, params }) => json(200, await leadsExport(deps(), person, params.exportId)),
      consoleLead: async ({ person, params }) => json(200, await leadPage(deps(), person, params.leadId)),
      consoleUnsubscribe: async ({ person, params }) => json(200, await unsubscribeLead(deps(), person, params.leadId)),
      consoleFit: async ({ person, params, body }) => json(200, await setLeadFit(deps(), person, params.leadId, body)),
      consoleClaim: async ({ person, params }) => json(200, { claim: await claimForSales(deps(), person, params.leadId) }),
      consoleRelease: async ({ person, params }) => json(200, { released: await releaseForSales(deps(), person, params.leadId) }),
      consoleExportLead: async ({ person, params: { leadId } }) =>
        json(200, await exportLeadFor(deps(), person, leadId), { 'content-disposition': `attachment; filename="lead-${safeName(leadId)}.json"` }),
      consoleErase: async ({ person, params, body }) => {
        await eraseLeadFor(deps(), person, params.leadId, body);
        return NO_CONTENT;
      },
      consoleAudit: async ({ person, query }) => json(200, await readAudit(deps(), person, query)),
      consolePeople: async ({ person }) => json(200, await listPeople(deps(), person)),
      consoleInvite: async ({ person, body }) => json(201, await invitePerson(deps(), person, body)),
      consoleSetRoles: async ({ person, params, body }) => json(200, await setPersonRoles(deps(), person, params.personId, body)),
      consoleRemovePerson: async ({ person, params }) => {
        await removePerson(deps(), person, params.personId);
        return NO_CONTENT;
      },
      consoleApiKeys: async ({ person }) => json(200, { keys: await listApiKeys(deps(), person) }),
      consoleCreateApiKey: async ({ person, body }) => json(201, await createApiKey(deps(), person, body)),
      consoleRevokeApiKey: async ({ person, params }) => {
        await revokeApiKey(deps(), person, params.keyId);
        return NO_CONTENT;
      },
      getLead: async ({ key, params }) => json(200, await getLead(deps(), key, params.leadId)),
      findLeadByEmail: async ({ key, query }) => json(200, await findLeadByEmail(deps(), key, query)),
      exportLead: async ({ key, params: { leadId } }) =>
        json(200, await exportLead(deps(), key, leadId), { 'content-disposition': `attachment; filename="lead-${safeName(leadId)}.json"` }),
      eraseLead: async ({ key, params }) => {
        await eraseLead(deps(), key, params.leadId);
        return NO_CONTENT;
      },
      listProspects: async ({ key, query }) => json(200, await listProspects(deps(), key, query)),
      getFormStats: async ({ key, params, query }) => json(200, await readFormStats(deps(), key, params.formId, query)),
      claimProspect: async ({ key, params, body }) => json(200, { claim: await claimProspect(deps(), key, params.leadId, body) }),
    },
    { log: () => deps().log, authenticate: (authorization) => authenticate(deps(), authorization), identify: (token) => deps().people.verify(token) },
  );

const NO_CONTENT = { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
const safeName = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '');

export const handler = behindEdge(
  edgeSecretsOf('leads'),
  makeLeadsHandler(
    fromEnvironment('leads', (base) =>
      allAreas(base, {
        exportQueue: exportQueueFromEnvironment(base.env),
        exportFiles: exportFilesFromEnvironment(base.env),
        // An erasure queues the person's erasure at the site's CRM destinations.
        webhookQueue: webhookQueueFromEnvironment(base.env),
        ...directoryFromEnvironment(base.env),
        // The console's test emails and deliverability page.
        mailer: sesMailerFromEnvironment(base.env),
        mailAccount: sesAccountFromEnvironment(),
      }),
    ),
  ),
);
