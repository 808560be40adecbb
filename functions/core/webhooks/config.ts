import * as z from '../zod.js';
import { text } from '../fields.js';

/** The events a sales system can subscribe to. */
export const WebhookEvent = z.enum(['lead.qualified', 'prospect.ready', 'lead.unsubscribed']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An endpoint URL: https, or http to localhost only (a receiver on the machine running `npm start`). A
 * deployed stack refuses http altogether and private addresses (see `infra/production-checks.ts`).
 */
const EndpointUrl = z
  .pipe(z.string().check(z.maxLength(2048, 'must be at most 2048 characters')), z.url({ protocol: /^https?$/, error: 'must be an https URL' }))
  .check(
    z.refine((u) => {
      const url = new URL(u);
      return url.protocol === 'https:' || LOCAL_HOSTS.has(url.hostname);
    }, 'must be https (http is allowed only for localhost, when running locally)'),
  )
  .check(z.refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials: receivers verify the signature instead'));

/** The id of an endpoint or destination: names its secret, its delivery log and its deliveries. */
export const EndpointId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lower-case letters, digits and dashes'));

/** The events an endpoint or destination takes: at least one, none twice. */
export const SubscribedEvents = z
  .array(WebhookEvent)
  .check(z.minLength(1, 'must name at least one event'))
  .check(z.refine((e) => new Set(e).size === e.length, 'must not repeat an event'));

/**
 * A sales system's webhook endpoint. Its signing secret is never in the config: Secrets Manager on AWS
 * (one secret per endpoint, created by the stack), `.data/webhook-secrets.json` locally.
 */
export const WebhookEndpoint = z.strictObject({
  /** Stable: names the endpoint's secret, its delivery log and its deliveries. */
  id: EndpointId,
  url: EndpointUrl,
  events: SubscribedEvents,
  description: z.optional(text(200)),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** A site's endpoints, ids unique within the site. */
export const WebhookEndpoints = z
  .array(WebhookEndpoint)
  .check(z.maxLength(20, 'at most 20 endpoints per site'))
  .check(
    z.superRefine((endpoints, ctx) => {
      endpoints.forEach((e, i) => {
        if (endpoints.findIndex((x) => x.id === e.id) !== i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate endpoint id "${e.id}"` });
      });
    }),
  );
