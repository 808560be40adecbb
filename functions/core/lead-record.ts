import type { ConsentRecord, LeadView, LifecycleStage, ScoreView, Source, TimelineEntry } from './contracts.js';
import { FieldName } from './fields.js';
import type { LeadRef, MailLead, Profile, ScoringInput, StoredEnrolment } from './ports.js';
import type { ScoringEvent } from './scoring/score.js';

/**
 * A lead as both stores keep it (the attributes of its lead item: the DynamoDB table's and the in-memory
 * fake's), and the views the use cases get from it. One definition, so the fake cannot drift from the table.
 */

export const PROFILE_FIELDS = FieldName.options.filter((f) => f !== 'email');

/** What scoring counts from a lead: its profile and timeline (stage changes are results of scoring, not inputs).  */
export function scoringInputOf(view: LeadView, decayCheckAt: string | undefined): ScoringInput {
  const events = view.timeline.flatMap((entry): ScoringEvent[] => {
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
    events,
    firstSource: view.sources.first,
    ...(decayCheckAt && { decayCheckAt }),
  };
}

/** Page views count only for a lead that consented to marketing and has not unsubscribed since.  */
export function isTrackable(lead: Record<string, unknown>): boolean {
  return (lead.consentMarketing as ConsentRecord | undefined)?.granted === true && lead.unsubscribedAt === undefined;
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
  const profile: Record<string, string> = profileOf(lead);
  const mail = mailViewOf(lead, enrolments);
  const marketing = lead.consentMarketing as ConsentRecord | undefined;
  return {
    leadId: lead.leadId as string,
    siteId: lead.siteId as string,
    email: lead.email as string,
    profile,
    consent: {
      ...(marketing && { marketing }),
      history: timeline.flatMap((e) => (e.type === 'form_submitted' && e.consent ? [e.consent] : [])),
    },
    sources: { first: lead.firstSource as Source, latest: lead.latestSource as Source },
    timeline,
    stage: (lead.stage as LifecycleStage | undefined) ?? 'lead',
    ...(lead.score !== undefined && { score: lead.score as ScoreView }),
    ...(typeof lead.claimedBy === 'string' && { claim: { rep: lead.claimedBy, at: lead.claimedAt as string } }),
    ...(mail && { mail }),
    createdAt: lead.createdAt as string,
    updatedAt: lead.updatedAt as string,
  };
}
