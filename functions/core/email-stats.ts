import type { EmailKind } from './contracts.js';
import { ExitReason } from './nurture/sequence.js';

/**
 * Each email's numbers, per site and UTC day, counted where they happen: `sent` by the sender when SES
 * took the email; `delivered`, the bounces, the complaint and the unique open and click by the SES events
 * of that email; `unsubscribed` by the unsubscribe, credited to the last email the lead got. A sequence's
 * own cell counts who was `enrolled`, who `completed` it, and who left it and why (`exit_<reason>`).
 * Nothing personal is in any cell; test sends are never counted.
 */
export const EMAIL_METRICS = [
  'sent',
  'delivered',
  'opened',
  'clicked',
  'hardBounced',
  'softBounced',
  'complained',
  'unsubscribed',
  'enrolled',
  'completed',
  'exit_unsubscribed',
  'exit_complained',
  'exit_bounced',
  'exit_stage-reached',
  'exit_form-submitted',
  'exit_send-failed',
] as const satisfies readonly (string | `exit_${ExitReason}`)[];
export type EmailMetric = (typeof EMAIL_METRICS)[number];
export type EmailCounts = Partial<Record<EmailMetric, number>>;

/** Every reason a lead may leave a sequence, in precedence order. */
export const ExitReasons = Object.values(ExitReason);

export const exitMetric = (reason: ExitReason): EmailMetric => `exit_${reason}`;

/**
 * The cell an email's numbers go to, the same string as its send key: `delivery#<form>`,
 * `confirmation#<form>`, `step#<sequence>#<step>`; a sequence's own numbers go to `sequence#<sequence>`.
 */
export function emailCellOf(e: {
  kind?: EmailKind | undefined;
  formId?: string | undefined;
  sequenceId?: string | undefined;
  stepId?: string | undefined;
}): string | undefined {
  if (e.kind === 'step') return e.sequenceId && e.stepId ? `step#${e.sequenceId}#${e.stepId}` : undefined;
  if (e.kind === 'delivery' || e.kind === 'confirmation') return e.formId ? `${e.kind}#${e.formId}` : undefined;
  return undefined;
}
export const sequenceCell = (sequenceId: string): string => `sequence#${sequenceId}`;

/** One cell of a day: an email (or a sequence) and its numbers. */
export interface EmailStatCell {
  day: string;
  email: string;
  counts: EmailCounts;
}

/** The rates of an email's numbers: opens, clicks, complaints and unsubscribes of what was delivered; bounces of what was sent. */
export function emailRates(c: EmailCounts): {
  deliveryRate: number;
  openRate: number;
  clickRate: number;
  bounceRate: number;
  complaintRate: number;
  unsubscribeRate: number;
} {
  const of = (n: number | undefined, d: number | undefined) => (d ? (n ?? 0) / d : 0);
  return {
    deliveryRate: of(c.delivered, c.sent),
    openRate: of(c.opened, c.delivered),
    clickRate: of(c.clicked, c.delivered),
    bounceRate: of((c.hardBounced ?? 0) + (c.softBounced ?? 0), c.sent),
    complaintRate: of(c.complained, c.delivered),
    unsubscribeRate: of(c.unsubscribed, c.delivered),
  };
}

/**
 * SES's thresholds for an account's reputation (Amazon SES Developer Guide, "Sending review process
 * FAQs"): under review at 5% bounces or 0.1% complaints, sending may be paused at 10% or 0.5%.
 */
export const SES_THRESHOLDS = { bounce: { review: 0.05, pause: 0.1 }, complaint: { review: 0.001, pause: 0.005 } } as const;

/**
 * Days of sends a site's bounce and complaint rates are taken over. SES computes its rates over a
 * "representative volume" of recent email rather than a fixed window; the last 14 days stands in for it.
 */
export const REPUTATION_WINDOW_DAYS = 14;

export type HealthState = 'healthy' | 'review' | 'pause';

/** Where a rate stands against SES's thresholds. */
export function standing(rate: number, t: { review: number; pause: number }): HealthState {
  return rate >= t.pause ? 'pause' : rate >= t.review ? 'review' : 'healthy';
}
