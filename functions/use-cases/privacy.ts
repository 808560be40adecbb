import { LeadNotFoundError } from '../core/errors.js';
import type { ApiKey } from '../core/ports.js';
import { readableLead } from './access.js';
import type { Deps } from './deps.js';
import { getLead } from './read-leads.js';
import { queueDestinationErasures } from './destinations.js';

type PrivacyDeps = Pick<Deps, 'leads' | 'nurture' | 'prospects' | 'clock' | 'config'>;
type ErasureDeps = PrivacyDeps & Pick<Deps, 'webhookQueue'>;

/**
 * Everything held on a lead (a data-subject access request): the lead as the API shows it, and every
 * record behind it, grouped by kind, without internal keys.
 * @throws LeadNotFoundError
 */
export async function exportLead(
  deps: PrivacyDeps,
  key: ApiKey,
  leadId: string,
): Promise<{ exportedAt: string; lead: unknown; records: Record<string, unknown[]> }> {
  const lead = await getLead(deps, key, leadId);
  const ref = await deps.nurture.findRef(lead.siteId, lead.leadId);
  if (!ref) throw new LeadNotFoundError();
  return { exportedAt: deps.clock.now().toISOString(), lead, records: await deps.prospects.exportLead(ref) };
}

/**
 * Erase a lead (right to erasure).
 * 1. find it (a lead the key may not read is answered like a missing one)
 * 2. delete its profile, submissions, events, stage changes, enrolments, email records, opt-ins, log and
 *    webhook deliveries, and what points at it: scheduled steps and checks, prospect index entries,
 *    delivery log pointers. Pending emails and deliveries are thereby cancelled (their jobs find no lead)
 * 3. keep an anonymised audit entry: the lead id, when, and its consent decisions without text or address
 * Before all that, the person's erasure at the site's CRM destinations is queued (`queueDestinationErasures`).
 * @throws LeadNotFoundError (also for a second erasure)
 */
export async function eraseLead(deps: ErasureDeps, key: ApiKey, leadId: string): Promise<void> {
  const { ref, lead } = await readableLead(deps, key, leadId);
  await queueDestinationErasures(deps, { siteId: ref.siteId, email: lead.email, leadId: lead.leadId });
  if (!(await deps.prospects.eraseLead(ref, deps.clock.now().toISOString()))) throw new LeadNotFoundError();
}
