import { parseSequence, parseSiteEmail, type NurtureLead, type SequenceInput } from '../../../functions/core/nurture/index.js';

/** Monday to Friday, 09:00–17:00. */
export const OFFICE_HOURS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 9, to: 17 } } as const;

/** A step with a one-line template (the content does not matter to the state machine). */
export const aStep = (id: string, delay: SequenceInput['steps'][number]['delay'], extra: Partial<SequenceInput['steps'][number]> = {}) => ({
  id,
  delay,
  subject: `Step ${id} for {{ firstName | default: "you" }}`,
  html: `<p>${id}</p>`,
  text: id,
  ...extra,
});

/**
 * The 3-step sequence of the state-machine tests, in office hours: welcome at once, a case study 2 days
 * later, an offer 3 days and 9 hours after that.
 */
export const threeSteps = (over: Partial<SequenceInput> = {}) =>
  parseSequence({
    id: 'ebook-nurture',
    window: OFFICE_HOURS,
    steps: [aStep('welcome', {}), aStep('case-study', { days: 2 }), aStep('offer', { days: 3, hours: 9 })],
    exit: { stages: ['sql'], formsSubmitted: ['trial'] },
    ...over,
  });

export const siteEmail = (over: Record<string, unknown> = {}) =>
  parseSiteEmail({ from: 'Acme <hello@acme.com>', postalAddress: 'Acme GmbH\nHauptstraße 1\n10115 Berlin', timeZone: 'Europe/Berlin', ...over });

export const aLead = (over: Partial<NurtureLead> = {}): NurtureLead => ({ stage: 'lead', unsubscribed: false, formsSubmitted: ['ebook'], ...over });

/** A date from an ISO string, for readability. */
export const at = (iso: string): Date => new Date(iso);
