/**
 * Domain errors. They know nothing of HTTP: `functions/handlers/http.ts` maps each to a status in one place.
 * Anything else thrown is a bug and becomes a generic 500 with a request id, never its message.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnknownFormError extends DomainError {
  constructor(formId: string) {
    super('form_not_found', `No form with id "${formId}"`);
  }
}

export class OriginNotAllowedError extends DomainError {
  constructor(origin: string) {
    super('origin_not_allowed', `Origin ${origin} may not submit this form`);
  }
}

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `Too many submissions; try again in ${retryAfterSeconds} s`);
  }
}

/** Input that does not satisfy the contract; `fields` maps each bad path to what is wrong with it. */
export class ValidationError extends DomainError {
  constructor(
    readonly fields: Record<string, string>,
    message = `Invalid ${Object.keys(fields).join(', ')}`,
  ) {
    super('validation_error', message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor() {
    super('unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
  }
}

export class LeadNotFoundError extends DomainError {
  constructor() {
    super('lead_not_found', 'No such lead');
  }
}

/** No webhook delivery with this id that the caller may see. */
export class DeliveryNotFoundError extends DomainError {
  constructor() {
    super('delivery_not_found', 'No such delivery');
  }
}

/** A visitor token that is malformed, forged, expired or for another site. */
export class InvalidVisitorTokenError extends DomainError {
  readonly fields = { visitorToken: 'is not a valid visitor token (malformed, forged, expired or for another site)' };
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
export class AlreadyClaimedError extends DomainError {
  constructor(readonly claim: { rep: string; at: string }) {
    super('already_claimed', `Already claimed by ${claim.rep} at ${claim.at}`);
  }
}
