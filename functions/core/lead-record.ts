import type { ConsentRecord, ConsentWithdrawal, FormSubmittedEntry, LeadView, LifecycleStage, ScoreView, Source, TimelineEntry } from './contracts.js';
import { FieldName } from './fields.js';
import type { CaptureWrite, LeadRef, MailLead, Profile, ScoringInput, StoredEnrolment } from './ports.js';
import type { ScoringEvent } from './scoring/score.js';

/**
 * A lead as both stores keep it (the attributes of its lead item: the DynamoDB table's and the in-memory
 * fake's), and the views the use cases get from it. One definition, so the fake cannot drift from the table.
 */

export const PROFILE_FIELDS = FieldName.options.filter((f) => f !== 'email');

/**
 * When the address owner last acted: confirmed an opt-in, or clicked a link in an email (both reach only
 * the mailbox). What a claim added before it counts; what came after waits for the next.
 */
export function verifiedAtOf(timeline: readonly TimelineEntry[]): string | undefined {
  let at: string | undefined;
  for (const e of timeline) if ((e.type === 'opt_in_confirmed' || e.type === 'email_clicked') && (at === undefined || e.at > at)) at = e.at;
  return at;
}

/** How long before the owner's act a claim may have been made and still count: a stranger's claims do not pile up for a year. */
export const CLAIM_VOUCH_DAYS = 30;

/**
 * Whether a timeline entry counts: anything but a claim does; a claim (or a claim's page view) once the
 * owner acted after it, within {@link CLAIM_VOUCH_DAYS}.
 */
export function counts(entry: { unverified?: true; at: string }, verifiedAt: string | undefined): boolean {
  if (entry.unverified !== true) return true;
  if (verifiedAt === undefined || entry.at > verifiedAt) return false;
  return Date.parse(verifiedAt) - Date.parse(entry.at) <= CLAIM_VOUCH_DAYS * 86_400_000;
}

/** The forms a lead submitted, as a sequence's exit sees them: not a stranger's claims (they could end the owner's sequence). */
export const formsSubmittedOf = (submissions: readonly { formId: string; unverified?: true }[]): string[] => [
  ...new Set(submissions.flatMap((s) => (s.unverified ? [] : [s.formId]))),
];

/**
 * The profile as it stands: what the lead gave (its creator's browser, and browsers that showed its token),
 * then the gaps filled by claims the owner vouched for since (oldest first). A claim never replaces a value.
 */
function profileWithClaims(given: Profile, timeline: readonly TimelineEntry[], verifiedAt: string | undefined): Profile {
  const profile: Profile = { ...given };
  for (const e of timeline)
    if (e.type === 'form_submitted' && e.claimed && counts(e, verifiedAt))
      for (const [field, value] of Object.entries(e.claimed)) if (profile[field as keyof Profile] === undefined) profile[field as keyof Profile] = value;
  return profile;
}

/** What scoring counts from a lead: its profile and timeline (stage changes are results of scoring, not inputs).  */
export function scoringInputOf(view: LeadView, decayCheckAt: string | undefined): ScoringInput {
  // Only submissions and page views can be a claim's: every other entry has no `unverified`, and counts.
  const trusted = view.timeline.filter((entry) => counts(entry as { unverified?: true; at: string }, view.verifiedAt));
  const events = trusted.flatMap((entry): ScoringEvent[] => {
    if (entry.type === 'form_submitted')
      return [{ id: entry.submissionId, type: 'form_submitted', at: entry.at, formId: entry.formId, formKind: entry.formKind }];
    if (entry.type === 'page_viewed') return [{ id: entry.eventId, type: 'page_viewed', at: entry.at, path: entry.path }];
    if (entry.type === 'email_opened' || entry.type === 'email_clicked')
      return [{ id: entry.eventId, type: entry.type, at: entry.at, ...(entry.sequenceId !== undefined && { sequenceId: entry.sequenceId }) }];
    return [];
  });
  return {
    leadId: view.leadId,
    email: view.email,
    profile: view.profile,
    stage: view.stage,
    ...(view.notAFit && { notAFit: true }),
    events,
    firstSource: view.sources.first,
    ...(decayCheckAt && { decayCheckAt }),
  };
}

/**
 * Whether a submission to an address that is already a lead (`knownLeadId`) is only a claim: its browser
 * did not show a token of that lead's creator. A new lead is its creator's; a claim changes nothing the lead
 * was (see docs/security.md). Shared by both stores.
 */
export const isClaim = (write: Pick<CaptureWrite, 'trustedLeadId'>, knownLeadId: string | undefined): boolean =>
  knownLeadId !== undefined && knownLeadId !== write.trustedLeadId;

/** A claim's timeline entry: marked, with the fields it gave kept apart from the profile. */
export function claimEntry(write: Pick<CaptureWrite, 'entry' | 'profile'>): FormSubmittedEntry {
  const claimed = Object.fromEntries(Object.entries(write.profile).filter(([, v]) => v !== undefined && v !== ''));
  return { ...write.entry, unverified: true, ...(Object.keys(claimed).length > 0 && { claimed }) };
}

/** Page views count only for a lead that consented to marketing and has not unsubscribed since.  */
export function isTrackable(lead: Record<string, unknown>): boolean {
  return (lead.consentMarketing as ConsentRecord | undefined)?.granted === true && lead.unsubscribedAt === undefined;
}

const WITHDRAWN_VIA: Record<ConsentWithdrawal['method'], string> = {
  'one-click': 'the unsubscribe link in an email (one click from the mail client, RFC 8058)',
  page: 'the unsubscribe link in an email (the Unsubscribe button of its page)',
  complaint: 'a complaint: the person marked an email as spam',
  console: 'the team, at the person’s request (the console)',
};

/** The first unsubscribe or complaint on the timeline: it withdrew marketing consent for good. */
function withdrawalOf(timeline: readonly TimelineEntry[]): ConsentWithdrawal | undefined {
  for (const e of timeline) {
    if (e.type === 'unsubscribed') return { at: e.at, method: e.method, via: WITHDRAWN_VIA[e.method] };
    if (e.type === 'email_suppressed' && e.reason === 'complained') return { at: e.at, method: 'complaint', via: WITHDRAWN_VIA.complaint };
  }
  return undefined;
}

/** The profile fields stored on a lead item. */
export function profileOf(lead: Record<string, unknown>): Profile {
  const profile: Profile = {};
  for (const field of PROFILE_FIELDS) if (typeof lead[field] === 'string') profile[field] = lead[field];
  return profile;
}

/** The lead's IANA time zone as its browser last told it (the latest submission's source), as a spreadable object. */
function timeZoneOf(lead: Record<string, unknown>): { timeZone?: string } {
  const timeZone = (lead.latestSource as Source | undefined)?.timeZone;
  return typeof timeZone === 'string' && timeZone !== '' ? { timeZone } : {};
}

/** The sender's view of a lead: its stored lead item plus what its partition holds.  */
export function mailLeadOf(ref: LeadRef, lead: Record<string, unknown>, parts: Pick<MailLead, 'submissions' | 'optIns' | 'enrolments' | 'sends'>): MailLead {
  const consent = lead.consentMarketing as ConsentRecord | undefined;
  const unsubscribedAt = lead.unsubscribedAt as string | undefined;
  const suppressed = lead.suppressed as MailLead['suppressed'];
  return {
    siteId: ref.siteId,
    emailKey: ref.emailKey,
    leadId: lead.leadId as string,
    email: lead.email as string,
    profile: profileOf(lead),
    stage: (lead.stage as LifecycleStage | undefined) ?? 'lead',
    ...(consent && { consent }),
    ...(unsubscribedAt !== undefined && { unsubscribedAt }),
    ...(suppressed !== undefined && { suppressed }),
    softBounces: typeof lead.softBounces === 'number' ? lead.softBounces : 0,
    ...timeZoneOf(lead),
    ...parts,
  };
}

/**
 * The email status the API shows: present once the lead unsubscribed, was suppressed or was enrolled in a
 * sequence; absent before (a lead that only ever got a delivery email has none).
 */
function mailViewOf(lead: Record<string, unknown>, enrolments: readonly StoredEnrolment[]): LeadView['mail'] {
  const unsubscribedAt = lead.unsubscribedAt as string | undefined;
  const suppressed = lead.suppressed as 'bounced' | 'complained' | undefined;
  if (unsubscribedAt === undefined && suppressed === undefined && enrolments.length === 0) return undefined;
  return {
    ...(unsubscribedAt !== undefined && { unsubscribedAt }),
    ...(suppressed !== undefined && { suppressed }),
    sequences: enrolments.map(({ state, formId }) => ({
      sequenceId: state.sequenceId,
      formId,
      status: state.status,
      stepsSent: state.stepIndex,
      ...(state.nextAt !== undefined && { nextAt: state.nextAt }),
      ...(state.exitReason !== undefined && { exitReason: state.exitReason }),
    })),
  };
}

/**
 * The stored lead item, its timeline and its enrolments, as the API shows them. Shared with the in-memory
 * fake. `mail` is set when the lead unsubscribed, was suppressed or has an enrolment.
 */
export function toLeadView(lead: Record<string, unknown>, timeline: TimelineEntry[], enrolments: readonly StoredEnrolment[] = []): LeadView {
  const verifiedAt = verifiedAtOf(timeline);
  const profile: Record<string, string> = profileWithClaims(profileOf(lead), timeline, verifiedAt);
  const mail = mailViewOf(lead, enrolments);
  const given = lead.consentMarketing as ConsentRecord | undefined;
  const withdrawn = withdrawalOf(timeline);
  // An unsubscribe or a complaint withdraws consent: the record says so, so no reader (the API, an export,
  // a webhook, a CRM syncing consent) sees a person who opted out as opted in.
  const marketing = given && withdrawn ? { ...given, granted: false, withdrawn } : given;
  const decisions = timeline.flatMap((e) => (e.type === 'form_submitted' && e.consent && !e.unverified ? [e.consent] : []));
  return {
    leadId: lead.leadId as string,
    siteId: lead.siteId as string,
    email: lead.email as string,
    profile,
    consent: {
      ...(marketing && { marketing }),
      history: withdrawn && given ? [...decisions, { ...given, granted: false, at: withdrawn.at, withdrawn }] : decisions,
    },
    sources: { first: lead.firstSource as Source, latest: lead.latestSource as Source },
    timeline,
    ...(verifiedAt !== undefined && { verifiedAt }),
    stage: (lead.stage as LifecycleStage | undefined) ?? 'lead',
    ...(lead.score !== undefined && { score: lead.score as ScoreView }),
    ...(typeof lead.claimedBy === 'string' && { claim: { rep: lead.claimedBy, at: lead.claimedAt as string } }),
    ...(typeof lead.notAFitAt === 'string' && { notAFit: { at: lead.notAFitAt, by: lead.notAFitBy as string } }),
    ...(mail && { mail }),
    createdAt: lead.createdAt as string,
    updatedAt: lead.updatedAt as string,
  };
}
