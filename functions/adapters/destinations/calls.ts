import type { DeliveryVerdict, WebhookOutcome } from '../../core/ports.js';
import { classifyResponse } from '../../core/webhooks/retry.js';
import type { MappingContext } from '../../core/destinations/mapping.js';
import type { VendorAnswer, VendorHttp, VendorRequest } from './http.js';

/** What a vendor adapter gets: the HTTP client, the destination's credentials, and where its API is. */
export interface VendorContext {
  http: VendorHttp;
  /** The destination's secret as stored (a token, a JSON of client credentials, a hook URL). */
  credentials: () => Promise<string>;
  /** Replaces the vendor's origin (the local validating mocks); never set on AWS. */
  origin?: string;
  mapping: MappingContext;
  now: () => Date;
}

/** What an answer that did not succeed means: the verdict, words for the log, and how long the vendor asked to wait. */
export interface Refusal {
  verdict: DeliveryVerdict;
  error: string;
  retryAfter?: string;
}

/**
 * The calls of one delivery: their latency summed, and the first that did not succeed turned into the
 * delivery's outcome, with the vendor's verdict.
 */
export class Calls {
  private latencyMs = 0;
  private lastStatus = 0;

  constructor(private readonly http: VendorHttp) {}

  async call(request: VendorRequest): Promise<VendorAnswer> {
    const answer = await this.http.call(request);
    this.latencyMs += answer.latencyMs;
    if (answer.kind === 'response') this.lastStatus = answer.status;
    return answer;
  }

  /** The delivery succeeded. */
  done(): WebhookOutcome {
    return { kind: 'response', status: this.lastStatus || 200, latencyMs: this.latencyMs, verdict: 'delivered' };
  }

  /** The delivery ends on this answer: a timeout or network failure as such, a response with the vendor's meaning. */
  failed(answer: VendorAnswer, refusal: Refusal): WebhookOutcome {
    if (answer.kind === 'timeout') return { kind: 'timeout', latencyMs: this.latencyMs };
    if (answer.kind === 'network') return { kind: 'network', ...(answer.code && { code: answer.code }), message: answer.message, latencyMs: this.latencyMs };
    return {
      kind: 'response',
      status: answer.status,
      latencyMs: this.latencyMs,
      verdict: refusal.verdict,
      error: refusal.error.slice(0, 300),
      ...(refusal.retryAfter && { retryAfter: refusal.retryAfter }),
    };
  }
}

export const ok = (answer: VendorAnswer): answer is Extract<VendorAnswer, { kind: 'response' }> =>
  answer.kind === 'response' && answer.status >= 200 && answer.status < 300;

/** The common meaning of a status no vendor rule covered: as a webhook's (`classifyResponse`), in the vendor's words. */
export function byStatus(status: number, message: string): Refusal {
  const verdict = classifyResponse({ kind: 'response', status });
  return { verdict: verdict === 'delivered' ? 'retry' : verdict, error: `${status}: ${message}` };
}

/**
 * A destination's secret that cannot be used. Its message is fixed text: never the secret, nor a parser's
 * quote of it (JSON.parse's errors quote their input).
 */
export class DestinationSecretError extends Error {
  override readonly name = 'DestinationSecretError';
}

/** The secret as a token: trimmed, and not empty. */
export async function tokenOf(ctx: Pick<VendorContext, 'credentials'>): Promise<string> {
  const token = (await ctx.credentials()).trim();
  if (!token) throw new DestinationSecretError('the secret is empty');
  return token;
}

/** A vendor's 404 to a delete: there was nothing to erase, which is what erasure wants. */
export const gone = (answer: VendorAnswer): boolean => answer.kind === 'response' && answer.status === 404;

/** A vendor's credentials were refused: retried (a rotated secret is read again within minutes), never dropped. */
export const credentialsRefused = (status: number, vendor: string): Refusal => ({
  verdict: 'retry',
  error: `${status}: ${vendor} refused the credentials (wrong, expired or missing a scope): fix the destination's secret; the delivery is retried`,
});

/** The message of a JSON error body, short. */
export function messageOf(answer: VendorAnswer): string {
  if (answer.kind !== 'response') return answer.kind;
  const j = answer.json as { message?: unknown; error?: unknown } | { message?: unknown; error?: unknown }[] | undefined;
  const first = Array.isArray(j) ? j[0] : j;
  const text = typeof first?.message === 'string' ? first.message : typeof first?.error === 'string' ? first.error : answer.text;
  return String(text).replace(/\s+/g, ' ').slice(0, 200) || `status ${answer.status}`;
}

/** A URL on the vendor's origin, or on the mock's in its place. */
export const at = (ctx: Pick<VendorContext, 'origin'>, origin: string, path: string): string => `${ctx.origin ?? origin}${path}`;
