import { type ValidSubmission, consentRecord, profileOf, submissionAnswer, spamReason, timelineEntry, validateSubmission } from '../core/capture.js';
import type { SubmissionResponse } from '../core/contracts.js';
import { emailKey, isTestAddress, normaliseEmail } from '../core/email.js';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError } from '../core/errors.js';
import type { VisitorGrant } from '../core/ports.js';
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
  /** Always 202: a new address, a known one and a caught bot are answered alike. */
  status: 202;
  body: SubmissionResponse;
}

/**
 * Submit a form.
 * 1. find the form and check the page's origin may embed it
 * 2. validate the body against the form's declared fields; an invalid one counts against the client's
 *    looser limit of invalid submissions (over it: 429 instead of 400)
 * 3. a form whose ceiling was reached (seen by an earlier request) answers 429 before any write
 * 4. bots (honeypot, no plausible timer, too fast): counted like submissions, kept as spam, and answered
 *    exactly as a lead is, with the same requests to the table (`recordSpam`)
 * 5. in two round trips, the same for every address: is the address a lead; then merge into the lead
 *    deduplicated by email within the site (or, for a browser that cannot show it created that lead, record
 *    a claim that changes nothing the lead was), record the submission with its consent and source, and
 *    count it against the client's limit (its IPv4 address or IPv6 /64), all or nothing; beside it, count
 *    it against the form's ceiling. A retried submissionId gets its first answer and counts nothing against
 *    the client; over the client's limit, 429 and nothing written
 * 6. with marketing consent (and no pending double opt-in), hand out an opaque visitor token: what this
 *    browser may do with the lead (a creator's or a claim's), and the fields it gave
 * The answer is 202 with `next` and the submission id, whatever happened: it never tells a known address
 * from a new one, or a bot from a person (docs/security.md). The form's numbers (a submission, a new lead)
 * are counted by the table stream from the stored submission (`countSubmission`).
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
  const reply = submissionAnswer(form);
  const email = normaliseEmail(body.fields.email);
  const key = emailKey(email);
  const profile = profileOf(body);
  const given = Object.keys(profile).filter((f) => profile[f as keyof typeof profile]);
  // What this browser showed it holds for the site: a token of another site, forged or expired, is none.
  const shown = body.visitorToken === undefined ? undefined : await deps.visitorTokens.verify(body.visitorToken);
  const prior = shown?.siteId === site.id ? shown : undefined;

  const consent = consentRecord(form, body, at);
  // The answer is the one stored with the submission (a retry gets its first answer, whatever form it is
  // sent to now). Tracking starts only with marketing consent, and on a double opt-in form only once the
  // address is confirmed: a retried id of a confirmation link gets no token.
  const respond = async (leadId: string, trust: VisitorGrant['trust'], answered: typeof reply = reply): Promise<SubmitFormResult> => {
    const response: SubmissionResponse = { submissionId, next: answered.next, ...(answered.message && { message: answered.message }) };
    if (consent?.granted === true && answered.next.type !== 'confirm-email') {
      const fields = [...new Set([...given, ...(prior?.leadId === leadId ? prior.fields : [])])];
      response.visitorToken = await deps.visitorTokens.issue({ siteId: site.id, leadId, trust, fields });
    }
    return { status: 202, body: response };
  };

  const spam = spamReason(form, body, now);
  if (spam) {
    const fieldLengths = Object.fromEntries(Object.entries(body.fields).map(([name, value]) => [name, String(value).length]));
    const record = {
      siteId: site.id,
      emailKey: key,
      formId: form.id,
      submissionId,
      reason: spam,
      at,
      fieldLengths,
      ...(input.userAgent && { userAgent: input.userAgent }),
    };
    const [outcome] = await Promise.all([deps.leads.recordSpam(record, clientLimit), countCeiling()]);
    if (outcome) throw new RateLimitedError(outcome.limited.retryAfterSeconds);
    deps.metrics.count('Spam');
    // Its token stands for a lead that was never stored, the same one for each submission of this address
    // (its events are kept nowhere; its rate limits are that address's).
    return respond(`bot-${key.slice(0, 32)}`, 'creator');
  }

  const entry = timelineEntry(form, submissionId, body, at, input.userAgent, consent);
  const write = {
    siteId: site.id,
    email,
    emailKey: key,
    profile,
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
    ...(prior?.trust === 'creator' && { trustedLeadId: prior.leadId }),
    reply,
    counted: !isTestAddress(email),
  };
  const [outcome] = await Promise.all([deps.leads.capture(write, clientLimit), countCeiling()]);
  if ('limited' in outcome) throw new RateLimitedError(outcome.limited.retryAfterSeconds);
  if ('stored' in outcome && write.counted) {
    deps.metrics.count('Captures');
    if (outcome.stored.status === 201) deps.metrics.count('NewLeads');
    // The form's numbers (submissions, new leads) are counted off this path, by the table stream
    // (countSubmission): the capture stays two round trips.
  }
  const stored = 'stored' in outcome ? outcome.stored : outcome.replayed;
  return respond(stored.leadId, stored.claim ? 'claim' : 'creator', stored);
}
