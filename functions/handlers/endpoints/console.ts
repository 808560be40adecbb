import { CONSOLE_TEST_ADDRESS } from '../../core/email.js';
import { LeadListQuery } from '../../core/lead-index.js';
import { ROLES, type Role } from '../../core/people.js';
import * as z from '../../core/zod.js';
import { FormReportQuery, OverviewQuery, StatsQuery } from '../../core/stats.js';
import { id, LIMIT } from './params.js';
import { type Endpoint, err } from './types.js';

/** Who may do what (`core/people.ts`): read, work leads, sell, administer. */
const EVERYONE: readonly Role[] = ROLES;
const FUNNEL: readonly Role[] = ['admin', 'marketer', 'viewer'];
const MARKETING: readonly Role[] = ['admin', 'marketer'];
const SALES: readonly Role[] = ['admin', 'sales'];
const WORK_LEADS: readonly Role[] = ['admin', 'marketer', 'sales'];
const ADMIN: readonly Role[] = ['admin'];

const person = { group: 'leads', auth: 'person' } as const;
const lead = { params: z.object({ leadId: id('The lead id') }) };

/**
 * The console's routes (people signed in with OpenID Connect, `auth: 'person'`), each with the roles that
 * may call it. Served by the leads function (the console reads what the sales API reads). Every route that
 * changes something writes an audit entry.
 */
export const CONSOLE = {
  whoAmI: {
    ...person,
    method: 'GET',
    path: '/v1/console/me',
    roles: EVERYONE,
    summary: 'Who is signed in: their roles, and the sites (with their forms) they may see',
    description: 'For the console to show what a person may do. `Authorization: Bearer <access token>` from the console’s OpenID issuer.',
    responses: {
      '200': {
        description:
          '`{ sub, email?, roles, siteIds, sites: [{ id, name, forms: [{ id, kind, variants }], fieldLabels }] }` (`siteIds` `*`: every site; `fieldLabels`: what each profile field is called on the forms)',
      },
    },
  },
  consoleOverview: {
    ...person,
    method: 'GET',
    path: '/v1/console/overview',
    roles: FUNNEL,
    summary: 'The funnel of a site over a range of days, against the range before: totals, each day, and one breakdown',
    description:
      'Impressions → submissions → new leads → MQL → SQL → hand-offs, from the form counters (no lead is read). Days are UTC; `from` defaults to 29 days before `to`, `to` to today; at most 366 days. `previous` is the range of the same length just before.',
    query: OverviewQuery,
    responses: {
      '200': {
        description:
          '`{ siteId, from, to, totals, previous: { from, to, totals }, days: [{ day, ...counts }], breakdown: { by, rows: [{ key, ...counts }] } }`; counts are `impressions, submissions, leads, mql, sql, handoffs`',
      },
    },
  },
  consoleForms: {
    ...person,
    method: 'GET',
    path: '/v1/console/forms',
    roles: FUNNEL,
    summary: "A site's forms: how each is shown, and its numbers over a range of days with the conversion rate's 95% interval",
    description: 'From the form counters (one Query a form). Days are UTC; `from` defaults to 29 days before `to`, `to` to today; at most 366 days.',
    query: z.object({ site: z.optional(z.string()), ...StatsQuery.shape }),
    responses: {
      '200': {
        description:
          '`{ siteId, from, to, forms: [{ formId, kind, title, display, variants, totals: { impressions, submissions, leads, mql, sql, handoffs, conversion: { rate, interval: { low, high } } } }] }`',
      },
    },
  },
  consoleForm: {
    ...person,
    method: 'GET',
    path: '/v1/console/forms/{formId}',
    roles: FUNNEL,
    summary: 'One form: its display, its numbers each day, by page or source, and its A/B test with honest statistics',
    description:
      "Three Queries of the form's counters, whatever the number of leads. `abTest` (forms with variants): each variant's conversion with its 95% Wilson interval; against the control (the first variant), the relative uplift, the difference's 95% interval (Newcombe) and the two-proportion test's p-value; a verdict (`better`, `worse`, `no clear difference`) only once each variant reached `plannedSample` impressions (enough to detect a 20% uplift with 80% power), `collecting` before. `threshold` is 0.05 shared among the comparisons. docs/console.md has the method.",
    params: z.object({ formId: id('The form id') }),
    query: FormReportQuery,
    responses: {
      '200': {
        description:
          '`{ siteId, formId, kind, title, display, variants, from, to, totals, days: [{ day, ...counts }], breakdown: { by, rows: [{ key, ...counts }] }, abTest?: { control, plannedSample, threshold, variants: [{ variant, impressions, submissions, rate, interval, vsControl?: { uplift, difference, pValue }, verdict }] } }`',
      },
      '404': err('No such form on a site the person may see'),
    },
  },
  consoleFormPreview: {
    ...person,
    method: 'GET',
    path: '/v1/console/forms/{formId}/preview',
    roles: FUNNEL,
    summary: 'A form as the widget renders it, for the console’s live preview: each variant’s definition and the answer to a submission',
    description:
      'The definitions `GET /v1/forms/{formId}` serves, one per A/B variant (the form as written when it has none), without an impression proof (a preview is never counted), with the close button’s words for every display mode; and `answer`, what a new visitor’s submission gets (the panel shown next), which the preview shows instead of sending. No counter, lead or email is touched.',
    params: z.object({ formId: id('The form id') }),
    responses: {
      '200': { description: '`{ formId, siteId, views: [FormView without proof], answer: SubmissionResponse }`' },
      '404': err('No such form on a site the person may see'),
    },
  },
  consoleHandoff: {
    ...person,
    method: 'GET',
    path: '/v1/console/handoff',
    roles: WORK_LEADS,
    summary: "The sales desk's hand-off: each webhook endpoint and CRM destination of a site, with its health and whether it is disabled",
    description:
      'Health over each one’s newest 50 deliveries (one Query each, whatever the table holds): delivered, pending, failed (refused for good or out of tries), the success rate of those that ended, the median latency of their tries, the last delivery and the last error (status and the receiver’s or vendor’s words).',
    query: z.object({ site: z.optional(z.string()) }),
    responses: {
      '200': {
        description:
          '`{ siteId, window, targets: [{ id, kind (webhook, hubspot, salesforce, pipedrive, slack), url?, events, disabledAt?, health: { deliveries, delivered, pending, failed, successRate?, medianLatencyMs?, lastDeliveredAt?, lastError?: { at, status?, error? } } }] }`',
      },
    },
  },
  consoleHandoffLog: {
    ...person,
    method: 'GET',
    path: '/v1/console/handoff/{endpointId}',
    roles: WORK_LEADS,
    summary: "One endpoint's or destination's delivery log, newest first (50): each delivery's lead, event, status and tries",
    params: z.object({ endpointId: id('The webhook endpoint or destination id') }),
    query: z.object({ site: z.optional(z.string()) }),
    responses: {
      '200': {
        description:
          '`{ siteId, endpointId, deliveries: [{ deliveryId, leadId, type, eventAt, status, attempts: [{ at, result, status?, latencyMs, error? }], nextAttemptAt? }] }`',
      },
      '400': err('No such endpoint or destination in the site (named in `error.fields`)'),
    },
  },
  consoleReplay: {
    ...person,
    method: 'POST',
    path: '/v1/console/deliveries/{deliveryId}/replay',
    roles: SALES,
    summary: 'Send a delivery again now with the same id (a dead letter, a failure whose cause was fixed); re-enables a disabled endpoint; audited',
    params: z.object({ deliveryId: id('The delivery id (`msg_…`)') }),
    responses: { '202': { description: 'Queued: the delivery, back to pending' }, '404': err('No such delivery on a site the person may see') },
  },
  consoleEmails: {
    ...person,
    method: 'GET',
    path: '/v1/console/emails',
    roles: FUNNEL,
    summary: "A site's emails and sequences: sent, delivered, opened, clicked, bounced, complained, unsubscribed, with rates; enrolments and exits by reason",
    description:
      "From the email counters (one Query per counter partition, whatever the number of leads): `sent` when SES took an email, `delivered`, bounces, complaints and the unique open and click from SES's events, `unsubscribed` credited to the last email the lead got. Opens and clicks only where the site tracks them (`tracking`). Rates: opens, clicks, complaints and unsubscribes of delivered; bounces of sent. `days`: the site's emails each day, or one email's or sequence's (`email`: `delivery#<form>`, `confirmation#<form>`, `step#<sequence>#<step>`, `sequence#<sequence>`). Days are UTC; at most 366.",
    query: z.object({ site: z.optional(z.string()), ...StatsQuery.shape, email: z.optional(z.string().check(z.maxLength(200))) }),
    responses: {
      '200': {
        description:
          '`{ siteId, from, to, tracking: { opens, clicks }, totals, days: [{ day, ...counts }], emails: [{ email, kind, formId, subject, ...counts }], sequences: [{ sequenceId, email, formId, enrolled, completed, exited: { <reason>: n }, steps: [{ email, stepId, position, delay, subject, ...counts }] }] }`; counts are `sent, delivered, opened, clicked, hardBounced, softBounced, complained, unsubscribed` with `deliveryRate, openRate, clickRate, bounceRate, complaintRate, unsubscribeRate`',
      },
    },
  },
  consoleEmailPreview: {
    ...person,
    method: 'GET',
    path: '/v1/console/emails/preview',
    roles: FUNNEL,
    summary: 'One email rendered for a made-up sample lead: subject, preheader (what inboxes show after it), HTML and text, footer included',
    description: 'Its confirm and unsubscribe links point nowhere (`.invalid`): a preview belongs to no lead.',
    query: z.object({ site: z.optional(z.string()), email: z.string().check(z.maxLength(200)) }),
    responses: {
      '200': { description: '`{ siteId, email, kind, from, sample, subject, preheader, html, text }`' },
      '400': err('No such email in the site (named in `error.fields`)'),
    },
  },
  consoleEmailTest: {
    ...person,
    method: 'POST',
    path: '/v1/console/emails/test',
    roles: MARKETING,
    summary: 'Send one email, rendered for the sample lead, to an address: `[Test]` in its subject, counted nowhere; 10 an hour per person; audited',
    query: z.object({ site: z.optional(z.string()) }),
    body: {
      kind: 'json',
      required: true,
      schema: {
        type: 'object',
        required: ['email', 'to'],
        properties: { email: { type: 'string', description: 'The email (`delivery#<form>` …)' }, to: { type: 'string', format: 'email' } },
      },
    },
    responses: {
      '200': { description: '`{ sent: true, messageId, to, subject }`' },
      '400': err('No such email in the site, or not an address (named in `error.fields`)'),
      '409': err('The mail service did not send it (an unverified sender; in the SES sandbox, an unverified recipient), with its reason'),
      '429': err('Ten tests in the last hour: `Retry-After` says when the next may go'),
    },
  },
  consoleDeliverability: {
    ...person,
    method: 'GET',
    path: '/v1/console/deliverability',
    roles: FUNNEL,
    summary:
      "Is our sending healthy: the site's bounce and complaint rates over 14 days against SES's thresholds, the account's state, the sender domain's DKIM",
    description:
      "Rates from the email counters (bounces of sent, complaints of delivered) placed against SES's review (5% bounces, 0.1% complaints) and pause (10%, 0.5%) levels; the account from SES (`GetAccount`: sandbox, quota, enforcement status); the sender domain's identity (`GetEmailIdentity`: verified, DKIM status).",
    query: z.object({ site: z.optional(z.string()) }),
    responses: {
      '200': {
        description:
          '`{ siteId, reputation: { domain, from, to, sent, delivered, bounces, complaints, bounceRate, complaintRate, bounce, complaint (healthy, review, pause) }, account: { emulator?, sandbox, sendingEnabled, enforcement?, quota?: { max24Hour, sentLast24Hours, maxSendRate }, suppressionReasons }, identities: [{ domain, verified (true, false, missing), dkim? }] }`',
      },
    },
  },
  consoleSuppressions: {
    ...person,
    method: 'GET',
    path: '/v1/console/suppressions',
    roles: MARKETING,
    summary: "The account's suppression list (SES sends nothing to these addresses): one address, or 50 at a time",
    query: z.object({ address: z.optional(z.string().check(z.maxLength(254))), next: z.optional(z.string().check(z.maxLength(2000))) }),
    responses: {
      '200': { description: '`{ entries: [{ address, reason (BOUNCE, COMPLAINT), at }], next? }`' },
      '400': err('`address` is not an address, or `next` is not a token SES gave'),
      '403': err('`forbidden`: not an admin or marketer, or one limited to some sites (the list is the whole account’s)'),
    },
  },
  consoleUnsuppress: {
    ...person,
    method: 'DELETE',
    path: '/v1/console/suppressions/{address}',
    roles: ADMIN,
    summary:
      "Take an address off the account's suppression list; audited (the entry keeps the address's hash and domain). The lead's own suppression in Funnel stays",
    params: z.object({ address: z.string().check(z.maxLength(254)) }),
    responses: {
      '200': { description: '`{ removed }` (false: it was not on the list)' },
      '400': err('Not an address'),
      '403': err('`forbidden`: not an admin, or an admin limited to some sites (the list is the whole account’s)'),
    },
  },
  consoleTestEvent: {
    ...person,
    method: 'POST',
    path: '/v1/console/handoff/{endpointId}/test',
    roles: WORK_LEADS,
    summary:
      "Send the test event (`webhook.test`) of the site's console test lead to one endpoint or destination: queued, sent and logged as any delivery; audited",
    description: `The test lead is the site's lead with the address \`${CONSOLE_TEST_ADDRESS}\`: submit any form of the site with it once (a test address: never counted, never really emailed).`,
    params: z.object({ endpointId: id('The webhook endpoint or destination id') }),
    query: z.object({ site: z.optional(z.string()) }),
    responses: {
      '202': { description: 'Queued: the delivery (it appears in the log)' },
      '400': err('No such endpoint or destination in the site, or no console test lead yet (named in `error.fields`)'),
    },
  },
  consoleLeads: {
    ...person,
    method: 'GET',
    path: '/v1/console/leads',
    roles: EVERYONE,
    summary: "A page of a site's leads: filtered, sorted by newest or score, or searched by the start of an email, name or company",
    description:
      'Served by an index, never a scan: one list is read (search: three), at most 200 entries a page. With several filters a page may hold fewer leads than `limit` and still have a `nextCursor`.',
    query: LeadListQuery,
    responses: {
      '200': {
        description:
          '`{ siteId, leads: [{ leadId, email, name?, company?, stage, score?, createdAt, forms, source?, medium?, campaign?, consent, claimedBy?, notAFit? }], nextCursor?, read, incomplete? }` (`incomplete`: a search found more than it shows; type more of it)',
      },
    },
  },
  consoleLeadsCsv: {
    ...person,
    method: 'GET',
    path: '/v1/console/exports/leads.csv',
    roles: MARKETING,
    summary: 'The same list as a CSV file (the same filters and order), up to 10,000 leads; audited',
    description:
      'Read page by page from the same index as the list. `X-Export-Truncated: true` when the list has more than 10,000 leads (export it in the background: `POST /v1/console/exports`). Cells a spreadsheet would run as a formula are prefixed with a quote.',
    query: LeadListQuery,
    responses: {
      '200': { description: '`text/csv`: leadId, email, name, company, stage, score, createdAt, forms, source, medium, campaign, consent, claimedBy, notAFit' },
    },
  },
  consoleStartExport: {
    ...person,
    method: 'POST',
    path: '/v1/console/exports',
    roles: MARKETING,
    summary: 'Export a whole filtered list as CSV in the background (any length, up to 1,000,000 leads); audited',
    description:
      'Takes the list’s filters and order in the query, as `GET /v1/console/leads` does (no cursor). Answers at once with the export’s id; `GET /v1/console/exports/{exportId}` says when its file is ready and gives a link to it. Only the person who started an export sees it; its file is kept a day.',
    query: LeadListQuery,
    responses: {
      '202': { description: '`{ id, siteId, query, createdAt, status: queued }`' },
    },
  },
  consoleExport: {
    ...person,
    method: 'GET',
    path: '/v1/console/exports/{exportId}',
    roles: MARKETING,
    summary: 'A background export: queued, done (with `rows` and a download link good for 15 minutes) or failed',
    params: z.object({ exportId: id('The export id `POST /v1/console/exports` answered') }),
    responses: {
      '200': {
        description:
          '`{ id, siteId, query, createdAt, status: queued | done | failed, rows?, bytes?, truncated?, finishedAt?, error?, url?, expired? }` (`url`: download it, no sign-in, for 15 minutes; ask again for a new one; `expired`: the file was deleted a day after it was made)',
      },
      '404': err('No such export, or one another person started'),
    },
  },
  consoleLead: {
    ...person,
    ...lead,
    method: 'GET',
    path: '/v1/console/leads/{leadId}',
    roles: EVERYONE,
    summary: 'A lead page: the lead (profile, consent, timeline, score with its rules, sequences, claim) and its webhook deliveries',
    responses: { '200': { description: '`{ lead: Lead, deliveries: [Delivery] }`' }, '404': err('No such lead (or one of a site the person may not see)') },
  },
  consoleUnsubscribe: {
    ...person,
    ...lead,
    method: 'POST',
    path: '/v1/console/leads/{leadId}/unsubscribe',
    roles: MARKETING,
    summary: 'Unsubscribe a lead at their request: no more email, consent withdrawn (`method: console`, naming who); audited',
    responses: { '200': { description: '`{ outcome: unsubscribed | already }`' }, '404': err('No such lead') },
  },
  consoleFit: {
    ...person,
    ...lead,
    method: 'POST',
    path: '/v1/console/leads/{leadId}/fit',
    roles: WORK_LEADS,
    summary: 'Mark a lead as not a fit (held at its stage, no prospect) or requalify it (re-scored at once); audited',
    body: {
      kind: 'json',
      required: true,
      schema: { type: 'object', required: ['notAFit'], properties: { notAFit: { type: 'boolean' }, reason: { type: 'string', maxLength: 200 } } },
    },
    responses: { '200': { description: '`{ notAFit, changed }` (`changed: false`: it already was)' }, '404': err('No such lead') },
  },
  consoleClaim: {
    ...person,
    ...lead,
    method: 'POST',
    path: '/v1/console/leads/{leadId}/claim',
    roles: SALES,
    summary: 'Take the prospect, in the name of the person signed in (as the pull API’s claim); audited',
    responses: {
      '200': { description: '`{ claim: { rep, at } }`' },
      '404': err('No such lead'),
      '409': err('`already_claimed` by another rep (named in the message), or `not_a_fit`: the lead is marked as not a fit (requalify it first)'),
    },
  },
  consoleRelease: {
    ...person,
    ...lead,
    method: 'POST',
    path: '/v1/console/leads/{leadId}/release',
    roles: SALES,
    summary: 'Give the prospect back so another rep may claim it: the rep who holds it, or an admin for anyone; audited, on the timeline',
    responses: {
      '200': { description: '`{ released: { rep, at } }`: who held it' },
      '404': err('No such lead'),
      '409': err('`not_claimed`: nobody holds it; or `already_claimed`: another rep holds it (named in the message), and only they or an admin may release it'),
    },
  },
  consoleExportLead: {
    ...person,
    ...lead,
    method: 'GET',
    path: '/v1/console/leads/{leadId}/export',
    roles: ADMIN,
    summary: 'Everything held on a lead, as JSON (a data-subject access request), as the API’s export; audited',
    responses: { '200': { description: 'As `GET /v1/leads/{leadId}/export`' }, '404': err('No such lead') },
  },
  consoleErase: {
    ...person,
    ...lead,
    method: 'POST',
    path: '/v1/console/leads/{leadId}/erase',
    roles: ADMIN,
    summary: 'Erase a lead, confirmed by its address; as the API’s erasure; audited (the entry keeps the lead id only)',
    body: {
      kind: 'json',
      required: true,
      schema: { type: 'object', required: ['confirm'], properties: { confirm: { type: 'string', description: "The lead's email address" } } },
    },
    responses: { '204': { description: 'Erased' }, '404': err('No such lead (or already erased)') },
  },
  consoleAudit: {
    ...person,
    method: 'GET',
    path: '/v1/console/audit',
    roles: ADMIN,
    summary: 'The audit log, newest first: who did what, when, to which lead',
    query: z.object({ limit: z._default(LIMIT, 50), cursor: z.optional(z.string().check(z.maxLength(500))) }),
    responses: {
      '200': { description: '`{ entries: [{ at, actor: { sub, email? }, action, siteId?, leadId?, detail? }], nextCursor? }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites (the log spans them all)'),
    },
  },
  consolePeople: {
    ...person,
    method: 'GET',
    path: '/v1/console/people',
    roles: ADMIN,
    summary: 'Who may sign in to the console, in which roles, and whether they have yet',
    description:
      'From Cognito’s user pool deployed, the local provider’s users on a laptop. With your own OpenID provider people are managed there: `managed: false` and no one listed.',
    responses: {
      '200': { description: '`{ managed, people: [{ id, email, roles, status: invited | active | disabled, createdAt? }] }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
    },
  },
  consoleInvite: {
    ...person,
    method: 'POST',
    path: '/v1/console/people',
    roles: ADMIN,
    summary: 'Add a person in some roles: they are emailed a temporary password (Cognito); audited',
    body: {
      kind: 'json',
      required: true,
      schema: {
        type: 'object',
        required: ['email', 'roles'],
        properties: { email: { type: 'string', format: 'email' }, roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } } },
      },
    },
    responses: {
      '201': { description: 'The person: `{ id, email, roles, status: invited }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
      '409': err('`person_exists`: someone with this address is in already; or `managed_elsewhere`: people are added in your own OpenID provider'),
    },
  },
  consoleSetRoles: {
    ...person,
    method: 'POST',
    path: '/v1/console/people/{personId}/roles',
    roles: ADMIN,
    summary: 'Replace a person’s roles (they hold them from their next sign-in); an admin may not drop their own admin role; audited',
    params: z.object({ personId: id('The person’s id from the listing') }),
    body: {
      kind: 'json',
      required: true,
      schema: { type: 'object', required: ['roles'], properties: { roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } } } },
    },
    responses: {
      '200': { description: '`{ roles }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
      '404': err('No such person'),
      '409': err('`managed_elsewhere`: roles are given in your own OpenID provider'),
    },
  },
  consoleRemovePerson: {
    ...person,
    method: 'DELETE',
    path: '/v1/console/people/{personId}',
    roles: ADMIN,
    summary: 'Remove a person (not yourself): they cannot sign in again; a token already issued lasts until it expires (an hour at most); audited',
    params: z.object({ personId: id('The person’s id from the listing') }),
    responses: {
      '204': { description: 'Removed' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
      '404': err('No such person'),
      '409': err('`managed_elsewhere`: people are removed in your own OpenID provider'),
    },
  },
  consoleApiKeys: {
    ...person,
    method: 'GET',
    path: '/v1/console/api-keys',
    roles: ADMIN,
    summary: 'Every API key (for machines), newest first: id, name, sites, who made it and when, revoked or not; never a secret',
    responses: {
      '200': { description: '`{ keys: [{ id, name, siteIds, createdAt, createdBy?, revokedAt? }] }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites (keys span them all)'),
    },
  },
  consoleCreateApiKey: {
    ...person,
    method: 'POST',
    path: '/v1/console/api-keys',
    roles: ADMIN,
    summary: 'A new API key; its secret is in this answer only; audited',
    body: {
      kind: 'json',
      required: true,
      schema: {
        type: 'object',
        required: ['name', 'siteIds'],
        properties: { name: { type: 'string', maxLength: 100 }, siteIds: { type: 'array', items: { type: 'string' }, description: '`["*"]`: every site' } },
      },
    },
    responses: {
      '201': { description: '`{ id, name, siteIds, createdAt, createdBy, key }`' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
    },
  },
  consoleRevokeApiKey: {
    ...person,
    method: 'DELETE',
    path: '/v1/console/api-keys/{keyId}',
    roles: ADMIN,
    summary: 'Revoke an API key (running functions stop accepting it within a minute); audited',
    params: z.object({ keyId: id('The key id from the listing') }),
    responses: {
      '204': { description: 'Revoked' },
      '403': err('`forbidden`: not an admin, or an admin limited to some sites'),
      '404': err('No such key (or revoked already)'),
    },
  },
} as const satisfies Record<string, Endpoint>;
