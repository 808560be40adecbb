import type { LeadView, ProspectView } from '../core/contracts.js';
import { ClaimBody } from '../core/contracts.js';
import { AlreadyClaimedError, LeadNotFoundError, ValidationError } from '../core/errors.js';
import { fieldErrors } from '../core/capture.js';
import type { ApiKey, LeadRef, ProspectEntry } from '../core/ports.js';
import type { Deps } from './deps.js';

/** A missing number older than this is taken as abandoned (its writer died before writing the entry). */
export const GAP_SETTLE_MS = 60_000;
const STAGES = ['mql', 'sql'] as const;

type ProspectDeps = Pick<Deps, 'config' | 'clock' | 'leads' | 'prospects' | 'nurture'>;

/**
 * Number a qualification and write its index entry, so the pull API can list it. Called for every
 * `STAGE#` insert on the table stream; a repeat (stream retry) keeps the number it was given.
 */
export async function indexQualification(deps: Pick<Deps, 'prospects' | 'clock' | 'leads'>, ref: LeadRef, stage: string, qualifiedAt: string): Promise<number | undefined> {
  const lead = await deps.leads.findByEmail(ref.siteId, ref.emailKey);
  if (!lead) return undefined; // erased since
  const seq = await deps.prospects.sequenceOf(ref, stage);
  await deps.prospects.putEntry(stage, { ...ref, seq, leadId: lead.leadId, qualifiedAt, writtenAt: deps.clock.now().toISOString() });
  // An erasure that deleted the lead before the entry was written may have swept the stage item (the only
  // pointer to the entry) already: the entry is found by nobody else, so its writer takes it back.
  if ((await deps.prospects.sweepIfErased(ref)) === 'swept') {
    await deps.prospects.dropEntry(ref.siteId, stage, seq);
    return undefined;
  }
  return seq;
}

const mayRead = (key: ApiKey, siteId: string) => key.siteIds.includes('*') || key.siteIds.includes(siteId);

/** `<stage>.<seq>` in base64url: opaque to callers. */
const encodeCursor = (stage: string, seq: number) => Buffer.from(`${stage}.${seq}`).toString('base64url');
const decodeCursor = (cursor: string, stage: string): number | undefined => {
  const [s, n, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  return s === stage && rest.length === 0 && /^\d{1,12}$/.test(n ?? '') ? Number(n) : undefined;
};

/**
 * List prospects in qualification order, from a cursor.
 * 1. read index entries after the cursor's number
 * 2. keep the contiguous run: stop before a missing number (a qualification being written right now),
 *    unless the entry after it is over a minute old (the number was abandoned): so a cursor never skips
 *    a prospect that is still arriving, and never returns one twice
 * 3. read each lead as it is now (stage, score, claim); one erased since is left out
 * Qualification order is the order of the numbers: time order, ties (which numbers never have) none.
 * @throws ValidationError naming `query.stage`, `query.limit`, `query.since`, `query.site`
 */
export async function listProspects(deps: ProspectDeps, key: ApiKey, query: { stage?: string; since?: string; limit?: string; site?: string }): Promise<{ prospects: ProspectView[]; nextCursor: string }> {
  const problems: Record<string, string> = {};
  const stage = query.stage ?? 'sql';
  if (!(STAGES as readonly string[]).includes(stage)) problems['query.stage'] = 'must be mql or sql';
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) problems['query.limit'] = 'must be a whole number from 1 to 100';
  const after = query.since === undefined ? 0 : decodeCursor(query.since, stage);
  if (after === undefined) problems['query.since'] = 'is not a cursor of this listing (use nextCursor as it was given)';
  const siteId = query.site ?? (key.siteIds.length === 1 && key.siteIds[0] !== '*' ? key.siteIds[0] : deps.config.config.sites.length === 1 ? deps.config.config.sites[0]?.id : undefined);
  if (!siteId) problems['query.site'] = 'is required: this key reads more than one site';
  else if (!deps.config.findSite(siteId)) problems['query.site'] = `no site "${siteId}"`;
  if (Object.keys(problems).length || !siteId || after === undefined) throw new ValidationError(problems);
  if (!mayRead(key, siteId)) throw new LeadNotFoundError();

  const now = deps.clock.now().getTime();
  const entries = await deps.prospects.entriesAfter(siteId, stage, after, limit);
  const run: ProspectEntry[] = [];
  let expected = after + 1;
  for (const entry of entries) {
    if (entry.seq !== expected && now - Date.parse(entry.writtenAt) < GAP_SETTLE_MS) break;
    run.push(entry);
    expected = entry.seq + 1;
  }
  const leads = await Promise.all(run.map((e) => deps.leads.findByEmail(e.siteId, e.emailKey)));
  const prospects = run.flatMap((e, i) => {
    const lead = leads[i];
    return lead ? [prospectView(lead, e)] : [];
  });
  return { prospects, nextCursor: encodeCursor(stage, run.at(-1)?.seq ?? after) };
}

function prospectView(lead: LeadView, entry: ProspectEntry): ProspectView {
  const { breakdown: _, ...score } = lead.score ?? { breakdown: [] };
  return {
    leadId: lead.leadId,
    email: lead.email,
    profile: lead.profile,
    stage: lead.stage,
    ...(lead.score && { score: score as ProspectView['score'] }),
    qualifiedAt: entry.qualifiedAt,
    ...(lead.claim && { claim: lead.claim }),
  };
}

/**
 * A sales rep takes a prospect: recorded on the lead (and its timeline) once; the same rep again is
 * harmless; another rep is told who has it.
 * @throws ValidationError | LeadNotFoundError | AlreadyClaimedError
 */
export async function claimProspect(deps: ProspectDeps, key: ApiKey, leadId: string, body: unknown): Promise<{ rep: string; at: string }> {
  const parsed = ClaimBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const lead = /^[A-Za-z0-9_-]{8,64}$/.test(leadId) ? await deps.leads.findById(leadId) : undefined;
  const ref = lead && mayRead(key, lead.siteId) ? await deps.nurture.findRef(lead.siteId, lead.leadId) : undefined;
  if (!ref) throw new LeadNotFoundError();
  const outcome = await deps.prospects.claim(ref, parsed.data.rep, deps.clock.now().toISOString());
  if ('taken' in outcome) throw new AlreadyClaimedError(outcome.taken);
  return outcome.claimed;
}
