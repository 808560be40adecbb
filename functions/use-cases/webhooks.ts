import { isTestAddress } from '../core/email.js';
import { createHash } from 'node:crypto';
import type { LeadView } from '../core/contracts.js';
import type { LeadRef, WebhookAttempt, WebhookDelivery, WebhookJob, WebhookOutcome, WebhookTrigger } from '../core/ports.js';
import { findTarget, handoffTargets, type HandoffTarget } from '../core/destinations/targets.js';
import type { WebhookEvent } from '../core/webhooks/config.js';
import { eventsOfStageChange, webhookPayload } from '../core/webhooks/payload.js';
import { classifyResponse, nextAttemptAt } from '../core/webhooks/retry.js';
import type { Deps } from './deps.js';
import { countHandoff } from './prospects.js';

/**
 * How long a worker holds a delivery's try to a destination. Longer than the sender function's timeout
 * (60 s): a worker still calling the vendor holds it; one that died lets it go within 90 s, long before
 * its queue message is visible again (six function timeouts, 360 s) and another worker takes the lane.
 */
export const DELIVERY_LEASE_MS = 90_000;

/** Retries due sooner than this go back on the queue with a delay (SQS allows 15 min); later ones into the due index. */
const QUEUE_DELAY_LIMIT_MS = 15 * 60_000;

export type WebhookDeps = Pick<
  Deps,
  'config' | 'clock' | 'leads' | 'webhooks' | 'webhookQueue' | 'webhookSecrets' | 'webhookTransport' | 'destinations' | 'prospects' | 'metrics' | 'stats'
>;

/** What raised the events: a stage change recorded on the lead, or its unsubscribe. */
export type { WebhookTrigger } from '../core/ports.js';

/**
 * Raise the webhook events of something a lead did, for every endpoint and destination of its site
 * subscribed to them.
 * 1. work out the events (`lead.qualified`, `prospect.ready`, `lead.unsubscribed`) and the endpoints
 * 2. freeze each event's payload as the lead is now, into one delivery per endpoint (a repeated stream
 *    record makes the same delivery ids and keys, so nothing is doubled)
 * 3. queue a job per endpoint: the sender delivers the lead's pending events oldest first
 * Returns the deliveries recorded.
 */
export async function raiseWebhooks(deps: WebhookDeps, ref: LeadRef, trigger: WebhookTrigger): Promise<WebhookDelivery[]> {
  const site = deps.config.findSite(ref.siteId);
  // Every stage change reaches here once from the table stream (at least once: a retried batch may count twice).
  if (trigger.kind === 'stage' && trigger.change.to === 'mql') deps.metrics.count('MQLs');
  if (trigger.kind === 'stage' && trigger.change.to === 'sql') deps.metrics.count('SQLs');
  const types: WebhookEvent[] = trigger.kind === 'stage' ? eventsOfStageChange(trigger.change) : ['lead.unsubscribed'];
  const eventAt = trigger.kind === 'stage' ? trigger.change.at : trigger.at;
  const endpoints = handoffTargets(site).filter((e) => types.some((t) => e.events.includes(t)));
  if (!site || endpoints.length === 0) return [];
  const lead = await deps.leads.findByEmail(ref.siteId, ref.emailKey);
  if (!lead || isTestAddress(lead.email)) return [];
  const createdAt = deps.clock.now().toISOString();
  const deliveries: WebhookDelivery[] = endpoints.flatMap((endpoint) =>
    types
      .filter((type) => endpoint.events.includes(type))
      .map((type) => ({
        ...ref,
        deliveryId: deliveryIdOf(ref, endpoint.id, type, eventAt),
        endpointId: endpoint.id,
        type,
        leadId: lead.leadId,
        eventAt,
        createdAt,
        status: 'pending' as const,
        body: JSON.stringify(webhookPayload(type, eventAt, { id: site.id, name: site.name }, lead)),
        attempts: [],
      })),
  );
  await deps.webhooks.create(deliveries);
  await deps.webhookQueue.enqueue(endpoints.map((e) => ({ ...ref, endpointId: e.id })));
  return deliveries;
}

/**
 * Queue the test event of a test lead to one endpoint of its site: the same payload shape, signature,
 * queue, retries and log as any delivery, so a deployment's hand-off is checked end to end (`npm run smoke`).
 */
export async function raiseTestEvent(deps: WebhookDeps, ref: LeadRef, lead: LeadView, endpointId: string): Promise<WebhookDelivery> {
  const site = deps.config.findSite(ref.siteId)!;
  const eventAt = deps.clock.now().toISOString();
  const delivery: WebhookDelivery = {
    ...ref,
    deliveryId: deliveryIdOf(ref, endpointId, 'webhook.test', eventAt),
    endpointId,
    type: 'webhook.test',
    leadId: lead.leadId,
    eventAt,
    createdAt: eventAt,
    status: 'pending',
    body: JSON.stringify(webhookPayload('webhook.test', eventAt, { id: site.id, name: site.name }, lead)),
    attempts: [],
  };
  await deps.webhooks.create([delivery]);
  await deps.webhookQueue.enqueue([{ ...ref, endpointId }]);
  return delivery;
}

/** Stable across stream retries: the same lead, endpoint, event and time always give the same id. */
export const deliveryIdOf = (ref: LeadRef, endpointId: string, type: string, eventAt: string): string =>
  `msg_${createHash('sha256').update(`${ref.siteId}|${ref.emailKey}|${endpointId}|${type}|${eventAt}`).digest('base64url').slice(0, 27)}`;

export interface DeliverResult {
  delivered: string[];
  /** When the first undelivered event will be tried again, if it will. */
  retryAt?: string;
  note?: string;
}

/**
 * Deliver a lead's pending events to one endpoint, oldest first, so a receiver gets each lead's events in
 * order even after an outage.
 * 1. a removed or disabled endpoint: hold everything (a replay after re-enabling sends it)
 * 2. for each pending delivery, oldest first: if its next try is not yet due, schedule it and stop
 * 3. sign and POST it (10 s timeout, no redirects); record the try in its log
 *    - 2xx: delivered, go on with the next
 *    - network error, timeout, 5xx, 408/409/425/429: try again later (backoff with jitter, `Retry-After`
 *      honoured, 11 tries over more than 3 days) and stop, so later events wait their turn; after the
 *      last try it is dead-lettered (the operator's alarm fires) and the next one goes
 *    - 410 Gone: the endpoint is disabled; any other 4xx (or a redirect): failed for good, dead-lettered
 * Each try carries the delivery's one `webhook-id`, so a receiver can drop a repeat.
 */
export async function deliverWebhooks(deps: WebhookDeps, job: WebhookJob): Promise<DeliverResult> {
  const target = findTarget(deps.config.findSite(job.siteId), job.endpointId);
  if (!target) return { delivered: [], note: `endpoint "${job.endpointId}" is not configured` };
  if (await deps.webhooks.disabledAt(job.siteId, job.endpointId)) return { delivered: [], note: 'endpoint disabled' };
  const delivered: string[] = [];
  for (const delivery of await deps.webhooks.pending(job, job.endpointId)) {
    const now = deps.clock.now();
    if (delivery.nextAttemptAt && Date.parse(delivery.nextAttemptAt) > now.getTime()) {
      await scheduleRetry(deps, job, delivery.nextAttemptAt, now);
      return { delivered, retryAt: delivery.nextAttemptAt };
    }
    // A destination has no idempotency key of the receiver's to fall back on (a Pipedrive person, a Slack
    // message): two workers on one lane (a repeated queue message, a replay racing a retry) must not both
    // call the vendor. The one that holds the lease tries; the other leaves the lane to it.
    if (target.kind === 'destination' && !(await deps.webhooks.lease(delivery, new Date(now.getTime() + DELIVERY_LEASE_MS).toISOString(), now.toISOString())))
      return { delivered, note: 'another worker is delivering this lane' };
    const outcome = await send(deps, target, delivery, now);
    const verdict = classifyResponse(outcome);
    const attempt: WebhookAttempt = {
      at: now.toISOString(),
      result: 'delivered',
      ...(outcome.kind === 'response' && { status: outcome.status }),
      latencyMs: Math.round(outcome.latencyMs),
      ...(outcome.kind === 'response' && outcome.error && { error: outcome.error }),
      ...(outcome.kind !== 'response' && { error: outcome.kind === 'timeout' ? 'timeout' : `${outcome.code ?? 'network'}: ${outcome.message}` }),
    };
    if (verdict === 'delivered') {
      if (await deps.webhooks.recordAttempt(delivery, attempt, { status: 'delivered' })) {
        delivered.push(delivery.deliveryId);
        deps.metrics.count('WebhooksDelivered');
        // A prospect an endpoint took is handed off to sales (counted once per lead, whichever way came first).
        if (delivery.type === 'prospect.ready') await countHandoff(deps, delivery, attempt.at);
      }
      continue;
    }
    if (verdict === 'retry') {
      const retryAfter = outcome.kind === 'response' ? outcome.retryAfter : undefined;
      const next = nextAttemptAt({ attempt: delivery.attempts.length + 1, now, ...(retryAfter && { retryAfter }), random: Math.random });
      if (next) {
        const nextAt = next.toISOString();
        if (await deps.webhooks.recordAttempt(delivery, { ...attempt, result: 'retry' }, { status: 'pending', nextAttemptAt: nextAt }))
          await scheduleRetry(deps, job, nextAt, now);
        return { delivered, retryAt: nextAt };
      }
      await deadLetter(deps, delivery, { ...attempt, result: 'dead' }, `no success after ${delivery.attempts.length + 1} tries`);
      continue;
    }
    if (verdict === 'disable') {
      const why = target.kind === 'webhook' ? '410 Gone' : (attempt.error ?? `${attempt.status}: gone`);
      await deadLetter(deps, delivery, { ...attempt, result: 'disabled' }, `the endpoint answered ${why} and was disabled`);
      await deps.webhooks.setDisabled(job.siteId, job.endpointId, now.toISOString(), why);
      return { delivered, note: `endpoint disabled (${why})` };
    }
    await deadLetter(deps, delivery, { ...attempt, result: 'failed' }, `refused with ${attempt.status ?? 'an error'}: not retried`);
  }
  return { delivered };
}

/** One try: a webhook signed and POSTed, or a destination's vendor calls. */
async function send(deps: WebhookDeps, target: HandoffTarget, delivery: WebhookDelivery, now: Date): Promise<WebhookOutcome> {
  if (target.kind === 'destination')
    return deps.destinations.deliver(target.destination, { siteId: delivery.siteId, deliveryId: delivery.deliveryId, body: delivery.body });
  const secret = await deps.webhookSecrets.secretOf(delivery.siteId, target.id);
  return deps.webhookTransport.send({ url: target.endpoint.url, body: delivery.body, webhookId: delivery.deliveryId, timestamp: now, secret });
}

async function deadLetter(deps: WebhookDeps, delivery: WebhookDelivery, attempt: WebhookAttempt, reason: string): Promise<void> {
  const status = attempt.result === 'failed' ? 'failed' : 'dead';
  if (!(await deps.webhooks.recordAttempt(delivery, attempt, { status }))) return;
  deps.metrics.count('WebhooksDeadLettered');
  await deps.webhookQueue.deadLetter({
    deliveryId: delivery.deliveryId,
    siteId: delivery.siteId,
    endpointId: delivery.endpointId,
    type: delivery.type,
    reason,
  });
}

/** Soon: back on the queue with a delay. Later: a due item the scheduler picks up. */
async function scheduleRetry(deps: WebhookDeps, job: WebhookJob, at: string, now: Date): Promise<void> {
  const waitMs = Date.parse(at) - now.getTime();
  if (waitMs <= QUEUE_DELAY_LIMIT_MS)
    await deps.webhookQueue.enqueue([{ siteId: job.siteId, emailKey: job.emailKey, endpointId: job.endpointId }], {
      delaySeconds: Math.max(0, Math.ceil(waitMs / 1000)),
    });
  else {
    await deps.webhooks.scheduleRetry(job, job.endpointId, at);
    // A retry is not guarded by the lead: if an erasure raced this delivery, take it back and sweep.
    if ((await deps.prospects.sweepIfErased(job)) === 'swept') await deps.webhooks.unscheduleRetry(job, job.endpointId, at);
  }
}

/** How many of a disabled endpoint's newest deliveries a replay looks through for held ones. */
export const HELD_SCAN_LIMIT = 1000;
/**
 * How long the jobs of a replay that re-enables an endpoint wait on the queue: they are queued before the
 * endpoint is enabled again (so a failure in between loses nothing: the replay fails, the endpoint stays
 * disabled, and the caller's retry does it all again), and must not reach the sender while it is still
 * disabled, which would drop them as held. One UpdateItem takes milliseconds; 10 s is far beyond it.
 */
export const REENABLE_DELAY_SECONDS = 10;

/**
 * Replay a delivery (dead-lettered, failed, or even delivered: the receiver asked for it again): put it
 * back to pending with its log kept and queue its lead's job. If a 410 had disabled its endpoint, every
 * delivery held meanwhile (pending among its newest HELD_SCAN_LIMIT) is queued too, each lead's events in
 * order, and only then is the endpoint enabled again. Idempotent: replaying twice queues the same lanes.
 * Undefined when there is no such delivery on the sites `siteIds` may see.
 */
export async function replayDelivery(deps: WebhookDeps, deliveryId: string, siteIds: readonly string[] = ['*']): Promise<WebhookDelivery | undefined> {
  const delivery = await deps.webhooks.find(deliveryId);
  if (!delivery || !(siteIds.includes('*') || siteIds.includes(delivery.siteId))) return undefined;
  const { siteId, endpointId } = delivery;
  await deps.webhooks.reopen(delivery, deps.clock.now().toISOString());
  const lanes = new Map([[delivery.emailKey, { siteId, emailKey: delivery.emailKey, endpointId }]]);
  if (!(await deps.webhooks.disabledAt(siteId, endpointId))) {
    await deps.webhookQueue.enqueue([...lanes.values()]);
  } else {
    const pendingLanes = async () =>
      (await deps.webhooks.forEndpoint(siteId, endpointId, { limit: HELD_SCAN_LIMIT })).filter((d) => d.status === 'pending').map((d) => d.emailKey);
    for (const emailKey of await pendingLanes()) lanes.set(emailKey, { siteId, emailKey, endpointId });
    await deps.webhookQueue.enqueue([...lanes.values()], { delaySeconds: REENABLE_DELAY_SECONDS });
    await deps.webhooks.setDisabled(siteId, endpointId, undefined);
    // A delivery raised between the scan and the re-enable met a disabled endpoint and was held: queue it too.
    const late = (await pendingLanes()).filter((emailKey) => !lanes.has(emailKey));
    if (late.length) await deps.webhookQueue.enqueue([...new Set(late)].map((emailKey) => ({ siteId, emailKey, endpointId })));
  }
  return (await deps.webhooks.find(deliveryId)) ?? delivery;
}
