import { findTarget, handoffTargets } from '../core/destinations/targets.js';
import { CONSOLE_TEST_ADDRESS, emailKey } from '../core/email.js';
import { ValidationError } from '../core/errors.js';
import type { Person } from '../core/people.js';
import type { WebhookDelivery } from '../core/ports.js';
import { audited, readerOf, siteFor } from './console.js';
import type { Deps } from './deps.js';
import { deliveryView, replay } from './webhook-log.js';
import { raiseTestEvent, type WebhookDeps } from './webhooks.js';

/** How many of an endpoint's newest deliveries its health is measured on (one Query, whatever the table holds). */
export const HEALTH_WINDOW = 50;

/** An endpoint's or destination's health, from its newest deliveries. */
export interface TargetHealth {
  /** Deliveries looked at (the newest, at most {@link HEALTH_WINDOW}). */
  deliveries: number;
  delivered: number;
  pending: number;
  /** Refused for good, or out of tries. */
  failed: number;
  /** Delivered of those that ended (delivered, failed or dead), or none when none ended. */
  successRate?: number;
  /** The median latency of their tries, in ms. */
  medianLatencyMs?: number;
  lastDeliveredAt?: string;
  /** The newest try that did not deliver: when, its status and the receiver's or vendor's words. */
  lastError?: { at: string; status?: number; error?: string };
}

/** The health of deliveries, newest first. */
export function healthOf(deliveries: readonly WebhookDelivery[]): TargetHealth {
  const ended = deliveries.filter((d) => d.status !== 'pending');
  const delivered = deliveries.filter((d) => d.status === 'delivered');
  const latencies = deliveries.flatMap((d) => d.attempts.map((a) => a.latencyMs)).sort((a, b) => a - b);
  const tries = deliveries.flatMap((d) => d.attempts).sort((a, b) => b.at.localeCompare(a.at));
  const lastError = tries.find((a) => a.result !== 'delivered');
  const lastDelivered = tries.find((a) => a.result === 'delivered');
  return {
    deliveries: deliveries.length,
    delivered: delivered.length,
    pending: deliveries.length - ended.length,
    failed: ended.length - delivered.length,
    ...(ended.length && { successRate: delivered.length / ended.length }),
    ...(latencies.length && { medianLatencyMs: latencies[Math.floor((latencies.length - 1) / 2)]! }),
    ...(lastDelivered && { lastDeliveredAt: lastDelivered.at }),
    ...(lastError && {
      lastError: { at: lastError.at, ...(lastError.status !== undefined && { status: lastError.status }), ...(lastError.error && { error: lastError.error }) },
    }),
  };
}

/**
 * The sales desk's hand-off page: each webhook endpoint and CRM destination of the site, with its health
 * over its newest deliveries and whether it is disabled. Two reads a target (its log, its state).
 * @throws ValidationError (a site the person may not see)
 */
export async function handoffHealth(deps: Pick<Deps, 'config' | 'webhooks'>, person: Person, query: { site?: string | undefined }) {
  const siteId = siteFor(deps, person, query.site);
  const targets = handoffTargets(deps.config.findSite(siteId));
  return {
    siteId,
    window: HEALTH_WINDOW,
    targets: await Promise.all(
      targets.map(async (t) => {
        const [deliveries, disabledAt] = await Promise.all([
          deps.webhooks.forEndpoint(siteId, t.id, { limit: HEALTH_WINDOW }),
          deps.webhooks.disabledAt(siteId, t.id),
        ]);
        return {
          id: t.id,
          kind: t.kind === 'webhook' ? ('webhook' as const) : t.destination.kind,
          ...(t.kind === 'webhook' && { url: t.endpoint.url }),
          events: t.events,
          ...(disabledAt && { disabledAt }),
          health: healthOf(deliveries),
        };
      }),
    ),
  };
}

/**
 * One endpoint's or destination's delivery log, newest first (no payloads: a lead's page has those).
 * @throws ValidationError (a site the person may not see, or no such endpoint there)
 */
export async function handoffLog(deps: Pick<Deps, 'config' | 'webhooks'>, person: Person, endpointId: string, query: { site?: string | undefined }) {
  const siteId = siteFor(deps, person, query.site);
  if (!findTarget(deps.config.findSite(siteId), endpointId))
    throw new ValidationError({ endpointId: `no endpoint or destination "${endpointId}" in site "${siteId}"` });
  const deliveries = await deps.webhooks.forEndpoint(siteId, endpointId, { limit: HEALTH_WINDOW });
  return { siteId, endpointId, deliveries: deliveries.map((d) => deliveryView(d)) };
}

/**
 * Send a delivery again (a dead letter, a failure whose cause was fixed, or one the receiver lost), with
 * the same id; re-enables an endpoint disabled meanwhile. Audited.
 * @throws DeliveryNotFoundError (also for another site's)
 */
export async function replayForSales(deps: WebhookDeps & Pick<Deps, 'audit'>, person: Person, deliveryId: string) {
  // The API's replay, on the sites the person may see.
  const delivery = await replay(deps, readerOf(person), deliveryId);
  return audited(
    deps,
    person,
    { action: 'delivery.replay', siteId: delivery.siteId, leadId: delivery.leadId, detail: { deliveryId, endpointId: delivery.endpointId } },
    delivery,
  );
}

/**
 * Send the test event of the site's console test lead ({@link CONSOLE_TEST_ADDRESS}) to one endpoint or
 * destination, as the API's test does: queued, signed, retried and logged as any delivery; audited.
 * @throws ValidationError (no such endpoint; no test lead yet)
 */
export async function testEventForSales(
  deps: WebhookDeps & Pick<Deps, 'audit' | 'leads'>,
  person: Person,
  endpointId: string,
  query: { site?: string | undefined },
) {
  const siteId = siteFor(deps, person, query.site);
  if (!findTarget(deps.config.findSite(siteId), endpointId))
    throw new ValidationError({ 'params.endpointId': `no endpoint or destination "${endpointId}" in site "${siteId}"` });
  const ref = { siteId, emailKey: emailKey(CONSOLE_TEST_ADDRESS) };
  const lead = await deps.leads.findByEmail(siteId, ref.emailKey);
  if (!lead)
    throw new ValidationError({ lead: `no test lead yet: submit any form of site "${siteId}" once with the address ${CONSOLE_TEST_ADDRESS}, then send again` });
  const delivery = deliveryView(await raiseTestEvent(deps, ref, lead, endpointId));
  return audited(deps, person, { action: 'delivery.test', siteId, leadId: lead.leadId, detail: { endpointId, deliveryId: delivery.deliveryId } }, delivery);
}
