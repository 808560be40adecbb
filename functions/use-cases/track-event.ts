import { fieldErrors } from '../core/field-errors.js';
import { EventBody, type EventResponse, type PageViewedEntry } from '../core/contracts.js';
import { InvalidVisitorTokenError, OriginNotAllowedError, RateLimitedError, ValidationError } from '../core/errors.js';
import { pagePath } from '../core/scoring/paths.js';
import type { CaptureDeps } from './deps.js';

export interface TrackEventInput {
  /** The parsed JSON body, not yet validated. */
  body: unknown;
  /** The browser's Origin header; absent for server-side senders. */
  origin?: string;
}

/** Events per lead per minute (per Lambda environment): a looping page cannot flood a lead's partition. */
export const EVENTS_PER_MINUTE = 60;

/**
 * Record a page view of a known visitor.
 * 1. validate the body (4xx naming the field)
 * 2. verify the visitor token (signed, unexpired): anonymous or forged → 401
 * 3. the page (and the Origin, when sent) must be on one of the token's site's allowed origins → 403
 * 4. rate-limit per lead
 * 5. store it on the lead's timeline, idempotent by eventId; only the path is kept; a claim's view is marked
 *    `unverified` (it does not score until the address owner acts after it). A lead without marketing
 *    consent (never given, withdrawn, unsubscribed) → 202 `ignored`, nothing stored. The stream then
 *    re-scores the lead.
 * Every other outcome answers 202 `recorded`: a new event, a retried one, one whose lead does not exist,
 * and, to a claim's token, one whose lead does not consent. A bot caught at submission got a token for a lead that was never stored; were its page views
 * answered differently from a real lead's (a 404, or `duplicate` on a retry), it could tell it was caught.
 */
export async function trackEvent(deps: CaptureDeps, input: TrackEventInput): Promise<EventResponse> {
  const parsed = EventBody.safeParse(input.body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const body = parsed.data;

  const visitor = await deps.visitorTokens.verify(body.visitorToken);
  const site = visitor && deps.config.findSite(visitor.siteId);
  if (!visitor || !site) throw new InvalidVisitorTokenError();
  const pageOrigin = new URL(body.url).origin;
  for (const origin of [pageOrigin, input.origin]) {
    if (origin !== undefined && !site.allowedOrigins.includes(origin)) throw new OriginNotAllowedError(origin);
  }

  const limit = await deps.eventRateLimiter.hit(`events:${visitor.leadId}`, EVENTS_PER_MINUTE, 60);
  if (!limit.allowed) throw new RateLimitedError(limit.retryAfterSeconds);

  const entry: PageViewedEntry = {
    type: 'page_viewed',
    at: deps.clock.now().toISOString(),
    eventId: body.eventId,
    path: pagePath(body.url) ?? '/',
    ...(body.title && { title: body.title }),
    ...(body.referrer && { referrer: withoutQuery(body.referrer) }),
    // A claim's browser typed an address it has not proven: its views are kept, and score only once the owner acts.
    ...(visitor.trust === 'claim' && { unverified: true as const }),
  };
  const outcome = await deps.leads.recordEvent(site.id, visitor.leadId, entry);
  if (outcome === 'recorded') deps.metrics.count('PageViews');
  // Only the lead's own browser learns that it stopped consenting (so it stops sending): told to a claim's
  // token, `ignored` would say the address is a lead without consent.
  return outcome === 'unsubscribed' && visitor.trust === 'creator' ? { status: 'ignored', reason: 'unsubscribed' } : { status: 'recorded' };
}

/** A referrer's query string can carry anything (search terms, tokens, addresses): keep origin and path. */
const withoutQuery = (url: string): string => {
  const u = new URL(url);
  return u.origin + u.pathname;
};
