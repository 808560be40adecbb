import { StatsQuery } from '../../core/stats.js';
import * as z from '../../core/zod.js';
import { Email } from '../../core/fields.js';
import { id, LIMIT } from './params.js';
import { type Endpoint, err } from './types.js';

/** Route group "leads": the authenticated API for sales tools (read, pull prospects, claim, export, erase). */
export const LEADS = {
  getLead: {
    method: 'GET',
    path: '/v1/leads/{leadId}',
    group: 'leads',
    auth: 'apiKey',
    summary: 'A lead with profile, consent record, sources, timeline, lifecycle stage and score (with the rule behind every point)',
    params: z.object({ leadId: id('The lead id') }),
    responses: { '200': { description: 'The lead', schema: 'Lead' }, '404': err('No such lead') },
  },
  findLeadByEmail: {
    method: 'GET',
    path: '/v1/leads',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Find the lead with an email address',
    query: z.object({
      email: z
        .string({ error: 'is required' })
        .check(z.refine((v) => Email.safeParse(v).success, 'must be a valid email address'))
        .register(z.globalRegistry, { description: 'The address (any case)' }),
      site: z.optional(z.string()).register(z.globalRegistry, { description: 'Required when the key reads more than one site' }),
    }),
    responses: {
      '200': { description: 'The lead', schema: 'Lead' },
      '404': err('No such lead'),
    },
  },
  exportLead: {
    method: 'GET',
    path: '/v1/leads/{leadId}/export',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Everything held on a lead, as JSON (a data-subject access request): the lead, and every record behind it by kind, without internal keys',
    params: z.object({ leadId: id('The lead id') }),
    responses: {
      '200': { description: '`{ exportedAt, lead, records: { submissions, events, stageChanges, enrolments, emails, optIns, log, webhookDeliveries } }`' },
      '404': err('No such lead'),
    },
  },
  eraseLead: {
    method: 'DELETE',
    path: '/v1/leads/{leadId}',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Erase a lead (right to erasure): profile, events, emails, deliveries and scheduled work; only an anonymised consent audit entry is kept',
    params: z.object({ leadId: id('The lead id') }),
    responses: { '204': { description: 'Erased' }, '404': err('No such lead (or already erased)') },
  },
  listProspects: {
    method: 'GET',
    path: '/v1/prospects',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Prospects that reached a stage, in qualification order, from a cursor that never skips or repeats one even while new ones arrive',
    query: z.object({
      stage: z._default(z.enum(['mql', 'sql'], { error: 'must be mql or sql' }), 'sql'),
      since: z.optional(z.string()).register(z.globalRegistry, { description: 'The `nextCursor` of the previous page' }),
      limit: z._default(LIMIT, 50),
      site: z.optional(z.string()).register(z.globalRegistry, { description: 'Required when the key reads more than one site' }),
    }),
    responses: {
      '200': {
        description: '`{ prospects: [...], nextCursor }`',
        schema: {
          type: 'object',
          properties: { prospects: { type: 'array', items: { $ref: '#/components/schemas/Prospect' } }, nextCursor: { type: 'string' } },
        },
      },
    },
  },
  claimProspect: {
    method: 'POST',
    path: '/v1/prospects/{leadId}/claim',
    group: 'leads',
    auth: 'apiKey',
    summary: 'Record which sales rep took the prospect (the same rep again is fine)',
    params: z.object({ leadId: id('The lead id') }),
    body: { kind: 'json', schema: 'ClaimRequest', required: true },
    responses: {
      '200': { description: '`{ claim: { rep, at } }`' },
      '404': err('No such lead'),
      '409': err('`already_claimed` by another rep (named in the message), or `not_a_fit`: the lead is marked as not a fit (requalify it first)'),
    },
  },
  getFormStats: {
    method: 'GET',
    path: '/v1/forms/{formId}/stats',
    group: 'leads',
    auth: 'apiKey',
    summary:
      "A form's numbers per day: impressions, submissions, conversion rate, new leads, MQLs, SQLs and hand-offs, optionally by variant, campaign, source, medium, referrer or page",
    description:
      'Days are UTC. `from` defaults to 29 days before `to`, `to` to today; at most 366 days. MQLs and SQLs are credited to the form, variant, campaign and page of the submission that created the lead, on the day the lead qualified. `totals` sums the range per key.',
    params: z.object({ formId: id('The form id from the config') }),
    query: StatsQuery,
    responses: {
      '200': {
        description: '`{ formId, from, to, by?, rows: [{ day, key?, impressions, submissions, conversionRate, leads, mql, sql, handoffs }], totals: [...] }`',
      },
      '404': err('No such form (or one of a site the key may not read)'),
    },
  },
} as const satisfies Record<string, Endpoint>;
