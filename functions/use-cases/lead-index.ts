import { cardOf } from '../core/lead-index.js';
import type { LeadRef } from '../core/ports.js';
import type { Deps } from './deps.js';

/**
 * Bring a lead's list entries in line with it (the stream's consumer calls this after a lead changed).
 * Entries are not guarded by the lead item: when some were written, an erasure that raced them is
 * completed (a consistent read of the lead, then its partition swept if it is gone).
 */
export async function refreshLeadIndex(deps: Pick<Deps, 'leads' | 'leadIndex' | 'prospects'>, ref: LeadRef): Promise<void> {
  const lead = await deps.leads.findByEmail(ref.siteId, ref.emailKey);
  const written = await deps.leadIndex.refresh(ref, lead && cardOf(lead));
  if (lead && written) await deps.prospects.sweepIfErased(ref);
}
