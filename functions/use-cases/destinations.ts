import type { DestinationErasureJob, ErasureSubject } from '../core/ports.js';
import type { Deps } from './deps.js';

/**
 * How long an erasure at the destinations waits on the queue. It is queued just before the lead is erased
 * here; a delivery that read the lead's pending events before that erasure is in a webhook-sender run
 * that ends within the sender's timeout (60 s), and the erasure itself within the API's (29 s). Waiting
 * 120 s, the vendor-side delete comes after any delivery that could still write the person there.
 */
export const ERASE_DELAY_SECONDS = 120;

/**
 * Queue the person's erasure at every destination of the site that can delete (HubSpot, Salesforce,
 * Pipedrive; a Slack message cannot be taken back). Called before the lead is erased here, so a failure
 * in between loses no erasure (the caller's retry queues it again; deleting twice is harmless).
 * Returns how many were queued.
 */
export async function queueDestinationErasures(deps: Pick<Deps, 'config' | 'webhookQueue'>, subject: ErasureSubject): Promise<number> {
  const jobs: DestinationErasureJob[] = (deps.config.findSite(subject.siteId)?.destinations ?? [])
    .filter((d) => d.kind !== 'slack')
    .map((d) => ({ kind: 'erase', destinationId: d.id, ...subject }));
  if (jobs.length) await deps.webhookQueue.enqueue(jobs, { delaySeconds: ERASE_DELAY_SECONDS });
  return jobs.length;
}

/** A vendor-side erasure that did not go through: the queue tries it again, then keeps it in its dead-letter queue (alarmed). */
export class DestinationErasureError extends Error {
  override readonly name = 'DestinationErasureError';
}

/**
 * Erase a person at one destination (a queued erasure job). A destination removed from the config since
 * is skipped. What the vendor refused throws, so the queue tries again and then dead-letters the job for
 * the operator to see and replay (`npm run queues`).
 * @throws DestinationErasureError
 */
export async function eraseAtDestination(
  deps: Pick<Deps, 'config' | 'destinations'>,
  job: DestinationErasureJob,
): Promise<'erased' | 'unsupported' | 'not configured'> {
  const destination = deps.config.findSite(job.siteId)?.destinations?.find((d) => d.id === job.destinationId);
  if (!destination) return 'not configured';
  const outcome = await deps.destinations.erase(destination, { siteId: job.siteId, email: job.email, leadId: job.leadId });
  if (outcome.kind === 'unsupported') return 'unsupported';
  if (outcome.kind === 'response' && outcome.verdict === 'delivered') return 'erased';
  const why = outcome.kind === 'response' ? (outcome.error ?? `status ${outcome.status}`) : outcome.kind === 'timeout' ? 'timeout' : outcome.message;
  throw new DestinationErasureError(`erasure at ${job.siteId}/${job.destinationId} did not go through: ${why}`);
}
