import { createHash } from 'node:crypto';
import type { ConfigIndex } from '../core/config.js';
import type { LeadView } from '../core/contracts.js';
import { emailKey } from '../core/email.js';
import { formsSubmittedOf } from '../core/lead-record.js';
import { LeadNotFoundError, UnauthorizedError, ValidationError } from '../core/errors.js';
import { exitOf } from '../core/nurture/sequence.js';
import type { ApiKey } from '../core/ports.js';
import { LEAD_ID, mayRead, siteOfQuery } from './access.js';
import type { Deps } from './deps.js';

/**
 * Who is calling: the API key in `Authorization: Bearer <key>`, looked up by its SHA-256 (keys are
 * high-entropy random strings, so a fast hash is the right tool; they are never stored in clear).
 * @throws UnauthorizedError for a missing, malformed or unknown key
 */
export async function authenticate(deps: Pick<Deps, 'apiKeys'>, authorization: string | undefined): Promise<ApiKey> {
  const match = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw new UnauthorizedError();
  const key = await deps.apiKeys.findByHash(hashApiKey(match[1]));
  if (!key) throw new UnauthorizedError();
  return key;
}

export const hashApiKey = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * Read one lead by id: profile, consent record, sources and timeline.
 * A lead of a site the key may not read is answered exactly like a missing one, so ids cannot be probed.
 * @throws LeadNotFoundError
 */
export async function getLead(deps: Pick<Deps, 'leads' | 'config'>, key: ApiKey, leadId: string): Promise<LeadView> {
  const lead = LEAD_ID.test(leadId) ? await deps.leads.findById(leadId) : undefined;
  if (!lead || !mayRead(key, lead.siteId)) throw new LeadNotFoundError();
  return withSequenceOutlook(deps.config, lead);
}

/**
 * The lead's sequences as they will go, not only as last stored: the sender records an exit lazily (when
 * the next step comes due), so a sequence the lead has already left (unsubscribed, bounced, reached an
 * exit stage, submitted an exit form) reads `exited` with its reason, and no `nextAt`, from the moment the
 * exit condition holds. The same rule as the sender's ({@link exitOf}), so the two cannot disagree.
 * @example withSequenceOutlook(config, unsubscribedLead).mail.sequences[0] // { status: 'exited', exitReason: 'unsubscribed', … }
 */
export function withSequenceOutlook(config: ConfigIndex, lead: LeadView): LeadView {
  if (!lead.mail?.sequences.some((s) => s.status === 'active')) return lead;
  const site = config.findSite(lead.siteId);
  const nurtureLead = {
    stage: lead.stage,
    unsubscribed: lead.mail.unsubscribedAt !== undefined,
    suppressed: lead.mail.suppressed,
    formsSubmitted: formsSubmittedOf(lead.timeline.flatMap((e) => (e.type === 'form_submitted' ? [e] : []))),
  };
  const sequences = lead.mail.sequences.map((s) => {
    const sequence = site?.forms.find((f) => f.id === s.formId)?.email?.sequence;
    const exit = s.status === 'active' && sequence?.id === s.sequenceId ? exitOf(sequence, nurtureLead) : undefined;
    if (!exit) return s;
    const { nextAt: _dropped, ...rest } = s;
    return { ...rest, status: 'exited' as const, exitReason: exit.reason, ...(exit.detail !== undefined && { exitDetail: exit.detail }) };
  });
  return { ...lead, mail: { ...lead.mail, sequences } };
}

/**
 * Find the lead with this address in a site. `site` may be omitted when the key reads exactly one site.
 * The address's syntax is checked at the edge (the endpoint table).
 * @throws ValidationError | LeadNotFoundError
 */
export async function findLeadByEmail(
  deps: Pick<Deps, 'leads' | 'config'>,
  key: ApiKey,
  query: { email: string; site?: string | undefined },
): Promise<LeadView> {
  const site = siteOfQuery(deps.config, key, query.site);
  if ('problem' in site) throw new ValidationError({ 'query.site': site.problem });
  if (!mayRead(key, site.siteId)) throw new LeadNotFoundError();
  const lead = await deps.leads.findByEmail(site.siteId, emailKey(query.email));
  if (!lead) throw new LeadNotFoundError();
  return withSequenceOutlook(deps.config, lead);
}
