import type { LeadView } from './contracts.js';
import { formsSubmittedOf } from './lead-record.js';
import { text } from './fields.js';
import * as z from './zod.js';
import { ValidationError } from './errors.js';

/**
 * The console's lead list, served by an index instead of a Scan. Each lead keeps a few small index entries
 * in its own partition (so an erasure, which deletes the partition, takes them too), one per way the list
 * is read; one overloaded GSI orders them. Every entry carries the lead's {@link LeadCard}, so a page of
 * the list is one Query of the index and nothing else.
 *
 * | list                 | GSI2PK                           | GSI2SK                              |
 * |----------------------|----------------------------------|-------------------------------------|
 * | newest first         | `LIX#<site>#new`                 | `<createdAt>#<leadId>`              |
 * | by score             | `LIX#<site>#score`               | `<score + 1e6, 7 digits>#<createdAt>#<leadId>` |
 * | a stage              | `LIX#<site>#stage#<stage>`       | `<createdAt>#<leadId>`              |
 * | a form submitted     | `LIX#<site>#form#<formId>`       | `<createdAt>#<leadId>`              |
 * | first UTM source     | `LIX#<site>#source#<value>`      | `<createdAt>#<leadId>`              |
 * | first UTM campaign   | `LIX#<site>#campaign#<value>`    | `<createdAt>#<leadId>`              |
 * | marketing consent    | `LIX#<site>#consent#<state>`     | `<createdAt>#<leadId>`              |
 * | email prefix         | `LIX#<site>#email`               | `<email, lower case>#<leadId>`      |
 * | name, company prefix | `LIX#<site>#name`, `…#company`   | `<value, lower case>#<leadId>`      |
 */

/** What the list shows of a lead, and what its filters test. Nothing here that the lead page does not show. */
export interface LeadCard {
  leadId: string;
  email: string;
  name?: string;
  company?: string;
  stage: LeadView['stage'];
  /** Absent before the lead was first scored. */
  score?: number;
  createdAt: string;
  /** Every form the lead submitted (its own submissions: a stranger's claim is not the lead's). */
  forms: string[];
  source?: string;
  medium?: string;
  campaign?: string;
  consent: ConsentState;
  /** The sales rep who took it. */
  claimedBy?: string;
  /** Marked as not a fit: held at its stage, kept out of the prospects. */
  notAFit?: true;
}

/** Marketing consent: given, refused on the form, given then withdrawn (unsubscribe, complaint), or never asked. */
export const CONSENT_STATES = ['granted', 'declined', 'withdrawn', 'none'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

/**
 * A value as index keys and filters hold it: lower case, at most 100 characters (keys stay short), cut
 * between characters, never inside one (half an emoji is no text, and no URI component either).
 * @example indexValue(`${'a'.repeat(99)}😀x`) // 'a…a😀' (100 characters)
 */
export const indexValue = (value: string): string => [...value.trim().toLowerCase()].slice(0, 100).join('');

/** The card of a lead, from its view. */
export function cardOf(lead: LeadView): LeadCard {
  const p = lead.profile;
  const name = p.name ?? [p.firstName, p.lastName].filter(Boolean).join(' ');
  const first = lead.sources.first;
  const marketing = lead.consent.marketing;
  const forms = [...new Set(formsSubmittedOf(lead.timeline.flatMap((e) => (e.type === 'form_submitted' && !e.unverified ? [e] : []))))];
  return {
    leadId: lead.leadId,
    email: lead.email,
    ...(name && { name }),
    ...(p.company && { company: p.company }),
    stage: lead.stage,
    ...(lead.score && { score: lead.score.total }),
    createdAt: lead.createdAt ?? first.at,
    forms: forms.length ? forms : [first.formId],
    ...(first.utm?.source && { source: first.utm.source }),
    ...(first.utm?.medium && { medium: first.utm.medium }),
    ...(first.utm?.campaign && { campaign: first.utm.campaign }),
    consent: !marketing ? 'none' : marketing.granted ? 'granted' : marketing.withdrawn ? 'withdrawn' : 'declined',
    ...(lead.claim && { claimedBy: lead.claim.rep }),
    ...(lead.notAFit && { notAFit: true }),
  };
}

/** Scores are kept within ±999,999 in the score index's sort key (zero-padded so text order is number order). */
const SCORE_OFFSET = 1_000_000;
export const scoreKey = (score: number): string => String(Math.max(0, Math.min(2 * SCORE_OFFSET - 1, Math.round(score) + SCORE_OFFSET))).padStart(7, '0');

export type IndexDimension = 'new' | 'score' | 'stage' | 'form' | 'source' | 'campaign' | 'consent' | 'email' | 'name' | 'company';

/** One index entry: which list (`dimension` and `value`), and where in it (`sort`). */
export interface IndexEntry {
  dimension: IndexDimension;
  value?: string;
  sort: string;
}

/** The lists a lead appears in, each with its place: a pure function of the card. */
export function indexEntriesOf(card: LeadCard): IndexEntry[] {
  const created = `${card.createdAt}#${card.leadId}`;
  const byCreated = (dimension: IndexDimension, value: string | undefined): IndexEntry[] =>
    value === undefined ? [] : [{ dimension, value: indexValue(value), sort: created }];
  const byText = (dimension: IndexDimension, value: string | undefined): IndexEntry[] =>
    value ? [{ dimension, sort: `${indexValue(value)}#${card.leadId}` }] : [];
  return [
    { dimension: 'new', sort: created },
    { dimension: 'score', sort: `${scoreKey(card.score ?? 0)}#${created}` },
    ...byCreated('stage', card.stage),
    ...card.forms.flatMap((f) => byCreated('form', f)),
    ...byCreated('source', card.source ?? NO_VALUE),
    ...byCreated('campaign', card.campaign ?? NO_VALUE),
    ...byCreated('consent', card.consent),
    ...byText('email', card.email),
    ...byText('name', card.name),
    ...byText('company', card.company),
  ];
}

/** The value a lead without a UTM source or campaign is listed under. */
export const NO_VALUE = '(none)';

/** The list's page sizes, and the most index entries one page reads while filtering (its cost's ceiling). */
export const LIST_PAGE = { default: 25, max: 100, maxRead: 200 } as const;

const Day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-12-01'));
/** A whole number from a query string; one message for every way it can be wrong. */
const whole = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.pipe(z.coerce.number({ error }), z.int(error).check(z.gte(min, error), z.lte(max, error)));
};
const Score = whole(-999_999, 999_999);

/** The query of `GET /v1/console/leads`: filters, sort, search and the page. */
export const LeadListQuery = z.object({
  site: z.optional(z.string()).register(z.globalRegistry, { description: 'Required when the person may see more than one site' }),
  stage: z.optional(z.enum(['lead', 'mql', 'sql'], { error: 'must be lead, mql or sql' })),
  minScore: z.optional(Score),
  maxScore: z.optional(Score),
  form: z.optional(text(63)),
  source: z.optional(text(200)),
  campaign: z.optional(text(200)),
  consent: z.optional(z.enum(CONSENT_STATES, { error: 'must be granted, declined, withdrawn or none' })),
  from: z.optional(Day).register(z.globalRegistry, { description: 'Created on or after this UTC day' }),
  to: z.optional(Day).register(z.globalRegistry, { description: 'Created on or before this UTC day' }),
  sort: z._default(z.enum(['newest', 'score'], { error: 'must be newest or score' }), 'newest'),
  owner: z
    .optional(z.string().check(z.minLength(1), z.maxLength(320)))
    .register(z.globalRegistry, { description: 'Who holds the prospect: `unclaimed`, `me` (the person signed in), or a rep as their claims name them' }),
  q: z
    .optional(
      z.string().check(
        z.refine((v) => v.trim().length >= 2, 'must be at least 2 characters'),
        z.maxLength(100),
      ),
    )
    .register(z.globalRegistry, {
      description: 'Search: the start of an email address, a name or a company (at least 2 characters)',
    }),
  cursor: z.optional(z.string().check(z.maxLength(2000))).register(z.globalRegistry, { description: 'The `nextCursor` of the previous page' }),
  limit: z._default(whole(1, LIST_PAGE.max), LIST_PAGE.default),
});
export type LeadListQuery = z.infer<typeof LeadListQuery>;

/** The filters the chosen list does not already apply, tested on each card. */
export type CardFilter = Partial<Pick<LeadListQuery, 'stage' | 'form' | 'source' | 'campaign' | 'consent' | 'minScore' | 'maxScore' | 'from' | 'to' | 'owner'>>;

/**
 * How one page of the list is read: which list (an index partition), the range of it, the order, and the
 * filters left to test on the cards read. The most selective list a query names is read: a search reads
 * the email, name and company lists; sort by score the score list; else the stage, form, campaign, source
 * or consent list it filters on, else the newest. A created range is a range of every list sorted by it.
 */
export interface ListPlan {
  lists: { dimension: IndexDimension; value?: string; after?: string; before?: string; prefix?: string }[];
  newestFirst: boolean;
  filter: CardFilter;
}

/** @throws ValidationError for bounds the wrong way round (a range that cannot hold anything is a mistake, said so). */
export function planList(q: LeadListQuery): ListPlan {
  if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore)
    throw new ValidationError({ 'query.minScore': 'must not be above maxScore' });
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ValidationError({ 'query.from': 'must be on or before `to`' });
  const created = { ...(q.from && { after: q.from }), ...(q.to && { before: `${q.to}T~` }) };
  const { stage, form, source, campaign, consent, minScore, maxScore, from, to, owner } = q;
  const all: CardFilter = { stage, form, source, campaign, consent, minScore, maxScore, from, to, owner };
  const rest = (...taken: (keyof CardFilter)[]): CardFilter =>
    Object.fromEntries(Object.entries(all).filter(([k, v]) => v !== undefined && !taken.includes(k as keyof CardFilter))) as CardFilter;
  if (q.q !== undefined) {
    const prefix = indexValue(q.q);
    return { lists: (['email', 'name', 'company'] as const).map((dimension) => ({ dimension, prefix })), newestFirst: false, filter: rest() };
  }
  if (q.sort === 'score') {
    const range = {
      ...(minScore !== undefined && { after: scoreKey(minScore) }),
      ...(maxScore !== undefined && { before: `${scoreKey(maxScore)}#~` }),
    };
    return { lists: [{ dimension: 'score', ...range }], newestFirst: true, filter: rest('minScore', 'maxScore') };
  }
  const by = (['stage', 'form', 'campaign', 'source', 'consent'] as const).find((d) => q[d] !== undefined);
  if (by) return { lists: [{ dimension: by, value: indexValue(String(q[by])), ...created }], newestFirst: true, filter: rest(by, 'from', 'to') };
  return { lists: [{ dimension: 'new', ...created }], newestFirst: true, filter: rest('from', 'to') };
}

/** The owner filter's value for prospects nobody has claimed. */
export const UNCLAIMED = 'unclaimed';

/** Whether a card passes the filters its list did not apply (the same rules as the lists'). */
export function passes(card: LeadCard, f: CardFilter): boolean {
  const same = (a: string | undefined, b: string | undefined) => b === undefined || indexValue(a ?? NO_VALUE) === indexValue(b);
  const score = card.score ?? 0;
  return (
    (f.stage === undefined || card.stage === f.stage) &&
    (f.form === undefined || card.forms.some((x) => indexValue(x) === indexValue(f.form!))) &&
    same(card.source, f.source) &&
    same(card.campaign, f.campaign) &&
    (f.consent === undefined || card.consent === f.consent) &&
    (f.minScore === undefined || score >= f.minScore) &&
    (f.maxScore === undefined || score <= f.maxScore) &&
    (f.from === undefined || card.createdAt >= f.from) &&
    (f.to === undefined || card.createdAt <= `${f.to}T~`) &&
    (f.owner === undefined || (f.owner === UNCLAIMED ? card.claimedBy === undefined : card.claimedBy === f.owner))
  );
}
