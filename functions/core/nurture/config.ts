import * as z from '../zod.js';
import { text } from '../fields.js';
import { formatPath } from '../field-errors.js';
import { WEEKDAYS, canonicalTimeZone, isValidTimeZone } from './schedule.js';
import { templateFields, templateProblems, type MergeField } from './templates.js';

/**
 * The nurture part of the config: a site's email settings (`SiteEmail`) and, per form, the emails it sends
 * (`FormEmail`: the delivery email, the double opt-in confirmation, a nurture `Sequence`). Strict like the
 * rest of the config: unknown keys, unknown merge fields and unknown filters are errors with their path,
 * so a typo fails at start-up and `cdk synth`, never when a lead is due an email.
 *
 * Merge fields every template may use: firstName, lastName, company, jobTitle, email, siteName, formTitle,
 * leadMagnetTitle, leadMagnetUrl, trialUrl, confirmUrl (confirmation email only), unsubscribeUrl.
 * Filter: `default: "…"`. See `templates.ts`.
 */

const Slug = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lower-case letters, digits and dashes, at most 63 characters'));

// ---------------------------------------------------------------------------------------------------------
// Addresses and time zones

/** A mailbox split into its display name and address. */
export interface Mailbox {
  readonly name?: string;
  readonly address: string;
}

const AddressCheck = z.email();

/**
 * Read `"Acme <hello@acme.com>"`, `Acme <hello@acme.com>` or `hello@acme.com`; undefined when it is not one
 * mailbox with a valid address. The adapter that sends must quote or encode `name` for the header.
 * @example parseMailbox('Acme Inc <hello@acme.com>') // { name: 'Acme Inc', address: 'hello@acme.com' }
 */
export function parseMailbox(raw: string): Mailbox | undefined {
  if (/[\u0000-\u001f\u007f]/.test(raw)) return undefined;
  const m = /^\s*(?:(?:"([^"\\]*)"|([^"<>@,;]*?))\s*<([^<>\s]+)>|([^<>\s"]+))\s*$/.exec(raw);
  if (!m) return undefined;
  const address = m[3] ?? m[4] ?? '';
  if (!AddressCheck.safeParse(address).success) return undefined;
  const name = (m[1] ?? m[2] ?? '').trim();
  return name ? { name, address } : { address };
}

const MailboxString = z
  .string()
  .check(z.maxLength(320, 'must be at most 320 characters'))
  .check(z.refine((s) => parseMailbox(s) !== undefined, 'must be one email address, e.g. "Acme <hello@acme.com>" or "hello@acme.com"'));

/** An IANA time zone name (validated by `Intl`), stored in its canonical spelling. */
export const TimeZone = z.pipe(
  z.string().check(z.refine(isValidTimeZone, 'must be an IANA time zone such as "Europe/Berlin", "America/New_York" or "UTC"')),
  z.transform(canonicalTimeZone),
);

/** A postal address: required by CAN-SPAM in every marketing email. May span lines (`\n`). */
const PostalAddress = z.pipe(
  z.pipe(
    z
      .string()
      .check(z.maxLength(500, 'must be at most 500 characters'))
      .check(z.refine((s) => !/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters other than line breaks')),
    z.transform((s) => s.replace(/\r/g, '').trim()),
  ),
  z.string().check(z.minLength(1, 'must not be empty: every email shows where you receive mail (CAN-SPAM)')),
);

// ---------------------------------------------------------------------------------------------------------
// Site email settings

export const SiteEmail = z.strictObject({
  /** The sender: `"Acme <hello@acme.com>"` or `hello@acme.com`; its domain must be verified in SES. */
  from: MailboxString,
  /** Where replies go, when not to `from`. */
  replyTo: z.optional(MailboxString),
  /** The name shown in the footer ("Sent by …") and as the From display name when `from` has none. */
  senderName: z.optional(z.pipe(text(100), z.string().check(z.minLength(1, 'must not be empty')))),
  /** The physical postal address printed in every email's footer (CAN-SPAM). */
  postalAddress: PostalAddress,
  /** The time zone of send windows for leads whose own zone is unknown. */
  timeZone: z._default(TimeZone, 'UTC'),
  /** At most this many emails to one lead per calendar day (in the lead's zone), across all sequences. */
  maxPerDay: z._default(z.int('must be a whole number').check(z.gte(1, 'must be 1–50')).check(z.lte(50, 'must be 1–50')), 2),
  /** At most this many emails a second handed to SES for this site (keep it under the account's SES rate). */
  sendRatePerSecond: z._default(z.number().check(z.positive('must be more than 0')).check(z.lte(10_000, 'must be at most 10000')), 10),
  /**
   * Against mail-bombing through a public form: at most one delivery email, and one double opt-in
   * confirmation, per lead and form in this many hours. A repeat submission inside the window is answered
   * and recorded as usual (the browser still shows the download), without another email.
   */
  resendAfterHours: z._default(z.int('must be a whole number').check(z.gte(1, 'must be 1–720')).check(z.lte(720, 'must be 1–720')), 24),
  /**
   * Open and click tracking through SES (off unless asked): clicks rewrite every link of a sequence email
   * through SES's tracking domain (never the confirm and unsubscribe links); opens add a pixel, which
   * privacy proxies (Apple Mail) fire for every email, so opens say little and inflate engagement scores.
   */
  tracking: z._default(z.strictObject({ opens: z._default(z.boolean(), false), clicks: z._default(z.boolean(), false) }), { opens: false, clicks: false }),
  /**
   * Against mail-bombing: at most this many emails of every kind (delivery, confirmation, sequence) to one
   * mailbox in 24 hours, counted over every lead whose address reaches it (`jane+1@…`, `j.ane@gmail.com`).
   */
  maxPerAddressPerDay: z._default(z.int('must be a whole number').check(z.gte(1, 'must be 1–50')).check(z.lte(50, 'must be 1–50')), 5),
  /**
   * Against mail-bombing through a catch-all domain (any address there reaches one inbox): at most this
   * many emails an hour to one domain, over every lead and site. The big shared providers (Gmail, Outlook,
   * Yahoo, iCloud…: one mailbox per address) are not under it.
   */
  maxPerDomainPerHour: z._default(z.int('must be a whole number').check(z.gte(1, 'must be 1–10000')).check(z.lte(10_000, 'must be 1–10000')), 100),
});
export type SiteEmail = z.infer<typeof SiteEmail>;
export type SiteEmailInput = z.input<typeof SiteEmail>;

/**
 * The From mailbox of a site's emails: `from`'s address, with its display name or else `senderName`.
 * @example senderOf(parseSiteEmail({ from: 'hello@acme.com', senderName: 'Acme', postalAddress: '…' })) // { name: 'Acme', address: 'hello@acme.com' }
 */
export function senderOf(site: Pick<SiteEmail, 'from' | 'senderName'>): Mailbox {
  const mailbox = parseMailbox(site.from) ?? { address: site.from };
  const name = mailbox.name ?? site.senderName;
  return name ? { name, address: mailbox.address } : { address: mailbox.address };
}

// ---------------------------------------------------------------------------------------------------------
// Templates

/** A template string: the syntax, field names and filter names are checked (problems reported at its path). */
const templateSource = (max: number) =>
  z
    .string()
    .check(z.maxLength(max, `must be at most ${max} characters`))
    .check(z.refine((s) => s.trim().length > 0, 'must not be empty'))
    .check(
      z.superRefine((source, ctx) => {
        for (const message of templateProblems(source)) ctx.addIssue({ code: 'custom', message });
      }),
    );

const TemplateFields = {
  /** One line; merge values in it have CR/LF removed. */
  subject: templateSource(300).check(z.refine((s) => !/[\r\n]/.test(s), 'must be one line')),
  /** The HTML part; merge values are HTML-escaped. */
  html: templateSource(200_000),
  /** The plain-text part, for clients that do not show HTML (and for spam filters, which like having both). */
  text: templateSource(100_000),
};

/** An email: a subject and both parts, with merge fields. The footer is added to both parts when sent. */
export const EmailTemplate = z.strictObject(TemplateFields);
export type EmailTemplate = z.infer<typeof EmailTemplate>;

// ---------------------------------------------------------------------------------------------------------
// Send windows and delays

export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/**
 * When a step may leave, in the lead's time zone when known, else the site's: on `days` (default every
 * day), from `hours.from`:00 up to `hours.to`:00 (default all day). Windows cannot span midnight.
 */
export const SendWindow = z.strictObject({
  days: z._default(
    z
      .array(Weekday)
      .check(z.minLength(1, 'must name at least one day'))
      .check(
        z.superRefine((days, ctx) => {
          days.forEach((d, i) => {
            if (days.indexOf(d) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate day "${d}"` });
          });
        }),
      ),
    [...WEEKDAYS],
  ),
  hours: z._default(
    z
      .strictObject({
        from: z.int('must be a whole hour').check(z.gte(0, 'must be 0–23')).check(z.lte(23, 'must be 0–23')),
        to: z.int('must be a whole hour').check(z.gte(1, 'must be 1–24')).check(z.lte(24, 'must be 1–24')),
      })
      .check(z.refine((h) => h.from < h.to, { path: ['to'], message: 'must be after hours.from (a window cannot span midnight)' })),
    { from: 0, to: 24 },
  ),
});
export type SendWindow = z.infer<typeof SendWindow>;

/** A wait: `days` are calendar days (same local time of day), `hours`/`minutes` elapsed time. `{}` is no wait. */
export const Delay = z.strictObject({
  days: z.optional(z.int('must be a whole number').check(z.gte(0)).check(z.lte(365))),
  hours: z.optional(
    z
      .int('must be a whole number')
      .check(z.gte(0))
      .check(z.lte(365 * 24)),
  ),
  minutes: z.optional(
    z
      .int('must be a whole number')
      .check(z.gte(0))
      .check(z.lte(365 * 24 * 60)),
  ),
});
export type Delay = z.infer<typeof Delay>;

// ---------------------------------------------------------------------------------------------------------
// Sequences

export const SequenceStep = z.strictObject({
  /** Stable: it names the step in deliveries, events and tags. */
  id: Slug,
  /** After the previous step was sent; for the first step, after enrolment. */
  delay: Delay,
  /** When this step may leave; the sequence's `window` when absent; any time when neither is set. */
  window: z.optional(SendWindow),
  ...TemplateFields,
});
export type SequenceStep = z.infer<typeof SequenceStep>;

const ALWAYS = 'always applies and cannot be turned off: an unsubscribed, bounced or complaining lead never gets another email';

/**
 * When a lead leaves a sequence early. Unsubscribing, a bounce and a complaint ALWAYS end every sequence
 * (they may be written as `true` for the reader; `false` is refused). Configurable: `stages` (leave on
 * reaching one of these stages — "reaching" includes jumping past it, so `['mql']` also ends it at `sql`)
 * and `formsSubmitted` (leave once the lead has submitted one of these forms, e.g. the trial form).
 */
export const SequenceExit = z.strictObject({
  unsubscribed: z.optional(z.literal(true, { error: ALWAYS })),
  bounced: z.optional(z.literal(true, { error: ALWAYS })),
  complained: z.optional(z.literal(true, { error: ALWAYS })),
  stages: z.optional(z.array(z.enum(['mql', 'sql'])).check(z.minLength(1))),
  formsSubmitted: z.optional(z.array(Slug).check(z.minLength(1))),
});
export type SequenceExit = z.infer<typeof SequenceExit>;

export const Sequence = z
  .strictObject({
    /** Stable: enrolments, deliveries and `email_clicked` scoring rules refer to it. */
    id: Slug,
    /** The window of every step that has none of its own. */
    window: z.optional(SendWindow),
    steps: z.array(SequenceStep).check(z.minLength(1, 'must have at least one step')).check(z.maxLength(50)),
    exit: z._default(SequenceExit, {}),
  })
  .check(
    z.superRefine((sequence, ctx) => {
      const seen = new Map<string, number>();
      sequence.steps.forEach((step, i) => {
        const other = seen.get(step.id);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${step.id}" (also steps[${other}])` });
        else seen.set(step.id, i);
      });
    }),
  );
export type Sequence = z.infer<typeof Sequence>;
export type SequenceInput = z.input<typeof Sequence>;

/** The window that applies to a step: its own, else the sequence's, else none (any time). */
export const windowOf = (sequence: Pick<Sequence, 'window'>, step: Pick<SequenceStep, 'window'>): SendWindow | undefined => step.window ?? sequence.window;

// ---------------------------------------------------------------------------------------------------------
// Per form

/**
 * What a form sends.
 *
 * - `delivery`: sent at once after the submission — or, on a double opt-in form, at once after the lead
 *   confirms (the lead-magnet link or the trial link).
 * - `confirmation`: double opt-in forms only: sent at once after the submission instead of anything else;
 *   must contain `{{ confirmUrl }}` in both parts. A double opt-in form without one sends
 *   {@link DEFAULT_CONFIRMATION}. `confirmUrl` exists in no other email.
 * - `sequence`: the nurture sequence the lead is enrolled in with the delivery (after confirmation on a
 *   double opt-in form, and only with marketing consent when the form asks for it).
 */
export const FormEmail = z
  .strictObject({
    delivery: z.optional(EmailTemplate),
    confirmation: z.optional(EmailTemplate),
    sequence: z.optional(Sequence),
  })
  .check(
    z.superRefine((email, ctx) => {
      for (const { path, template } of formEmailTemplates(email)) {
        const isConfirmation = path[0] === 'confirmation';
        for (const part of ['subject', 'html', 'text'] as const) {
          const fields = fieldsOf(template[part]);
          if (!isConfirmation && fields.includes('confirmUrl')) {
            ctx.addIssue({ code: 'custom', path: [...path, part], message: 'merge field "confirmUrl" exists only in the confirmation email' });
          }
          if (isConfirmation && part !== 'subject' && !fields.includes('confirmUrl')) {
            ctx.addIssue({ code: 'custom', path: [...path, part], message: 'must contain {{ confirmUrl }}: the link that confirms the address' });
          }
        }
      }
    }),
  );
export type FormEmail = z.infer<typeof FormEmail>;
export type FormEmailInput = z.input<typeof FormEmail>;

/** Field names of a template; none when it does not parse (that problem is reported at the template itself). */
const fieldsOf = (source: string): string[] => {
  try {
    return templateFields(source);
  } catch {
    return [];
  }
};

/**
 * Every template of a form's emails with its path inside `FormEmail`.
 * @example formEmailTemplates(email).map((t) => t.path) // [['delivery'], ['sequence', 'steps', 0], …]
 */
export function formEmailTemplates(email: FormEmail): { path: (string | number)[]; template: EmailTemplate }[] {
  return [
    ...(email.delivery ? [{ path: ['delivery'], template: email.delivery }] : []),
    ...(email.confirmation ? [{ path: ['confirmation'], template: email.confirmation }] : []),
    ...(email.sequence?.steps.map((step, i) => ({ path: ['sequence', 'steps', i], template: step })) ?? []),
  ];
}

/** The confirmation email of a double opt-in form that defines none. */
export const DEFAULT_CONFIRMATION: EmailTemplate = {
  subject: 'Please confirm your email address',
  html:
    '<p>Hi {{ firstName | default: "there" }},</p>' +
    '<p>Please confirm your email address for {{ siteName }}:</p>' +
    '<p><a href="{{ confirmUrl }}">Confirm my email address</a></p>' +
    '<p>If you did not ask for this, ignore this email: nothing more will be sent.</p>',
  text:
    'Hi {{ firstName | default: "there" }},\n\n' +
    'Please confirm your email address for {{ siteName }}:\n\n{{ confirmUrl }}\n\n' +
    'If you did not ask for this, ignore this email: nothing more will be sent.',
};

/** What {@link formEmailIssues} needs to know about the form. */
export interface FormFacts {
  readonly id: string;
  readonly kind: 'gated-content' | 'free-trial';
  readonly doubleOptIn: boolean;
  readonly trialUrl?: string | undefined;
}

/**
 * Cross-checks between a form and its emails, for the site-level config validation (which knows the form):
 * paths are relative to the `FormEmail`.
 * - `confirmation` on a form without double opt-in (it would never be sent);
 * - `leadMagnetTitle`/`leadMagnetUrl` on a form without a lead magnet, `trialUrl` on a form without one
 *   (they would always render empty);
 * - a sequence that exits on its own form (every enrolled lead submitted it: it would end at once).
 * @example formEmailIssues(email, { id: 'trial', kind: 'free-trial', doubleOptIn: false })
 *   // [{ path: ['delivery', 'html'], message: 'merge field "leadMagnetUrl" is always empty: form "trial" has no lead magnet' }]
 */
export function formEmailIssues(email: FormEmail, form: FormFacts): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (email.confirmation && !form.doubleOptIn) {
    issues.push({ path: ['confirmation'], message: `is only sent by a double opt-in form: set doubleOptIn: true on form "${form.id}" or remove it` });
  }
  const missing: Partial<Record<MergeField, string>> = {};
  if (form.kind !== 'gated-content') missing.leadMagnetTitle = missing.leadMagnetUrl = `form "${form.id}" has no lead magnet`;
  if (form.kind !== 'free-trial' || !form.trialUrl) missing.trialUrl = `form "${form.id}" has no trialUrl`;
  for (const { path, template } of formEmailTemplates(email)) {
    for (const part of ['subject', 'html', 'text'] as const) {
      for (const field of fieldsOf(template[part])) {
        const why = missing[field as MergeField];
        if (why) issues.push({ path: [...path, part], message: `merge field "${field}" is always empty: ${why}` });
      }
    }
  }
  email.sequence?.exit.formsSubmitted?.forEach((id, i) => {
    if (id === form.id)
      issues.push({
        path: ['sequence', 'exit', 'formsSubmitted', i],
        message: `is this form itself: every enrolled lead submitted it, so the sequence would end at once`,
      });
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing on their own (tests, the template review command)

/** Thrown when nurture settings are invalid; the message lists every problem with its path. */
export class InvalidNurtureConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid nurture config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidNurtureConfigError';
  }
}

const parseWith =
  <S extends z.ZodMiniType>(schema: S) =>
  (raw: unknown): z.output<S> => {
    const result = schema.safeParse(raw);
    if (!result.success) throw new InvalidNurtureConfigError(result.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`));
    return result.data;
  };

/**
 * Validate a site's email settings.
 * @example parseSiteEmail({ from: 'Acme <hello@acme.com>', postalAddress: '1 Main St, Springfield' }).maxPerDay // 2
 * @throws InvalidNurtureConfigError naming the path of every bad value
 */
export const parseSiteEmail = parseWith(SiteEmail);

/**
 * Validate a form's emails.
 * @example parseFormEmail({ sequence: { id: 'x', steps: [{ id: 'a', delay: {}, subject: 'Hi {{ firstNam }}', html: 'x', text: 'x' }] } })
 *   // throws: sequence.steps[0].subject: unknown merge field "firstNam" (did you mean "firstName"?)
 * @throws InvalidNurtureConfigError naming the path of every bad value
 */
export const parseFormEmail = parseWith(FormEmail);

/** Validate one sequence (paths relative to it). @throws InvalidNurtureConfigError */
export const parseSequence = parseWith(Sequence);
