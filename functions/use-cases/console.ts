import { randomBytes } from 'node:crypto';
import type { LeadView } from '../core/contracts.js';
import { daysBefore } from '../core/due.js';
import { AlreadyClaimedError, ApiKeyNotFoundError, NotClaimedError, SiteLimitedError, ValidationError } from '../core/errors.js';
import { fieldErrors } from '../core/field-errors.js';
import { LIST_PAGE, type LeadCard, type LeadListQuery, planList } from '../core/lead-index.js';
import type { Person } from '../core/people.js';
import type { ApiKey, ApiKeyInfo, AuditEntry } from '../core/ports.js';
import { type OverviewQuery, statRange, STAT_METRICS, type StatDimension, type StatMetric, addCounts } from '../core/stats.js';
import { text } from '../core/fields.js';
import * as z from '../core/zod.js';
import { mayRead, readableLead, siteOfQuery } from './access.js';
import type { Deps } from './deps.js';
import { exportLead, eraseLead } from './privacy.js';
import { claimReadable } from './prospects.js';
import { getLead, hashApiKey, withSequenceOutlook } from './read-leads.js';
import { rescoreLead } from './rescore-lead.js';
import { deliveryView } from './webhook-log.js';

/**
 * The console's use cases: what people signed in see and do. Each reads through the same rules as the
 * API (a person may see some sites, like a key), and each change is written to the audit log.
 */

/** A person reads what a key with the same sites reads: one rule for both (`access.ts`). */
export const readerOf = (person: Person): ApiKey => ({ name: `console:${person.sub}`, siteIds: person.siteIds });
/** How the timeline and the audit log name a person: their address when the token has one. */
export const whoIs = (person: Person): string => person.email ?? person.sub;

/** What the console shows of who is signed in: roles, and the sites (with their forms) they may see. */
export function whoAmI(deps: Pick<Deps, 'config'>, person: Person) {
  const reader = readerOf(person);
  const sites = deps.config.config.sites
    .filter((s) => mayRead(reader, s.id))
    .map((s) => ({
      id: s.id,
      name: s.name,
      forms: s.forms.map((f) => ({ id: f.id, kind: f.kind, variants: (f.variants ?? []).map((v) => v.id) })),
      // What each profile field is called on the site's forms (the first form that asks for it), for the lead page.
      fieldLabels: Object.fromEntries(s.forms.flatMap((f) => f.fields.map((field) => [field.name, field.label] as const)).reverse()),
    }));
  return { ...person, sites };
}

/**
 * One page of a site's leads: filtered, sorted or searched, from a cursor (`core/lead-index.ts`). Reads at
 * most {@link LIST_PAGE}.maxRead index entries: a page with several filters may hold fewer leads than
 * asked and still go on (`nextCursor`).
 * @throws ValidationError naming `query.site` or `query.cursor`
 */
export async function listLeads(
  deps: Pick<Deps, 'config' | 'leadIndex'>,
  person: Person,
  query: LeadListQuery,
): Promise<{ siteId: string; leads: LeadCard[]; nextCursor?: string; read: number; incomplete?: true }> {
  const siteId = siteFor(deps, person, query.site);
  const page = await deps.leadIndex.page(siteId, planList(asPerson(person, query)), { limit: query.limit, maxRead: LIST_PAGE.maxRead, cursor: query.cursor });
  return { siteId, leads: page.cards, read: page.read, ...(page.nextCursor && { nextCursor: page.nextCursor }), ...(page.incomplete && { incomplete: true }) };
}

/** A list query as the person means it: `owner=me` is them, as their claims name them. */
export const asPerson = (person: Person, query: LeadListQuery): LeadListQuery => (query.owner === 'me' ? { ...query, owner: whoIs(person) } : query);

/** A site the person may see, by its id or as their only one. @throws ValidationError naming `query.site` */
export function siteFor(deps: Pick<Deps, 'config'>, person: Person, site: string | undefined): string {
  const reader = readerOf(person);
  const found = siteOfQuery(deps.config, reader, site);
  // A site the person may not see is answered like one that does not exist.
  if ('problem' in found || !mayRead(reader, found.siteId))
    throw new ValidationError({ 'query.site': 'problem' in found ? found.problem : `no site "${site}"` });
  return found.siteId;
}

/** The lead page: the lead as the API shows it, with its webhook deliveries. @throws LeadNotFoundError */
export async function leadPage(
  deps: Pick<Deps, 'leads' | 'config' | 'webhooks' | 'nurture'>,
  person: Person,
  leadId: string,
): Promise<{ lead: LeadView; deliveries: unknown[] }> {
  // One look-up of the lead (its partition, its reference) serves the page and its deliveries.
  const { lead, ref } = await readableLead(deps, readerOf(person), leadId);
  return { lead: withSequenceOutlook(deps.config, lead), deliveries: (await deps.webhooks.forLead(ref)).map((d) => deliveryView(d)) };
}

type ActionDeps = Pick<Deps, 'leads' | 'nurture' | 'prospects' | 'clock' | 'config' | 'audit' | 'stats' | 'webhookQueue'>;

/** Write who did what to which lead, then answer. */
export async function audited<T>(deps: Pick<Deps, 'audit' | 'clock'>, person: Person, entry: Omit<AuditEntry, 'at' | 'actor'>, result: T): Promise<T> {
  await deps.audit.record({ at: deps.clock.now().toISOString(), actor: { sub: person.sub, ...(person.email && { email: person.email }) }, ...entry });
  return result;
}

/** Unsubscribe a lead at their request (`method: console`, naming who did it). @throws LeadNotFoundError */
export async function unsubscribeLead(deps: ActionDeps, person: Person, leadId: string): Promise<{ outcome: 'unsubscribed' | 'already' }> {
  const { lead, ref } = await readableLead(deps, readerOf(person), leadId);
  const outcome = await deps.nurture.unsubscribe(ref, deps.clock.now().toISOString(), 'console', whoIs(person));
  return audited(deps, person, { action: 'lead.unsubscribe', siteId: lead.siteId, leadId, detail: { outcome } }, { outcome });
}

export const FitBody = z.strictObject({ notAFit: z.boolean({ error: 'must be true or false' }), reason: z.optional(text(200)) });

/**
 * Mark a lead as not a fit (its stage is held, it is no prospect) or requalify it (re-scored at once, so it
 * moves on if its points say so). @throws ValidationError | LeadNotFoundError
 */
export async function setLeadFit(deps: ActionDeps, person: Person, leadId: string, body: unknown): Promise<{ notAFit: boolean; changed: boolean }> {
  const parsed = FitBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const { lead, ref } = await readableLead(deps, readerOf(person), leadId);
  const { notAFit, reason } = parsed.data;
  const at = deps.clock.now().toISOString();
  const changed = await deps.prospects.setFit(ref, {
    type: notAFit ? 'marked_not_a_fit' : 'requalified',
    at,
    by: whoIs(person),
    ...(reason !== undefined && { reason }),
  });
  if (changed && !notAFit) await rescoreLead(deps, ref);
  return audited(deps, person, { action: notAFit ? 'lead.not-a-fit' : 'lead.requalify', siteId: lead.siteId, leadId }, { notAFit, changed });
}

/** A sales rep takes the prospect: claimed in their name (as the pull API's claim), counted as handed off. */
export async function claimForSales(deps: ActionDeps, person: Person, leadId: string): Promise<{ rep: string; at: string }> {
  const found = await readableLead(deps, readerOf(person), leadId);
  const claim = await claimReadable(deps, found, whoIs(person));
  return audited(deps, person, { action: 'lead.claim', siteId: found.lead.siteId, leadId }, claim);
}

/**
 * Give a prospect back so another rep may take it: the rep who holds it may, an admin may for anyone.
 * Audited, with a timeline entry naming who released it.
 * @throws LeadNotFoundError | NotClaimedError (409) | AlreadyClaimedError (409: someone else holds it)
 */
export async function releaseForSales(deps: ActionDeps, person: Person, leadId: string): Promise<{ rep: string; at: string }> {
  const { ref, lead } = await readableLead(deps, readerOf(person), leadId);
  const by = whoIs(person);
  const out = await deps.prospects.release(ref, { ...(!person.roles.includes('admin') && { rep: by }), by, at: deps.clock.now().toISOString() });
  if ('notClaimed' in out) throw new NotClaimedError();
  if ('taken' in out) throw new AlreadyClaimedError(out.taken);
  return audited(deps, person, { action: 'lead.release', siteId: lead.siteId, leadId, detail: { rep: out.released.rep } }, out.released);
}

/** Everything held on a lead, as the API's export, audited (a person's data left the system). */
export async function exportLeadFor(deps: ActionDeps, person: Person, leadId: string) {
  const out = await exportLead(deps, readerOf(person), leadId);
  return audited(deps, person, { action: 'lead.export', siteId: (out.lead as LeadView).siteId, leadId }, out);
}

export const EraseBody = z.strictObject({ confirm: z.string({ error: "is required: the lead's email address" }).check(z.maxLength(320)) });

/**
 * Erase a lead (admins), as the API's erasure, once the request names the lead's address (the console asks
 * for it, so a slip of the mouse erases nobody). The audit entry keeps the lead id only.
 * @throws ValidationError naming `confirm` | LeadNotFoundError
 */
export async function eraseLeadFor(deps: ActionDeps, person: Person, leadId: string, body: unknown): Promise<void> {
  const parsed = EraseBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const lead = await getLead(deps, readerOf(person), leadId);
  if (parsed.data.confirm.trim().toLowerCase() !== lead.email.toLowerCase()) throw new ValidationError({ confirm: "is not this lead's email address" });
  await eraseLead(deps, readerOf(person), leadId);
  await audited(deps, person, { action: 'lead.erase', siteId: lead.siteId, leadId }, undefined);
}

/**
 * API keys and the audit log span every site (a key may read several; an entry may name none): they are for
 * admins of every site. An admin limited to some sites (`funnel:sites`) is refused, or they could make a key
 * for every site. @throws SiteLimitedError
 */
export function requireEverySite(person: Person): void {
  if (!person.siteIds.includes('*')) throw new SiteLimitedError();
}

/** The audit log, newest first (admins of every site). */
export async function readAudit(deps: Pick<Deps, 'audit'>, person: Person, query: { limit: number; cursor?: string | undefined }) {
  requireEverySite(person);
  return deps.audit.list(query);
}

export const NewKeyBody = z.strictObject({
  name: z.pipe(text(100), z.string().check(z.minLength(1, 'must not be empty'))),
  siteIds: z.array(z.string().check(z.minLength(1), z.maxLength(63))).check(z.minLength(1, 'must name at least one site (or "*")'), z.maxLength(50)),
});

/** Admins: every API key (never a secret), newest first. */
export const listApiKeys = async (deps: Pick<Deps, 'apiKeys'>, person: Person): Promise<ApiKeyInfo[]> => {
  requireEverySite(person);
  return deps.apiKeys.list();
};

/** Admins: a new API key for machines; its secret is in this answer only. @throws ValidationError */
export async function createApiKey(
  deps: Pick<Deps, 'apiKeys' | 'config' | 'audit' | 'clock'>,
  person: Person,
  body: unknown,
): Promise<ApiKeyInfo & { key: string }> {
  requireEverySite(person);
  const parsed = NewKeyBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const { name, siteIds } = parsed.data;
  const unknown = siteIds.filter((s) => s !== '*' && !deps.config.findSite(s));
  if (unknown.length) throw new ValidationError({ siteIds: `no site ${unknown.map((s) => `"${s}"`).join(', ')}` });
  const key = `fnl_${randomBytes(32).toString('base64url')}`;
  const hash = hashApiKey(key);
  const createdAt = deps.clock.now().toISOString();
  await deps.apiKeys.save(hash, { name, siteIds }, createdAt, whoIs(person));
  const info = { id: hash.slice(0, 16), name, siteIds, createdAt, createdBy: whoIs(person) };
  return audited(deps, person, { action: 'apiKey.create', detail: { id: info.id, name } }, { ...info, key });
}

/** Admins: revoke a key by its id (running functions stop accepting it within a minute). @throws ApiKeyNotFoundError */
export async function revokeApiKey(deps: Pick<Deps, 'apiKeys' | 'audit' | 'clock'>, person: Person, id: string): Promise<void> {
  requireEverySite(person);
  if (!/^[0-9a-f]{16}$/.test(id) || !(await deps.apiKeys.revoke({ id }, deps.clock.now().toISOString()))) throw new ApiKeyNotFoundError();
  await audited(deps, person, { action: 'apiKey.revoke', detail: { id } }, undefined);
}

export type Counts = Record<StatMetric, number>;
const zero = (): Counts => Object.fromEntries(STAT_METRICS.map((m) => [m, 0])) as Counts;
const asCounts = (c: Partial<Record<string, number>>): Counts => addCounts(zero(), c) as Counts;

/**
 * The funnel at a glance for a site and a range of UTC days, with the range just before it: the totals
 * (impressions → submissions → new leads → MQL → SQL → handed off), each day's, and one breakdown. Read
 * from the form counters only (a Query per form per dimension, over the range): nothing grows with the
 * number of leads. @throws ValidationError
 */
export async function overview(deps: Pick<Deps, 'config' | 'clock' | 'stats'>, person: Person, query: z.infer<typeof OverviewQuery>) {
  const siteId = siteFor(deps, person, query.site);
  const site = deps.config.findSite(siteId)!;
  const range = statRange(deps.clock.now(), query);
  const { from, to } = range;
  const previous = { from: daysBefore(new Date(`${from}T00:00:00Z`), range.days.length), to: daysBefore(new Date(`${from}T00:00:00Z`), 1) };
  const forms = site.forms.map((f) => f.id);
  const totals = zero();
  const before = zero();
  const daily = new Map<string, Counts>();
  for (const day of range.days) daily.set(day, zero());
  const byForm = new Map<string, Counts>(forms.map((f) => [f, zero()]));
  const dimension: StatDimension | undefined = query.by === 'form' ? undefined : query.by;
  const [all, split] = await Promise.all([
    Promise.all(forms.map((f) => deps.stats.read(siteId, f, 'all', previous.from, to))),
    dimension ? Promise.all(forms.map((f) => deps.stats.read(siteId, f, dimension, from, to))) : Promise.resolve([]),
  ]);
  forms.forEach((formId, i) => {
    for (const cell of all[i]!) {
      if (cell.day < from) addCounts(before, cell.counts);
      else {
        addCounts(totals, cell.counts);
        addCounts(daily.get(cell.day) ?? zero(), cell.counts);
        addCounts(byForm.get(formId)!, cell.counts);
      }
    }
  });
  const byKey = new Map<string, Counts>();
  for (const cells of split) for (const cell of cells) addCounts(byKey.get(cell.value) ?? byKey.set(cell.value, zero()).get(cell.value)!, cell.counts);
  const rows = [...(dimension ? byKey : byForm)].map(([key, counts]) => ({ key, ...asCounts(counts) }));
  return {
    siteId,
    from,
    to,
    previous: { ...previous, totals: before },
    totals,
    days: [...daily].map(([day, counts]) => ({ day, ...counts })),
    breakdown: { by: query.by, rows: rows.sort((a, b) => b.submissions - a.submissions || b.impressions - a.impressions || a.key.localeCompare(b.key)) },
  };
}
