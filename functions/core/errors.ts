/**
 * Errors a caller is meant to see. Each class carries the status it is answered with (and the headers
 * that go with it), so the edge maps an error by reading it, in one place (`functions/handlers/http.ts`).
 * A DomainError without a status is a bug: answered as a generic 500 and logged. Anything else thrown is
 * a bug too, answered the same way, never with its message.
 */
export class DomainError extends Error {
  /** The HTTP status this error is answered with. */
  readonly status: number | undefined = undefined;
  /** Per-field problems keyed by path (`fields.email`, `query.limit`), when the error is about input. */
  readonly fields: Record<string, string> | undefined = undefined;
  /** Response headers that go with the status (Retry-After, WWW-Authenticate). */
  headers(): Record<string, string> {
    return {};
  }
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnknownFormError extends DomainError {
  override readonly status = 404;
  constructor(formId: string) {
    super('form_not_found', `No form with id "${formId}"`);
  }
}

export class OriginNotAllowedError extends DomainError {
  override readonly status = 403;
  constructor(origin: string) {
    super('origin_not_allowed', `Origin ${origin} may not submit this form`);
  }
}

export class RateLimitedError extends DomainError {
  override readonly status = 429;
  override headers() {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
  constructor(
    readonly retryAfterSeconds: number,
    what = 'submissions',
  ) {
    super('rate_limited', `Too many ${what}; try again in ${retryAfterSeconds} s`);
  }
}

/** Input that does not satisfy the contract; `fields` maps each bad path to what is wrong with it. */
export class ValidationError extends DomainError {
  override readonly status = 400;
  override readonly fields: Record<string, string>;
  constructor(fields: Record<string, string>, message = `Invalid ${Object.keys(fields).join(', ')}`) {
    super('validation_error', message);
    this.fields = fields;
  }
}

export class UnauthorizedError extends DomainError {
  override readonly status = 401;
  override headers() {
    return { 'www-authenticate': 'Bearer' };
  }
  constructor() {
    super('unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
  }
}

/** A console request without a token the issuer signed for the console, unexpired. */
export class SignInRequiredError extends DomainError {
  override readonly status = 401;
  override headers() {
    return { 'www-authenticate': 'Bearer error="invalid_token"' };
  }
  constructor() {
    super('sign_in_required', 'Sign in again: the token is missing, expired, or not one this console accepts');
  }
}

/** A signed-in person none of whose roles the route allows. */
export class ForbiddenError extends DomainError {
  override readonly status = 403;
  constructor(allowed: readonly string[]) {
    super('forbidden', `Your roles do not allow this (it takes one of: ${allowed.join(', ')})`);
  }
}

/** An admin limited to some sites: API keys and the audit log span every site, so they are not theirs. */
export class SiteLimitedError extends DomainError {
  override readonly status = 403;
  constructor() {
    super('forbidden', 'This takes an admin of every site: API keys and the audit log span them all');
  }
}

/** A lead marked as not a fit is no prospect: it cannot be claimed until requalified. */
export class NotAFitError extends DomainError {
  override readonly status = 409;
  constructor() {
    super('not_a_fit', 'This lead is marked as not a fit: requalify it first');
  }
}

export class ApiKeyNotFoundError extends DomainError {
  override readonly status = 404;
  constructor() {
    super('not_found', 'No such API key (or it was revoked already)');
  }
}

/** An export that does not exist, has expired from the table, or is someone else's. */
export class ExportNotFoundError extends DomainError {
  override readonly status = 404;
  constructor() {
    super('not_found', 'No such export (exports are kept for a day, and only the person who started one sees it)');
  }
}

/** No such person in the console's directory. */
export class PersonNotFoundError extends DomainError {
  override readonly status = 404;
  constructor() {
    super('not_found', 'No such person');
  }
}

/** A person with this address is in the directory already. */
export class PersonExistsError extends DomainError {
  override readonly status = 409;
  constructor() {
    super('person_exists', 'A person with this email address is already in the console (change their roles instead)');
  }
}

/** The console's people are managed by the operator's own OpenID provider, not here. */
export class ManagedElsewhereError extends DomainError {
  override readonly status = 409;
  constructor() {
    super('managed_elsewhere', 'People sign in with your own OpenID provider: add them, and give them roles, there');
  }
}

export class LeadNotFoundError extends DomainError {
  override readonly status = 404;
  constructor() {
    super('lead_not_found', 'No such lead');
  }
}

/** No webhook delivery with this id that the caller may see. */
export class DeliveryNotFoundError extends DomainError {
  override readonly status = 404;
  constructor() {
    super('delivery_not_found', 'No such delivery');
  }
}

/** A visitor token that is malformed, forged, expired or for another site. */
export class InvalidVisitorTokenError extends DomainError {
  override readonly status = 401;
  override readonly fields = { visitorToken: 'is not a valid visitor token (malformed, forged, expired or for another site)' };
  constructor() {
    super('invalid_visitor_token', 'Invalid visitorToken');
  }
}

/** Sending failed for a reason a retry may fix: throttling, a service outage, sending paused on the account. */
export class TransientMailError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Email not sent (will retry): ${reason}`, options);
    this.name = 'TransientMailError';
  }
}

/**
 * The mail service will not send from this sender yet: the domain is not verified (DKIM pending, up to
 * 72 hours after the records are published) or, in the SES sandbox, the recipient is not verified. No
 * email is lost for it: the job is held and tried again later (`handleMailJob`), not failed.
 */
export class SenderNotReadyError extends TransientMailError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'SenderNotReadyError';
  }
}

/** Sending failed for a reason no retry will fix (the address is rejected): stop, and record why. */
export class PermanentMailError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Email not sent: ${reason}`, options);
    this.name = 'PermanentMailError';
  }
}

/** Another sales rep took this prospect first. */
/** The mail service refused a test email (an unverified sender or, in the sandbox, recipient; a rejected address). */
export class TestNotSentError extends DomainError {
  override readonly status = 409;
  constructor(reason: string) {
    super('test_not_sent', `The mail service did not send the test: ${reason}`);
  }
}

export class AlreadyClaimedError extends DomainError {
  override readonly status = 409;
  constructor(readonly claim: { rep: string; at: string }) {
    super('already_claimed', `Already claimed by ${claim.rep} at ${claim.at}`);
  }
}

/** Release of a prospect nobody holds. */
export class NotClaimedError extends DomainError {
  override readonly status = 409;
  constructor() {
    super('not_claimed', 'Nobody has claimed this prospect');
  }
}

/** A transient failure under load (the store is busy, a write kept conflicting): try again in a moment. */
export class BusyError extends DomainError {
  override readonly status = 503;
  override headers() {
    return { 'retry-after': '1' };
  }
  constructor() {
    super('unavailable', 'Busy: please try again in a moment');
  }
}
