import { TestEventBody } from '../core/contracts.js';
import { isTestAddress, TEST_EMAIL_DOMAIN } from '../core/email.js';
import { DeliveryNotFoundError, LeadNotFoundError, ValidationError } from '../core/errors.js';
import { fieldErrors } from '../core/field-errors.js';
import { findTarget } from '../core/destinations/targets.js';
import type { ApiKey, WebhookDelivery } from '../core/ports.js';
import { mayRead, readableLead, siteOfQuery } from './access.js';
import type { Deps } from './deps.js';
import { raiseTestEvent, replayDelivery, type WebhookDeps } from './webhooks.js';

/** A delivery as the log shows it: everything but the body (ask for one delivery to see it). */
export type DeliveryView = Omit<WebhookDelivery, 'emailKey' | 'body'> & { payload?: unknown };

/** A delivery as the log shows it: no address key; its payload only when asked. */
export const deliveryView = (d: WebhookDelivery, withPayload = false): DeliveryView => {
  const { emailKey: _, body, ...rest } = d;
  return withPayload ? { ...rest, payload: JSON.parse(body) } : rest;
};

/** Delivery ids are the `webhook-id` header values, `msg_…`. */
const DELIVERY_ID = /^msg_[A-Za-z0-9_-]{10,60}$/;

/**
 * The delivery log: a lead's deliveries (`lead`), or an endpoint's newest first (`endpoint`, with `site`
 * when the key reads several sites). Attempts carry time, status code, latency and error; pending ones
 * their next attempt.
 * @throws ValidationError | LeadNotFoundError
 */
export async function listDeliveries(
  deps: Pick<Deps, 'leads' | 'webhooks' | 'config' | 'nurture'>,
  key: ApiKey,
  query: { lead?: string | undefined; endpoint?: string | undefined; site?: string | undefined; limit: number },
): Promise<{ deliveries: DeliveryView[] }> {
  if (query.lead !== undefined) {
    const { ref } = await readableLead(deps, key, query.lead);
    return { deliveries: (await deps.webhooks.forLead(ref)).map((d) => deliveryView(d)) };
  }
  const problems: Record<string, string> = {};
  const site = siteOfQuery(deps.config, key, query.site);
  if ('problem' in site) problems['query.site'] = site.problem;
  const siteId = 'siteId' in site ? site.siteId : undefined;
  if (query.endpoint === undefined) problems['query.endpoint'] = 'is required (or give lead)';
  else if (siteId && !findTarget(deps.config.findSite(siteId), query.endpoint))
    problems['query.endpoint'] = `no endpoint "${query.endpoint}" in site "${siteId}"`;
  if (Object.keys(problems).length || !siteId || !query.endpoint) throw new ValidationError(problems);
  if (!mayRead(key, siteId)) throw new LeadNotFoundError();
  return { deliveries: (await deps.webhooks.forEndpoint(siteId, query.endpoint, { limit: query.limit })).map((d) => deliveryView(d)) };
}

/**
 * One delivery with its payload and log.
 * @throws DeliveryNotFoundError (as for leads: another site's delivery is answered like a missing one)
 */
export async function getDelivery(deps: Pick<Deps, 'webhooks'>, key: ApiKey, deliveryId: string): Promise<DeliveryView> {
  const delivery = DELIVERY_ID.test(deliveryId) ? await deps.webhooks.find(deliveryId) : undefined;
  if (!delivery || !mayRead(key, delivery.siteId)) throw new DeliveryNotFoundError();
  return deliveryView(delivery, true);
}

/**
 * Replay a delivery now (dead-lettered, failed, or delivered again on request), with the same webhook-id.
 * @throws DeliveryNotFoundError
 */
export async function replay(deps: WebhookDeps, key: ApiKey, deliveryId: string): Promise<DeliveryView> {
  const delivery = DELIVERY_ID.test(deliveryId) ? await replayDelivery(deps, deliveryId, key.siteIds) : undefined;
  if (!delivery) throw new DeliveryNotFoundError();
  return deliveryView(delivery);
}

/**
 * Send the test event of a test lead to an endpoint of its site (`POST /v1/webhooks/test`).
 * @throws ValidationError (the body; a lead that is not test data; an endpoint its site lacks) | LeadNotFoundError
 */
export async function sendTestEvent(deps: WebhookDeps & Pick<Deps, 'nurture'>, key: ApiKey, body: unknown): Promise<DeliveryView> {
  const parsed = TestEventBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const { lead, ref } = await readableLead(deps, key, parsed.data.lead);
  if (!isTestAddress(lead.email))
    throw new ValidationError({ lead: `must be a test lead (an address at ${TEST_EMAIL_DOMAIN}): a test never carries a real lead` });
  if (!findTarget(deps.config.findSite(ref.siteId), parsed.data.endpoint))
    throw new ValidationError({ endpoint: `no endpoint "${parsed.data.endpoint}" in site "${ref.siteId}"` });
  return deliveryView(await raiseTestEvent(deps, ref, lead, parsed.data.endpoint));
}
