import * as z from '../zod.js';
import { text } from '../fields.js';
import { EndpointId, SubscribedEvents } from '../webhooks/config.js';

/**
 * CRM and chat destinations: where a site's prospects land beside (or instead of) its signed webhooks.
 * Each is delivered by the same machinery as a webhook endpoint (queue, per-lead order, retries, dead
 * letters, log, replay), so its id shares the endpoints' id space. Credentials are never here: Secrets
 * Manager deployed (one secret per destination), `.data/destination-secrets.json` locally (docs/hand-off.md).
 */

/** The kinds of destination, `as const` so every switch over them is checked. */
export const DestinationKind = { HubSpot: 'hubspot', Salesforce: 'salesforce', Pipedrive: 'pipedrive', Slack: 'slack' } as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/** The lead's values a destination field may take (besides `profile.<field>`). */
export const LEAD_FIELDS = [
  'email',
  'leadId',
  'stage',
  'createdAt',
  /** When the event happened (the qualification, the unsubscribe). */
  'eventAt',
  'verifiedAt',
  'siteName',
  'score.total',
  'score.fit',
  'score.engagement',
  /** The rules behind the score, most points first: "Job title: VP (+20 fit); Downloaded the ebook (+10)". */
  'score.explanation',
  'source.form',
  'source.page',
  'source.referrer',
  'source.utm.source',
  'source.utm.medium',
  'source.utm.campaign',
  'source.utm.term',
  'source.utm.content',
  'latest.form',
  'latest.page',
  'latest.utm.source',
  'latest.utm.medium',
  'latest.utm.campaign',
  /** `true` when the lead's marketing consent stands now. */
  'consent.marketing',
  /** When the standing marketing consent was given. */
  'consent.at',
  'unsubscribedAt',
  /** The lead's page in the console (absent where no console is deployed). */
  'consoleLink',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number] | `profile.${string}`;

const LeadFieldName = z
  .string()
  .check(
    z.refine(
      (s) => (LEAD_FIELDS as readonly string[]).includes(s) || /^profile\.[A-Za-z][A-Za-z0-9_]{0,63}$/.test(s),
      `must be one of ${LEAD_FIELDS.join(', ')}, or profile.<form field name>`,
    ),
  ) as z.ZodMiniType<LeadField>;

/** Where a destination field's value comes from: a lead field, or the first of several that has a value. */
export const FieldSource = z.union([LeadFieldName, z.array(LeadFieldName).check(z.minLength(1), z.maxLength(5))]);
export type FieldSource = z.infer<typeof FieldSource>;

/** Vendor field names: API names (HubSpot internal names, Salesforce `Field__c`, Pipedrive keys). */
const VendorField = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'must be a field API name: letters, digits and underscores'));
/** A destination's field mapping: vendor field → where its value comes from. Added to (and overriding) the vendor's defaults. */
const Fields = z.record(VendorField, FieldSource);

const Base = {
  /** Stable: names the destination's secret, its delivery log and its deliveries (unique among the site's endpoints). */
  id: EndpointId,
  events: SubscribedEvents,
  description: z.optional(text(200)),
};

/**
 * HubSpot: the contact upserted by email (CRM v3 batch upsert), the mapped properties set; optionally a
 * note with the score explanation, itself upserted by a unique note property you create, so a retry
 * never adds a second note. Auth: a private app's access token.
 */
export const HubSpotDestination = z.strictObject({
  ...Base,
  kind: z.literal(DestinationKind.HubSpot),
  /**
   * Contact properties (internal names) → lead fields. Default: firstname, lastname, company, jobtitle,
   * phone, country from the profile. Add `lifecyclestage: 'stage'` to set HubSpot's lifecycle stage (lead,
   * marketingqualifiedlead, salesqualifiedlead): HubSpot may refuse to move a contact's stage backwards.
   */
  fields: z.optional(Fields),
  /** A note on the contact with the score and why, upserted by this unique-value note property (create it first: docs/hand-off.md). */
  note: z.optional(z.strictObject({ uniqueProperty: VendorField })),
});

const SalesforceHost = z.pipe(
  z.url({ protocol: /^https$/, error: 'must be your https My Domain URL' }).check(
    z.refine((u) => {
      const url = new URL(u);
      return /^[a-z0-9-]+(\.sandbox|\.develop)?\.my\.salesforce\.com$/i.test(url.hostname) && (url.pathname === '/' || url.pathname === '') && !url.search;
    }, 'must be a Salesforce My Domain URL (https://<domain>.my.salesforce.com, no path)'),
  ),
  // The origin alone: paths are joined to it.
  z.transform((u: string) => new URL(u).origin),
);

/**
 * Salesforce: a Lead upserted by an external-id field holding Funnel's lead id (REST API, one composite
 * request with the optional Task). Auth: OAuth 2.0 client credentials or JWT bearer flow (a connected app).
 */
export const SalesforceDestination = z.strictObject({
  ...Base,
  kind: z.literal(DestinationKind.Salesforce),
  /** Your org's My Domain URL: the token endpoint and the API are there. */
  instanceUrl: SalesforceHost,
  /** @default 'v62.0' */
  apiVersion: z._default(z.string().check(z.regex(/^v\d{2,3}\.0$/, 'must look like v62.0')), 'v62.0'),
  /** `client_credentials` (the secret holds clientId, clientSecret) or `jwt_bearer` (clientId, username, privateKey). */
  auth: z.enum(['client_credentials', 'jwt_bearer']),
  /** The Lead's external-id field (a custom text field marked External ID and Unique) that holds Funnel's lead id. */
  externalIdField: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'must be a custom field API name ending in __c')),
  /** Lead fields → lead fields. Default: Email, FirstName, LastName, Company, Title, Phone, Country (LastName and Company `[not provided]` only when Salesforce needs them for a new Lead). */
  fields: z.optional(Fields),
  /** A Task on the Lead with the score explanation, upserted by this external-id field on Task. */
  task: z.optional(z.strictObject({ externalIdField: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'must end in __c')) })),
});

/**
 * Pipedrive: a person found by email (exact search) and updated, or created; then a lead on it unless
 * the person has an open lead from Funnel already. Auth: an API token.
 */
export const PipedriveDestination = z.strictObject({
  ...Base,
  kind: z.literal(DestinationKind.Pipedrive),
  /** Person fields (keys; custom fields are 40-character hashes) → lead fields. Default: job_title and phone from the profile; the name (first and last) on a new person. */
  fields: z.optional(Fields),
  /** Add a lead (Leads Inbox) for the person. @default true */
  createLead: z._default(z.boolean(), true),
});

/** What a Slack message may show. Anything else about the lead never reaches the channel. */
export const SLACK_SHOWS = ['name', 'email', 'company', 'jobTitle', 'stage', 'score', 'reasons', 'source', 'consoleLink'] as const;

/** Slack: a Block Kit message to an incoming webhook (the URL is the secret). */
export const SlackDestination = z.strictObject({
  ...Base,
  kind: z.literal(DestinationKind.Slack),
  /** @default ['company', 'jobTitle', 'stage', 'score', 'reasons', 'source', 'consoleLink']: no name, no address */
  show: z._default(
    z
      .array(z.enum(SLACK_SHOWS))
      .check(z.minLength(1))
      .check(z.refine((e) => new Set(e).size === e.length, 'must not repeat an item')),
    ['company', 'jobTitle', 'stage', 'score', 'reasons', 'source', 'consoleLink'],
  ),
});

export const Destination = z.discriminatedUnion('kind', [HubSpotDestination, SalesforceDestination, PipedriveDestination, SlackDestination]);
export type Destination = z.infer<typeof Destination>;
export type HubSpotDestination = z.infer<typeof HubSpotDestination>;
export type SalesforceDestination = z.infer<typeof SalesforceDestination>;
export type PipedriveDestination = z.infer<typeof PipedriveDestination>;
export type SlackDestination = z.infer<typeof SlackDestination>;

export const Destinations = z.array(Destination).check(z.maxLength(10, 'at most 10 destinations per site'));
