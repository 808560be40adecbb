import { dueDay, daysBefore } from '../core/due.js';
import {
  EMAIL_METRICS,
  type EmailCounts,
  type EmailMetric,
  emailRates,
  ExitReasons,
  REPUTATION_WINDOW_DAYS,
  SES_THRESHOLDS,
  standing,
  sequenceCell,
} from '../core/email-stats.js';
import { ValidationError } from '../core/errors.js';
import { senderOf } from '../core/nurture/index.js';
import type { Person } from '../core/people.js';
import { addCounts, statRange } from '../core/stats.js';
import { siteFor } from './console.js';
import type { Deps } from './deps.js';
import { configuredEmails, renderPreview } from './email-preview.js';

type Counts = Record<EmailMetric, number>;
const full = (c: EmailCounts): Counts => Object.fromEntries(EMAIL_METRICS.map((m) => [m, c[m] ?? 0])) as Counts;
/** An email's numbers with their rates. */
const rated = (c: EmailCounts) => ({ ...pick(full(c), MAIL), ...emailRates(c) });
/** The numbers an email has (a sequence's own are enrolments and exits). */
const MAIL = ['sent', 'delivered', 'opened', 'clicked', 'hardBounced', 'softBounced', 'complained', 'unsubscribed'] as const satisfies readonly EmailMetric[];
const pick = <K extends string>(c: Record<string, number>, ks: readonly K[]) => Object.fromEntries(ks.map((k) => [k, c[k] ?? 0])) as Record<K, number>;

/**
 * The emails page: each form's emails and each sequence, with their numbers over a range of UTC days, and
 * the site's numbers each day (or one email's or sequence's, `email`). One Query per counter partition
 * (4), whatever the number of leads or emails sent.
 * @throws ValidationError
 */
export async function emailsReport(
  deps: Pick<Deps, 'config' | 'clock' | 'emailStats'>,
  person: Person,
  query: { site?: string | undefined; from?: string | undefined; to?: string | undefined; email?: string | undefined },
) {
  const siteId = siteFor(deps, person, query.site);
  const site = deps.config.findSite(siteId)!;
  const range = statRange(deps.clock.now(), query);
  // Each subject as the sample lead reads it (a subject may merge the lead's company or the magnet's title).
  const emails = configuredEmails(site).map((e) => ({ ...e, subject: renderPreview(site, site.forms.find((f) => f.id === e.formId)!, e).subject }));
  const sequences = site.forms.flatMap((f) => (f.email?.sequence ? [{ formId: f.id, sequence: f.email.sequence }] : []));
  const known = new Set([...emails.map((e) => e.email), ...sequences.map((s) => sequenceCell(s.sequence.id))]);
  if (query.email !== undefined && !known.has(query.email))
    throw new ValidationError({ 'query.email': `no email "${query.email}" in site "${siteId}": one of ${[...known].join(', ')}` });
  const cells = await deps.emailStats.read(siteId, range.from, range.to);
  const totals = new Map<string, EmailCounts>();
  const days = new Map<string, EmailCounts>(range.days.map((d) => [d, {}]));
  for (const c of cells) {
    totals.set(c.email, addCounts(totals.get(c.email) ?? {}, c.counts));
    // Each day: the site's emails (sequence cells hold no email numbers), or the one asked for.
    if (query.email === undefined ? c.email.startsWith('sequence#') === false : c.email === query.email) addCounts(days.get(c.day) ?? {}, c.counts);
  }
  const all = [...totals].filter(([e]) => !e.startsWith('sequence#')).reduce((s, [, c]) => addCounts(s, c), {} as EmailCounts);
  return {
    siteId,
    from: range.from,
    to: range.to,
    tracking: { opens: site.email?.tracking?.opens === true, clicks: site.email?.tracking?.clicks === true },
    totals: rated(all),
    days: [...days].map(([day, c]) => ({ day, ...(query.email?.startsWith('sequence#') ? pick(full(c), SEQUENCE) : rated(c)) })),
    emails: emails
      .filter((e) => e.kind !== 'step')
      .map((e) => ({ email: e.email, kind: e.kind, formId: e.formId, subject: e.subject, ...rated(totals.get(e.email) ?? {}) })),
    sequences: sequences.map(({ formId, sequence }) => {
      const own = full(totals.get(sequenceCell(sequence.id)) ?? {});
      return {
        sequenceId: sequence.id,
        email: sequenceCell(sequence.id),
        formId,
        enrolled: own.enrolled,
        completed: own.completed,
        exited: Object.fromEntries(ExitReasons.map((r) => [r, own[`exit_${r}`]])),
        steps: emails
          .filter((e) => e.sequenceId === sequence.id)
          .map((e, i) => ({
            email: e.email,
            stepId: e.stepId!,
            position: i + 1,
            delay: sequence.steps[i]!.delay,
            subject: e.subject,
            ...rated(totals.get(e.email) ?? {}),
          })),
      };
    }),
  };
}

const SEQUENCE = ['enrolled', 'completed', ...EMAIL_METRICS.filter((m) => m.startsWith('exit_'))] as EmailMetric[];

/**
 * A site's bounce and complaint rates over the last {@link REPUTATION_WINDOW_DAYS} days against SES's
 * thresholds, with its sender domain (SES itself judges the whole account: every site and domain it sends
 * for). One read of the counters.
 */
export async function reputationOf(deps: Pick<Deps, 'config' | 'clock' | 'emailStats'>, siteId: string) {
  const site = deps.config.findSite(siteId)!;
  const to = dueDay(deps.clock.now().toISOString());
  const from = daysBefore(deps.clock.now(), REPUTATION_WINDOW_DAYS - 1);
  const cells = await deps.emailStats.read(siteId, from, to);
  const c = cells.filter((x) => !x.email.startsWith('sequence#')).reduce((s, x) => addCounts(s, x.counts), {} as EmailCounts);
  const r = emailRates(c);
  const sesBounceRate = c.sent ? (c.hardBounced ?? 0) / c.sent : 0;
  return {
    siteId,
    domain: site.email ? senderOf(site.email).address.split('@')[1]! : undefined,
    from,
    to,
    sent: c.sent ?? 0,
    delivered: c.delivered ?? 0,
    // SES's bounce rate counts hard bounces only: a full mailbox says nothing about the list's quality.
    bounces: c.hardBounced ?? 0,
    complaints: c.complained ?? 0,
    bounceRate: sesBounceRate,
    complaintRate: r.complaintRate,
    bounce: standing(sesBounceRate, SES_THRESHOLDS.bounce),
    complaint: standing(r.complaintRate, SES_THRESHOLDS.complaint),
  };
}
