import { DeliveryNotFoundError, LeadNotFoundError, ValidationError } from '../core/errors.js';
import type { ApiKey, WebhookDelivery } from '../core/ports.js';
import type { Deps } from './deps.js';
import { replayDelivery, type WebhookDeps } from './webhooks.js';

/** A delivery as the log shows it: everything but the body (ask for one delivery to see it). */
export type DeliveryView = Omit<WebhookDelivery, 'emailKey' | 'body'> & { payload?: unknown };

const view = (d: WebhookDelivery, withPayload = false): DeliveryView => {
  const { emailKey: _, body, ...rest } = d;
  return withPayload ? { ...rest, payload: JSON.parse(body) } : rest;
};

const mayRead = (key: ApiKey, siteId: string) => key.siteIds.includes('*') || key.siteIds.includes(siteId);
const ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The delivery log: a lead's deliveries (`lead`), or an endpoint's newest first (`endpoint`, with `site`
 * when the key reads several sites). Attempts carry time, status code, latency and error; pending ones
 * their next attempt.
 * @throws ValidationError | LeadNotFoundError
 */
export async function listDeliveries(
  deps: Pick<Deps, 'leads' | 'webhooks' | 'config' | 'nurture'>,
  key: ApiKey,
  query: { lead?: string; endpoint?: string; site?: string; limit?: string },
): Promise<{ deliveries: DeliveryView[] }> {
  if (query.lead !== undefined) {
    const lead = ID.test(query.lead) ? await deps.leads.findById(query.lead) : undefined;
    const ref = lead && mayRead(key, lead.siteId) ? await deps.nurture.findRef(lead.siteId, lead.leadId) : undefined;
    if (!ref) throw new LeadNotFoundError();
    return { deliveries: (await deps.webhooks.forLead(ref)).map((d) => view(d)) };
  }
  const problems: Record<string, string> = {};
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) problems['query.limit'] = 'must be a whole number from 1 to 100';
  const siteId = query.site ?? (key.siteIds.length === 1 && key.siteIds[0] !== '*' ? key.siteIds[0] : deps.config.config.sites.length === 1 ? deps.config.config.sites[0]?.id : undefined);
  if (!siteId) problems['query.site'] = 'is required: this key reads more than one site';
  else if (!deps.config.findSite(siteId)) problems['query.site'] = `no site "${siteId}"`;
  if (query.endpoint === undefined) problems['query.endpoint'] = 'is required (or give lead)';
  else if (siteId && !deps.config.findSite(siteId)?.webhooks?.some((e) => e.id === query.endpoint)) problems['query.endpoint'] = `no endpoint "${query.endpoint}" in site "${siteId}"`;
  if (Object.keys(problems).length || !siteId || !query.endpoint) throw new ValidationError(problems);
  if (!mayRead(key, siteId)) throw new LeadNotFoundError();
  return { deliveries: (await deps.webhooks.forEndpoint(siteId, query.endpoint, { limit })).map((d) => view(d)) };
}

/**
 * One delivery with its payload and log.
 * @throws DeliveryNotFoundError (as for leads: another site's delivery is answered like a missing one)
 */
export async function getDelivery(deps: Pick<Deps, 'webhooks'>, key: ApiKey, deliveryId: string): Promise<DeliveryView> {
  const delivery = /^msg_[A-Za-z0-9_-]{10,60}$/.test(deliveryId) ? await deps.webhooks.find(deliveryId) : undefined;
  if (!delivery || !mayRead(key, delivery.siteId)) throw new DeliveryNotFoundError();
  return view(delivery, true);
}

/**
 * Replay a delivery now (dead-lettered, failed, or delivered again on request), with the same webhook-id.
 * @throws DeliveryNotFoundError
 */
export async function replay(deps: WebhookDeps, key: ApiKey, deliveryId: string): Promise<DeliveryView> {
  const delivery = /^msg_[A-Za-z0-9_-]{10,60}$/.test(deliveryId) ? await replayDelivery(deps, deliveryId, key.siteIds) : undefined;
  if (!delivery) throw new DeliveryNotFoundError();
  return view(delivery);
}
