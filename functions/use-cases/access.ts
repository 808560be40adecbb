import type { ConfigIndex } from '../core/config.js';
import type { LeadView } from '../core/contracts.js';
import { LeadNotFoundError } from '../core/errors.js';
import type { ApiKey, LeadRef } from '../core/ports.js';
import type { Deps } from './deps.js';

/**
 * What an API key may see. A lead or delivery of a site the key may not read is answered exactly like a
 * missing one, so ids cannot be probed across sites.
 */
export const mayRead = (key: ApiKey, siteId: string): boolean => key.siteIds.includes('*') || key.siteIds.includes(siteId);

/** Lead ids are UUIDs; anything outside this shape is not looked up at all. */
export const LEAD_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The site a query means: the one it names, else the key's only site, else the only configured site.
 * Returns the problem with `query.site` when there is none or it does not exist.
 */
export function siteOfQuery(config: ConfigIndex, key: ApiKey, site: string | undefined): { siteId: string } | { problem: string } {
  const only = key.siteIds.length === 1 && key.siteIds[0] !== '*' ? key.siteIds[0] : config.config.sites.length === 1 ? config.config.sites[0]?.id : undefined;
  const siteId = site ?? only;
  if (!siteId) {
    const readable = config.config.sites.map((s) => s.id).filter((id) => mayRead(key, id));
    return { problem: `is required: this key reads more than one site (${readable.join(', ')})` };
  }
  if (!config.findSite(siteId)) return { problem: `no site "${siteId}"` };
  return { siteId };
}

/**
 * The lead with this id, if the key may read it, with the reference its records are kept under.
 * @throws LeadNotFoundError for a malformed id, a missing lead, or one of a site the key may not read
 */
export async function readableLead(deps: Pick<Deps, 'leads' | 'nurture'>, key: ApiKey, leadId: string): Promise<{ lead: LeadView; ref: LeadRef }> {
  const lead = LEAD_ID.test(leadId) ? await deps.leads.findById(leadId) : undefined;
  const ref = lead && mayRead(key, lead.siteId) ? await deps.nurture.findRef(lead.siteId, lead.leadId) : undefined;
  if (!lead || !ref) throw new LeadNotFoundError();
  return { lead, ref };
}
