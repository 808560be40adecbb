import type { Form, Site } from '../core/config.js';
import { DEFAULT_CONFIRMATION, type RenderedEmail, renderEmail, SAMPLE_MERGE_VALUES, senderOf, type MergeValues } from '../core/nurture/index.js';
import { confirmationKey, deliveryKey, mergeValues, stepSendKey } from './send-mail.js';

/** One email a form can send, with the cell its numbers are counted in. */
export interface ConfiguredEmail {
  /** The cell (and send key): `confirmation#<form>`, `delivery#<form>`, `step#<sequence>#<step>`. */
  email: string;
  /** `confirmation`, `delivery` or the step's id: what people call it. */
  name: string;
  kind: 'confirmation' | 'delivery' | 'step';
  formId: string;
  subject: string;
  sequenceId?: string;
  stepId?: string;
  template: { subject: string; html: string; text: string };
}

/** Every email a form can send, in the order a lead meets them: the confirmation (double opt-in), the delivery, each step. */
export function formEmails(form: Form): ConfiguredEmail[] {
  const e = form.email;
  // A double opt-in form sends its confirmation (the default one unless it has its own) even with no `email`.
  const confirmation = form.doubleOptIn ? (e?.confirmation ?? DEFAULT_CONFIRMATION) : undefined;
  const sequence = e?.sequence;
  return [
    ...(confirmation
      ? [
          {
            email: confirmationKey(form.id),
            name: 'confirmation',
            kind: 'confirmation' as const,
            formId: form.id,
            subject: confirmation.subject,
            template: confirmation,
          },
        ]
      : []),
    ...(e?.delivery
      ? [{ email: deliveryKey(form.id), name: 'delivery', kind: 'delivery' as const, formId: form.id, subject: e.delivery.subject, template: e.delivery }]
      : []),
    ...(sequence?.steps ?? []).map((step) => ({
      email: stepSendKey(sequence!, step.id),
      name: step.id,
      kind: 'step' as const,
      formId: form.id,
      subject: step.subject,
      sequenceId: sequence!.id,
      stepId: step.id,
      template: step,
    })),
  ];
}

/** Every email a site's config can send, form by form. */
export const configuredEmails = (site: Site): ConfiguredEmail[] => site.forms.flatMap(formEmails);

/** The sample lead every preview and test is rendered for (`SAMPLE_MERGE_VALUES`: Jane Doe at example.com). */
export const SAMPLE_LEAD = {
  email: SAMPLE_MERGE_VALUES.email,
  profile: {
    firstName: SAMPLE_MERGE_VALUES.firstName,
    lastName: SAMPLE_MERGE_VALUES.lastName,
    company: SAMPLE_MERGE_VALUES.company,
    jobTitle: SAMPLE_MERGE_VALUES.jobTitle,
  },
} as const;

/** The sample lead, with the form's own values, merged exactly as a real send merges them. */
export function previewValues(site: Site, form: Form): MergeValues {
  return { confirmUrl: SAMPLE_MERGE_VALUES.confirmUrl, ...mergeValues(site, form, SAMPLE_LEAD) };
}

/** The first characters an inbox shows after the subject: the start of the text part, spaces folded. */
export const PREHEADER_LENGTH = 120;

/**
 * One email rendered for the sample lead, footer included, with its preheader. Its confirm and unsubscribe
 * links are the samples' (`api.example.com`, a domain reserved for examples): a preview belongs to no lead.
 */
export function renderPreview(site: Site, form: Form, email: Pick<ConfiguredEmail, 'template'>): RenderedEmail & { preheader: string } {
  const siteEmail = site.email!;
  const footer = { postalAddress: siteEmail.postalAddress, unsubscribeUrl: SAMPLE_MERGE_VALUES.unsubscribeUrl, senderName: senderOf(siteEmail).name };
  const rendered = renderEmail(email.template, previewValues(site, form), { footer });
  return { ...rendered, preheader: rendered.text.replace(/\s+/g, ' ').trim().slice(0, PREHEADER_LENGTH) };
}
