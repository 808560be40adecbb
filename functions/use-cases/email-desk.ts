import { emailKey } from '../core/email.js';
import { PermanentMailError, RateLimitedError, TestNotSentError, TransientMailError, ValidationError } from '../core/errors.js';
import { Email } from '../core/fields.js';
import { TEST_EMAIL_RATE_SCOPE } from '../core/limits.js';
import { fieldErrors } from '../core/field-errors.js';
import { senderOf } from '../core/nurture/index.js';
import type { Person } from '../core/people.js';
import * as z from '../core/zod.js';
import { audited, requireEverySite, siteFor } from './console.js';
import type { Deps } from './deps.js';
import { reputationOf } from './email-report.js';
import { configuredEmails, renderPreview, SAMPLE_LEAD } from './email-preview.js';
import { formatMailbox } from './send-mail.js';

/** Test emails one person may send an hour. */
export const TEST_SENDS_PER_HOUR = 10;

/** One configured email of a site the person may see. @throws ValidationError */
function emailOf(deps: Pick<Deps, 'config'>, person: Person, query: { site?: string | undefined; email: string }) {
  const siteId = siteFor(deps, person, query.site);
  const site = deps.config.findSite(siteId)!;
  const email = configuredEmails(site).find((e) => e.email === query.email);
  if (!email) throw new ValidationError({ 'query.email': `no email "${query.email}" in site "${siteId}"` });
  return { site, email, form: site.forms.find((f) => f.id === email.formId)! };
}

/** The preview of one email of a site: rendered for the sample lead, with its sender. @throws ValidationError */
export function emailPreview(deps: Pick<Deps, 'config'>, person: Person, query: { site?: string | undefined; email: string }) {
  const found = emailOf(deps, person, query);
  const sender = senderOf(found.site.email!);
  return {
    siteId: found.site.id,
    email: found.email.email,
    kind: found.email.kind,
    from: formatMailbox(sender),
    sample: SAMPLE_LEAD,
    ...renderPreview(found.site, found.form, found.email),
  };
}

export const TestEmailBody = z.strictObject({ email: z.string().check(z.maxLength(200)), to: Email });

/**
 * Send one email of a site, rendered for the sample lead, to an address a marketer gives. Marked as a
 * test: `[Test]` before its subject, tagged `kind: test` and no lead, so its delivery, bounce or complaint
 * counts nowhere and touches no lead; its links are the samples' (they act on no one). At most {@link TEST_SENDS_PER_HOUR} an hour
 * per person. Audited (the address as its hash: the audit log keeps no address but the actor's).
 * @throws ValidationError | RateLimitedError | TestNotSentError
 */
export async function sendTestEmail(
  deps: Pick<Deps, 'config' | 'clock' | 'mailer' | 'rateLimiter' | 'audit'>,
  person: Person,
  query: { site?: string | undefined },
  input: unknown,
) {
  const parsed = TestEmailBody.safeParse(input);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const body = parsed.data;
  const found = emailOf(deps, person, { site: query.site, email: body.email });
  const limit = await deps.rateLimiter.hit(`${TEST_EMAIL_RATE_SCOPE}#${person.sub}`, TEST_SENDS_PER_HOUR, 3_600);
  if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds, 'test emails');
  const rendered = renderPreview(found.site, found.form, found.email);
  const siteEmail = found.site.email!;
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      to: body.to,
      from: formatMailbox(senderOf(siteEmail)),
      ...(siteEmail.replyTo && { replyTo: siteEmail.replyTo }),
      subject: `[Test] ${rendered.subject}`,
      html: rendered.html,
      text: rendered.text,
      headers: {},
      tags: { site: found.site.id, kind: 'test', form: found.form.id },
    }));
  } catch (error) {
    await limit.undo();
    if (error instanceof PermanentMailError || error instanceof TransientMailError) throw new TestNotSentError(error.message);
    throw error;
  }
  return audited(
    deps,
    person,
    { action: 'email.test', siteId: found.site.id, detail: { email: found.email.email, toHash: emailKey(body.to), toDomain: body.to.split('@')[1] ?? '' } },
    { sent: true, messageId, to: body.to, subject: `[Test] ${rendered.subject}` },
  );
}

/**
 * The deliverability page: the site's bounce and complaint rates against SES's thresholds (from the email
 * counters), the account's state (sandbox, quota, SES's enforcement status) and each sender domain's
 * identity (verified, DKIM).
 * @throws ValidationError
 */
export async function deliverability(
  deps: Pick<Deps, 'config' | 'clock' | 'emailStats' | 'mailAccount'>,
  person: Person,
  query: { site?: string | undefined },
) {
  const siteId = siteFor(deps, person, query.site);
  const reputation = await reputationOf(deps, siteId);
  const [account, identities] = await Promise.all([deps.mailAccount.state(), deps.mailAccount.identities(reputation.domain ? [reputation.domain] : [])]);
  return { siteId, reputation, account, identities };
}

export const SuppressionQuery = z.object({ address: z.optional(Email), next: z.optional(z.string().check(z.maxLength(2000))) });

/**
 * The account's suppression list: one address, or a page of 50. SES keeps one list for the whole account
 * (every site), so only a person of every site may read it. @throws SiteLimitedError | ValidationError
 */
export async function suppressions(deps: Pick<Deps, 'mailAccount'>, person: Person, input: { address?: string | undefined; next?: string | undefined }) {
  requireEverySite(person);
  const parsed = SuppressionQuery.safeParse(input);
  if (!parsed.success) throw new ValidationError(Object.fromEntries(Object.entries(fieldErrors(parsed.error)).map(([k, v]) => [`query.${k}`, v])));
  const query = parsed.data;
  return deps.mailAccount.suppressed({ ...(query.address && { address: query.address.toLowerCase() }), ...(query.next && { next: query.next }) });
}

/**
 * Take an address off the account's suppression list (the person asked again to get email, or the bounce
 * was a mistake), by an admin of every site (the list is the account's): audited, the address as its hash. Funnel's own per-lead suppression stays: a lead that
 * bounced or complained is still not emailed by its sequences.
 * @throws SiteLimitedError | ValidationError
 */
export async function unsuppress(deps: Pick<Deps, 'mailAccount' | 'audit' | 'clock'>, person: Person, address: string) {
  requireEverySite(person);
  const parsed = Email.safeParse(address);
  if (!parsed.success) throw new ValidationError({ 'params.address': 'must be a valid email address' });
  const removed = await deps.mailAccount.unsuppress(parsed.data.toLowerCase());
  return audited(
    deps,
    person,
    { action: 'suppression.remove', detail: { addressHash: emailKey(parsed.data), domain: parsed.data.split('@')[1] ?? '', removed: String(removed) } },
    { removed },
  );
}
