import { importPKCS8, SignJWT } from 'jose';
import type { SalesforceDestination } from '../../core/destinations/config.js';
import { mapFields, scoreExplanation } from '../../core/destinations/mapping.js';
import type { ErasureSubject, WebhookOutcome } from '../../core/ports.js';
import type { WebhookPayload } from '../../core/webhooks/payload.js';
import { at, byStatus, Calls, credentialsRefused, DestinationSecretError, gone, messageOf, ok, type Refusal, type VendorContext } from './calls.js';
import type { VendorAnswer } from './http.js';

/** The Lead fields a Salesforce destination sets unless its config says otherwise. */
export const SALESFORCE_FIELDS = {
  Email: 'email',
  FirstName: 'profile.firstName',
  LastName: 'profile.lastName',
  Company: 'profile.company',
  Title: 'profile.jobTitle',
  Phone: 'profile.phone',
  Country: 'profile.country',
} as const;

/** Salesforce requires both on a Lead: what goes there when the lead never said (Salesforce's own convention). */
const NOT_PROVIDED = '[not provided]';

/** How long an access token is used before a new one is asked for (Salesforce's session timeout is 2 h by default; a 401 asks sooner). */
export const SALESFORCE_TOKEN_MS = 30 * 60_000;

/** The connected app's credentials from the secret; fixed words when it is not what they should be (a parser's error would quote it). */
function tokenCredentials(raw: string): { clientId: string; clientSecret?: string; username?: string; privateKey?: string } {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new DestinationSecretError('it is not JSON: a Salesforce secret is {"clientId", "clientSecret"} or {"clientId", "username", "privateKey"}');
  }
  if (typeof parsed?.clientId !== 'string') throw new DestinationSecretError('it has no clientId');
  return parsed as { clientId: string };
}

/**
 * Salesforce's answers (REST API Developer Guide, "Status Codes and Error Responses"; OAuth "Token errors"):
 * 401 `INVALID_SESSION_ID` (the token expired: a new one is asked for at once, in the same try), 403
 * `REQUEST_LIMIT_EXCEEDED` (the org's rolling 24 h API limit: wait an hour), `UNABLE_TO_LOCK_ROW` (retry),
 * 400 `invalid_grant`/`invalid_client` at the token endpoint (credentials refused: retried, so a fixed
 * secret recovers), other 4xx (`REQUIRED_FIELD_MISSING`, `INVALID_FIELD`…) final, 5xx retried.
 */
export function salesforceRefusal(answer: VendorAnswer): Refusal {
  if (answer.kind !== 'response') return { verdict: 'retry', error: answer.kind };
  const errors = (Array.isArray(answer.json) ? answer.json : []) as { errorCode?: string; message?: string }[];
  const code = errors[0]?.errorCode ?? (answer.json as { error?: string } | undefined)?.error;
  if (code === 'REQUEST_LIMIT_EXCEEDED')
    return { verdict: 'retry', error: `${answer.status} REQUEST_LIMIT_EXCEEDED: the org used its daily API requests`, retryAfter: '3600' };
  if (code === 'UNABLE_TO_LOCK_ROW') return { verdict: 'retry', error: `${answer.status} UNABLE_TO_LOCK_ROW` };
  if (answer.status === 401 || code === 'invalid_grant' || code === 'invalid_client' || code === 'INVALID_SESSION_ID')
    return credentialsRefused(answer.status, 'Salesforce');
  return byStatus(answer.status, `${code ? `${code}: ` : ''}${messageOf(answer)}`);
}

/**
 * A Salesforce connection: asks for an access token (client credentials, or a JWT bearer assertion signed
 * with the connected app's key) and keeps it for {@link SALESFORCE_TOKEN_MS}; a 401 drops it and asks again once.
 */
export class SalesforceSession {
  private tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly now: () => Date) {}

  private async token(ctx: VendorContext, destination: SalesforceDestination, calls: Calls, key: string): Promise<string | VendorAnswer> {
    const cached = this.tokens.get(key);
    if (cached && cached.until > this.now().getTime()) return cached.token;
    const secret = tokenCredentials(await ctx.credentials());
    const form: Record<string, string> =
      destination.auth === 'client_credentials'
        ? { grant_type: 'client_credentials', client_id: secret.clientId, client_secret: secret.clientSecret ?? '' }
        : { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await jwtAssertion(destination, secret, this.now()) };
    const answer = await calls.call({ method: 'POST', url: at(ctx, destination.instanceUrl, '/services/oauth2/token'), form });
    if (!ok(answer)) return answer;
    const token = (answer.json as { access_token?: unknown } | undefined)?.access_token;
    // A 200 without a token is no sign-in: never taken for a delivered call.
    if (typeof token !== 'string' || !token)
      return { ...answer, status: 502, json: [{ errorCode: 'NO_ACCESS_TOKEN', message: 'the token endpoint answered without an access token' }] };
    this.tokens.set(key, { token, until: this.now().getTime() + SALESFORCE_TOKEN_MS });
    return token;
  }

  /** One authenticated call, with a new token and a second go when the first token was refused. */
  async call(
    ctx: VendorContext,
    destination: SalesforceDestination,
    calls: Calls,
    key: string,
    request: (token: string) => Parameters<Calls['call']>[0],
  ): Promise<VendorAnswer> {
    for (let go = 0; ; go++) {
      const token = await this.token(ctx, destination, calls, key);
      if (typeof token !== 'string') return token;
      const answer = await calls.call(request(token));
      if (answer.kind !== 'response' || answer.status !== 401 || go > 0) return answer;
      this.tokens.delete(key);
    }
  }
}

async function jwtAssertion(
  destination: SalesforceDestination,
  secret: { clientId: string; username?: string; privateKey?: string },
  now: Date,
): Promise<string> {
  if (!secret.username || !secret.privateKey) throw new DestinationSecretError('a JWT bearer secret needs username and privateKey');
  const key = await importPKCS8(secret.privateKey, 'RS256').catch(() => {
    throw new DestinationSecretError('its privateKey is not an RSA private key in PKCS #8 PEM');
  });
  const audience = /\.sandbox\.my\.salesforce\.com$/.test(new URL(destination.instanceUrl).hostname)
    ? 'https://test.salesforce.com'
    : 'https://login.salesforce.com';
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(secret.clientId)
    .setSubject(secret.username)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 180)
    .sign(key);
}

/**
 * Deliver an event to Salesforce in one composite request (all or none), idempotently:
 * 1. upsert the Lead by its external-id field = Funnel's lead id (PATCH …/sobjects/Lead/{field}/{id})
 * 2. with `task`: upsert a completed Task keyed by the delivery, on that Lead (`WhoId: @{lead.id}`),
 *    with the score and why
 * A new Lead missing LastName or Company is sent again with `[not provided]` there.
 */
export async function deliverToSalesforce(
  ctx: VendorContext,
  session: SalesforceSession,
  destination: SalesforceDestination,
  siteId: string,
  payload: WebhookPayload,
  deliveryId: string,
): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const v = destination.apiVersion;
  const mapped = mapFields(payload, { ...SALESFORCE_FIELDS, ...destination.fields }, ctx.mapping);
  const composite = (lead: Record<string, unknown>) => {
    const compositeRequest: { method: string; url: string; referenceId: string; body: Record<string, unknown> }[] = [
      {
        method: 'PATCH',
        url: `/services/data/${v}/sobjects/Lead/${destination.externalIdField}/${encodeURIComponent(payload.data.lead.id)}`,
        referenceId: 'lead',
        body: lead,
      },
    ];
    if (destination.task)
      compositeRequest.push({
        method: 'PATCH',
        url: `/services/data/${v}/sobjects/Task/${destination.task.externalIdField}/${encodeURIComponent(deliveryId)}`,
        referenceId: 'task',
        body: {
          WhoId: '@{lead.id}',
          Subject: `Funnel: ${payload.type}`,
          Description: scoreExplanation(payload.data.lead.score) ?? 'Not scored',
          Status: 'Completed',
          ActivityDate: payload.timestamp.slice(0, 10),
        },
      });
    return session.call(ctx, destination, calls, `${siteId}/${destination.id}`, (token) => ({
      method: 'POST',
      url: at(ctx, destination.instanceUrl, `/services/data/${v}/composite`),
      headers: { authorization: `Bearer ${token}` },
      json: { allOrNone: true, compositeRequest },
    }));
  };
  // What the lead gave, and nothing more: an update never overwrites what sales typed. Only a new Lead
  // that lacks Salesforce's required LastName or Company gets `[not provided]` there, on a second request.
  let answer = await composite(mapped);
  let cause = failedPart(answer);
  if (cause && errorCodeOf(cause.body) === 'REQUIRED_FIELD_MISSING') {
    answer = await composite({ LastName: NOT_PROVIDED, Company: NOT_PROVIDED, ...mapped });
    cause = failedPart(answer);
  }
  if (!ok(answer)) return calls.failed(answer, salesforceRefusal(answer));
  if (!cause) return calls.done();
  const part = { ...answer, status: cause.httpStatusCode, json: cause.body, text: JSON.stringify(cause.body) };
  return calls.failed(part, salesforceRefusal(part));
}

type CompositePart = { httpStatusCode: number; body: unknown };
const errorCodeOf = (body: unknown) => (Array.isArray(body) ? (body as { errorCode?: string }[])[0]?.errorCode : undefined);

/**
 * The subrequest whose failure decides a composite answer: the first real one (not the others'
 * PROCESSING_HALTED). An answer without its parts is no delivery either.
 */
function failedPart(answer: VendorAnswer): CompositePart | undefined {
  if (!ok(answer)) return undefined;
  const parts = (answer.json as { compositeResponse?: CompositePart[] } | undefined)?.compositeResponse;
  if (!Array.isArray(parts) || !parts.length)
    return { httpStatusCode: 502, body: [{ errorCode: 'NO_COMPOSITE_RESPONSE', message: 'Salesforce answered without the subrequests' }] };
  const failed = parts.filter((p) => p.httpStatusCode >= 300);
  return failed.find((p) => errorCodeOf(p.body) !== 'PROCESSING_HALTED') ?? failed[0];
}

/** Erase the Lead by its external id (its Tasks go with it). A Lead already gone is done. */
export async function eraseFromSalesforce(
  ctx: VendorContext,
  session: SalesforceSession,
  destination: SalesforceDestination,
  subject: ErasureSubject,
): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const answer = await session.call(ctx, destination, calls, `${subject.siteId}/${destination.id}`, (token) => ({
    method: 'DELETE',
    url: at(
      ctx,
      destination.instanceUrl,
      `/services/data/${destination.apiVersion}/sobjects/Lead/${destination.externalIdField}/${encodeURIComponent(subject.leadId)}`,
    ),
    headers: { authorization: `Bearer ${token}` },
  }));
  return gone(answer) || ok(answer) ? calls.done() : calls.failed(answer, salesforceRefusal(answer));
}
