import { type ValidSubmission, consentRecord, nextStep, profileOf, spamReason, timelineEntry, validateSubmission } from '../core/capture.js';
import type { SubmissionResponse } from '../core/contracts.js';
import { emailKey, normaliseEmail } from '../core/email.js';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError } from '../core/errors.js';
import type { StoredAnswer } from '../core/ports.js';
import { clientKeyOf } from '../core/rate-limit.js';
import type { Deps } from './deps.js';

export interface SubmitFormInput {
  formId: string;
  /** The parsed JSON body, not yet validated. */
  body: unknown;
  /** The browser's Origin header; absent for non-browser clients, which CORS does not concern. */
  origin?: string;
  clientIp: string;
  userAgent?: string;
}

export interface SubmitFormResult {
  status: 201 | 200;
  body: SubmissionResponse;
}

/**
 * Submit a form.
 * 1. find the form and check the page's origin may embed it
 * 2. validate the body against the form's declared fields; an invalid one counts against the client's
 *    looser limit of invalid submissions (over it: 429 instead of 400)
 * 3. bots (honeypot, too fast): counted like submissions, answered as if accepted, stored as spam
 * 4. a retried submissionId gets its first answer, records nothing and costs no limit
 * 5. a new submission counts against the client's limit (its IPv4 address or IPv6 /64) and the form's
 *    ceiling, shared by every environment: over either, 429 with Retry-After
 * 6. merge into the lead deduplicated by email within the site, and record the submission with its
 *    consent and source, in one idempotent write
 * 7. with marketing consent (and no pending double opt-in), hand out a signed visitor token for tracking
 *
 * @throws UnknownFormError | OriginNotAllowedError | RateLimitedError | ValidationError
 */
export async function submitForm(deps: Deps, input: SubmitFormInput): Promise<SubmitFormResult> {
  const found = deps.config.findForm(input.formId);
  if (!found) throw new UnknownFormError(input.formId);
  const { site, form } = found;
  if (input.origin !== undefined && !site.allowedOrigins.includes(input.origin)) throw new OriginNotAllowedError(input.origin);
  const limits = site.rateLimit;
  const client = `${site.id}#${clientKeyOf(input.clientIp)}`;

  let body: ValidSubmission;
  try {
    body = validateSubmission(form, input.body);
  } catch (error) {
    const limit = await deps.rateLimiter.hit(`invalid#${client}`, limits.invalidSubmissions, limits.windowSeconds);
    if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);
    throw error;
  }
  /** Count a submission (or a bot's) against the client's limit and the form's ceiling, at once. */
  const hits = () =>
    Promise.all([
      deps.rateLimiter.hit(`submit#${client}`, limits.submissions, limits.windowSeconds),
      deps.rateLimiter.hit(`form#${site.id}#${form.id}`, limits.perForm.submissions, limits.perForm.windowSeconds),
    ]);
  const enforce = (counted: Awaited<ReturnType<typeof hits>>) => {
    for (const limit of counted) if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);
  };
  const now = deps.clock.now();
  const at = now.toISOString();
  const submissionId = body.submissionId ?? deps.ids.newId();
  const next = nextStep(form);
  const reply = { next, ...(form.successMessage && { message: form.successMessage }) };

  const consent = consentRecord(form, body, at);
  // Tracking starts only with marketing consent, and on a double opt-in form only once the address is confirmed.
  const trackable = consent?.granted === true && next.type !== 'confirm-email';
  const withToken = async (a: Pick<StoredAnswer, 'status' | 'leadId'> & typeof reply): Promise<SubmitFormResult> => {
    const result = answer(a);
    if (trackable) result.body.visitorToken = await deps.visitorTokens.issue(site.id, a.leadId);
    return result;
  };

  const spam = spamReason(form, body, now);
  if (spam) {
    enforce(await hits());
    const fieldLengths = Object.fromEntries(Object.entries(body.fields).map(([name, value]) => [name, String(value).length]));
    await deps.leads.recordSpam({
      siteId: site.id,
      formId: form.id,
      submissionId,
      reason: spam,
      at,
      fieldLengths,
      ...(input.userAgent && { userAgent: input.userAgent }),
    });
    // Indistinguishable from a real answer, token included (its events will find no lead).
    return withToken({ status: 201, leadId: deps.ids.newId(), ...reply });
  }

  const email = normaliseEmail(body.fields.email);
  const key = emailKey(email);
  // The replay check and the counting run side by side (one round trip, not two); a replay then takes its
  // counts back: a retried submission costs no limit.
  const [earlier, counted] = await Promise.all([deps.leads.findAnswer(site.id, key, submissionId), hits()]);
  if (earlier) {
    await Promise.all(counted.map((c) => (c.allowed ? c.undo() : undefined)));
    return withToken(earlier);
  }
  enforce(counted);

  const entry = timelineEntry(form, submissionId, body, at, input.userAgent, consent);
  const stored = await deps.leads.capture({
    siteId: site.id,
    email,
    emailKey: key,
    profile: profileOf(body),
    ...(consent && { consent }),
    source: {
      formId: form.id,
      at,
      ...(entry.pageUrl && { pageUrl: entry.pageUrl }),
      ...(entry.referrer && { referrer: entry.referrer }),
      ...(entry.utm && { utm: entry.utm }),
      ...(body.context?.timeZone && { timeZone: body.context.timeZone }),
    },
    entry,
    newLeadId: deps.ids.newId(),
    reply,
  });
  return withToken(stored);
}

const answer = (a: { status: 201 | 200; leadId: string; next: SubmissionResponse['next']; message?: string }): SubmitFormResult => ({
  status: a.status,
  body: { leadId: a.leadId, next: a.next, ...(a.message && { message: a.message }) },
});
