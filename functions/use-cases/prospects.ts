import type { LeadView, ProspectView } from '../core/contracts.js';
import { ClaimBody } from '../core/contracts.js';
import { AlreadyClaimedError, LeadNotFoundError, NotAFitError, ValidationError } from '../core/errors.js';
import { fieldErrors } from '../core/field-errors.js';
import type { ApiKey, IndexedProspect, LeadRef, ProspectCursor, ProspectEntry } from '../core/ports.js';
import { isTestAddress } from '../core/email.js';
import { dueDay } from '../core/due.js';
import { attributionOf } from '../core/stats.js';
import { mayRead, readableLead, siteOfQuery } from './access.js';
import type { Deps } from './deps.js';

/** A missing number older than this is taken as abandoned (its writer died before writing the entry). */
export const GAP_SETTLE_MS = 60_000;

type ProspectDeps = Pick<Deps, 'config' | 'clock' | 'leads' | 'prospects' | 'nurture' | 'stats'>;

/**
 * Number a qualification and write its index entry, so the pull API can list it. Called for every
 * `STAGE#` insert on the table stream; a repeat (stream retry) keeps the number it was given.
 */
export async function indexQualification(
  deps: Pick<Deps, 'prospects' | 'clock' | 'leads'>,
  ref: LeadRef,
  stage: string,
  qualifiedAt: string,
): Promise<number | undefined> {
  const lead = await deps.leads.findByEmail(ref.siteId, ref.emailKey);
  if (!lead) return undefined; // erased since
  const seq = await deps.prospects.sequenceOf(ref, stage);
  await deps.prospects.putEntry(stage, { ...ref, seq, leadId: lead.leadId, qualifiedAt, writtenAt: deps.clock.now().toISOString() });
  // An erasure that deleted the lead before the entry was written may have swept the stage item (the only
  // pointer to the entry) already: the entry is found by nobody else, so its writer takes it back.
  if ((await deps.prospects.sweepIfErased(ref)) === 'swept') {
    await deps.prospects.dropEntry(ref, stage, seq);
    return undefined;
  }
  return seq;
}

/** `<stage>.<shard>:<seq>,…` (the shards read so far) in base64url: opaque to callers. */
const encodeCursor = (stage: string, at: ProspectCursor) =>
  Buffer.from(
    `${stage}.${Object.keys(at)
      .sort()
      .map((shard) => `${shard}:${at[shard]}`)
      .join(',')}`,
  ).toString('base64url');
const decodeCursor = (cursor: string, stage: string): ProspectCursor | undefined => {
  const [s, positions, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (s !== stage || rest.length || positions === undefined) return undefined;
  const pairs = positions === '' ? [] : positions.split(',').map((p) => /^([0-9a-f]):(\d{1,12})$/.exec(p));
  if (pairs.some((p) => !p)) return undefined;
  return Object.fromEntries(pairs.map((p) => [p![1]!, Number(p![2])]));
};

/**
 * List prospects in qualification order, from a cursor.
 * 1. read each shard's index entries after the cursor's number in that shard
 * 2. in each shard keep the contiguous run: stop before a missing number (a qualification being written
 *    right now), unless the entry after it is over a minute old (the number was abandoned): so a cursor
 *    never skips a prospect that is still arriving, and never returns one twice
 * 3. merge the runs by qualification time, each shard's in its own order, up to `limit`; the cursor moves
 *    in each shard to the last entry taken from it
 * 4. read each lead as it is now (stage, score, claim); one erased since is left out
 * Order: by qualification time across shards, by number within one (the two agree but for stream retries).
 * The query's syntax (stage, limit) is checked at the edge by the endpoint table; its meaning here.
 * @throws ValidationError naming `query.since`, `query.site`
 */
export async function listProspects(
  deps: ProspectDeps,
  key: ApiKey,
  query: { stage: 'mql' | 'sql'; limit: number; since?: string | undefined; site?: string | undefined },
): Promise<{ prospects: ProspectView[]; nextCursor: string }> {
  const problems: Record<string, string> = {};
  const { stage, limit } = query;
  const after = query.since === undefined ? {} : decodeCursor(query.since, stage);
  if (after === undefined) problems['query.since'] = 'is not a cursor of this listing (use nextCursor as it was given)';
  const site = siteOfQuery(deps.config, key, query.site);
  if ('problem' in site) problems['query.site'] = site.problem;
  if (Object.keys(problems).length || 'problem' in site || after === undefined) throw new ValidationError(problems);
  const { siteId } = site;
  if (!mayRead(key, siteId)) throw new LeadNotFoundError();

  const now = deps.clock.now().getTime();
  const byShard = new Map<string, IndexedProspect[]>();
  for (const entry of await deps.prospects.entriesAfter(siteId, stage, after, limit)) byShard.set(entry.shard, [...(byShard.get(entry.shard) ?? []), entry]);
  const heads = [...byShard].map(([shard, entries]) => contiguousRun(entries, after[shard] ?? 0, now));
  const run: IndexedProspect[] = [];
  while (run.length < limit) {
    const next = heads.filter((h) => h.length).sort((a, b) => byTime(a[0]!, b[0]!))[0];
    if (!next) break;
    run.push(next.shift()!);
  }
  const positions: Record<string, number> = { ...after };
  for (const entry of run) positions[entry.shard] = entry.seq;
  const leads = await Promise.all(run.map((e) => deps.leads.findByEmail(e.siteId, e.emailKey)));
  // A lead erased since, or marked as not a fit, is no prospect (the cursor still moves past it).
  const prospects = run.flatMap((e, i) => {
    const lead = leads[i];
    return lead && !lead.notAFit ? [prospectView(lead, e)] : [];
  });
  return { prospects, nextCursor: encodeCursor(stage, positions) };
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
  return claimReadable(deps, await readableLead(deps, key, leadId), parsed.data.rep);
}

/** The claim itself, for a lead already found and readable (the API's claim, the console's). @throws NotAFitError | AlreadyClaimedError */
export async function claimReadable(deps: ProspectDeps, { lead, ref }: { lead: LeadView; ref: LeadRef }, rep: string): Promise<{ rep: string; at: string }> {
  if (lead.notAFit) throw new NotAFitError();
  const outcome = await deps.prospects.claim(ref, rep, deps.clock.now().toISOString());
  if ('taken' in outcome) throw new AlreadyClaimedError(outcome.taken);
  await countHandoff(deps, ref, outcome.claimed.at);
  return outcome.claimed;
}

/**
 * Count the lead's first hand-off to sales (its first claim, or its first `prospect.ready` webhook an
 * endpoint took) in its first form's numbers, once: the lead is marked first, and only the call that set
 * the mark counts. A count refused (throttled) is lost, never doubled, as for the stages.
 */
export async function countHandoff(deps: Pick<Deps, 'prospects' | 'stats'>, ref: LeadRef, at: string): Promise<void> {
  const first = await deps.prospects.markHandedOff(ref, at);
  if (!first || isTestAddress(first.email)) return;
  await deps.stats.count(ref.siteId, attributionOf(first.firstSource), dueDay(at), { handoffs: 1 }).catch(() => undefined);
}

/** Qualification time, then shard and number: a total order for merging the shards' runs. */
const byTime = (a: IndexedProspect, b: IndexedProspect) => a.qualifiedAt.localeCompare(b.qualifiedAt) || a.shard.localeCompare(b.shard) || a.seq - b.seq;

/** A shard's entries from just after `after`, up to the first gap that may still fill (younger than a minute). */
function contiguousRun(entries: readonly IndexedProspect[], after: number, now: number): IndexedProspect[] {
  const run: IndexedProspect[] = [];
  let expected = after + 1;
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (entry.seq !== expected && now - Date.parse(entry.writtenAt) < GAP_SETTLE_MS) break;
    run.push(entry);
    expected = entry.seq + 1;
  }
  return run;
}
