import { type ValidSubmission, consentRecord, nextStep, profileOf, spamReason, timelineEntry, validateSubmission } from '../core/capture.js';
import type { SubmissionResponse } from '../core/contracts.js';
import { emailKey, isTestAddress, normaliseEmail } from '../core/email.js';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError } from '../core/errors.js';
import type { StoredAnswer } from '../core/ports.js';
import { clientKeyOf } from '../core/rate-limit.js';
import type { CaptureDeps } from './deps.js';

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
 * 4. a form whose ceiling was reached (seen by an earlier request) answers 429 before any write
 * 5. in one round trip: merge into the lead deduplicated by email within the site, record the submission
 *    with its consent and source, and count it against the client's limit (its IPv4 address or IPv6 /64),
 *    all or nothing; beside it, count it against the form's ceiling. A retried submissionId gets its first
 *    answer and counts nothing against the client; over the client's limit, 429 and nothing written
 * 6. with marketing consent (and no pending double opt-in), hand out a signed visitor token for tracking
 * The form's numbers (a submission, a new lead) are counted by the table stream from the stored submission
 * (`countSubmission`), not here: nothing but the one write waits on the visitor's request.
 *
 * @throws UnknownFormError | OriginNotAllowedError | RateLimitedError | ValidationError
 */
export async function submitForm(deps: CaptureDeps, input: SubmitFormInput): Promise<SubmitFormResult> {
  const found = deps.config.findForm(input.formId);
  if (!found) throw new UnknownFormError(input.formId);
  const { site, form } = found;
  if (input.origin !== undefined && !site.allowedOrigins.includes(input.origin)) throw new OriginNotAllowedError(input.origin);
  const limits = site.rateLimit;
  const client = `${site.id}#${clientKeyOf(input.clientIp)}`;
  const clientLimit = { key: `submit#${client}`, limit: limits.submissions, windowSeconds: limits.windowSeconds };
  const ceilingKey = `form#${site.id}#${form.id}`;

  let body: ValidSubmission;
  try {
    body = validateSubmission(form, input.body);
  } catch (error) {
    const limit = await deps.rateLimiter.hit(`invalid#${client}`, limits.invalidSubmissions, limits.windowSeconds);
    if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);
    throw error;
  }
  const ceilingRetry = deps.formCeiling.retryAfter(ceilingKey);
  if (ceilingRetry !== undefined) throw new RateLimitedError(ceilingRetry);
  const countCeiling = () => deps.formCeiling.count(ceilingKey, limits.perForm.submissions, limits.perForm.windowSeconds);

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
    const [counted] = await Promise.all([deps.rateLimiter.hit(clientLimit.key, clientLimit.limit, clientLimit.windowSeconds), countCeiling()]);
    if (!counted.allowed) throw new RateLimitedError(counted.retryAfterSeconds);
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
    deps.metrics.count('Spam');
    // Indistinguishable from a real answer, token included (its events will find no lead).
    return withToken({ status: 201, leadId: deps.ids.newId(), ...reply });
  }

  const email = normaliseEmail(body.fields.email);
  const entry = timelineEntry(form, submissionId, body, at, input.userAgent, consent);
  const write = {
    siteId: site.id,
    email,
    emailKey: emailKey(email),
    profile: profileOf(body),
    ...(consent && { consent }),
    source: {
      formId: form.id,
      ...(entry.variant && { variant: entry.variant }),
      at,
      ...(entry.pageUrl && { pageUrl: entry.pageUrl }),
      ...(entry.referrer && { referrer: entry.referrer }),
      ...(entry.utm && { utm: entry.utm }),
      ...(body.context?.timeZone && { timeZone: body.context.timeZone }),
    },
    entry,
    newLeadId: deps.ids.newId(),
    reply,
    counted: !isTestAddress(email),
  };
  const [outcome] = await Promise.all([deps.leads.capture(write, clientLimit), countCeiling()]);
  if ('limited' in outcome) throw new RateLimitedError(outcome.limited.retryAfterSeconds);
  if ('stored' in outcome && write.counted) {
    deps.metrics.count('Captures');
    if (outcome.stored.status === 201) deps.metrics.count('NewLeads');
    // The form's numbers (submissions, new leads) are counted off this path, by the table stream
    // (countSubmission): the capture stays one round trip.
  }
  return withToken('stored' in outcome ? outcome.stored : outcome.replayed);
}

const answer = (a: { status: 201 | 200; leadId: string; next: SubmissionResponse['next']; message?: string }): SubmitFormResult => ({
  status: a.status,
  body: { leadId: a.leadId, next: a.next, ...(a.message && { message: a.message }) },
});
