import type { PipedriveDestination } from '../../core/destinations/config.js';
import { displayName, mapFields, type FieldValue } from '../../core/destinations/mapping.js';
import type { ErasureSubject, WebhookOutcome } from '../../core/ports.js';
import type { WebhookPayload } from '../../core/webhooks/payload.js';
import { at, byStatus, Calls, credentialsRefused, gone, messageOf, ok, type Refusal, tokenOf, type VendorContext } from './calls.js';
import type { VendorAnswer } from './http.js';

export const PIPEDRIVE_API = 'https://api.pipedrive.com';

/** The person fields a Pipedrive destination sets unless its config says otherwise. */
export const PIPEDRIVE_FIELDS = { job_title: 'profile.jobTitle', phone: 'profile.phone' } as const;

/** A Pipedrive lead Funnel made carries this origin id, so a retry finds it instead of adding another. */
export const originIdOf = (leadId: string) => `funnel:${leadId}`;

/**
 * Pipedrive's answers (pipedrive.readme.io "Rate limiting", "HTTP status codes"): 429 (wait its
 * `Retry-After`, else `x-ratelimit-reset` seconds), 401/403 the token refused or lacking access, 402 the
 * plan lacks the feature (final), other 4xx final, 5xx retried.
 */
export function pipedriveRefusal(answer: VendorAnswer): Refusal {
  if (answer.kind !== 'response') return { verdict: 'retry', error: answer.kind };
  if (answer.status === 429) {
    const retryAfter = answer.headers['retry-after'] ?? answer.headers['x-ratelimit-reset'] ?? '2';
    return { verdict: 'retry', error: "429: Pipedrive's rate limit", retryAfter };
  }
  if (answer.status === 401 || answer.status === 403) return credentialsRefused(answer.status, 'Pipedrive');
  return byStatus(answer.status, messageOf(answer));
}

/**
 * The person as Pipedrive's API v2 takes it: standard fields at the top, 40-character hash keys under
 * `custom_fields`. A new person gets the name (first and last, else the address), the address and the
 * phone; an update sends only the mapped fields the lead has values for, so it never replaces the name,
 * emails or phones sales keep on the person (Pipedrive's update replaces a list whole).
 */
function personBody(payload: WebhookPayload, destination: PipedriveDestination, ctx: VendorContext, isNew: boolean): Record<string, unknown> {
  const lead = payload.data.lead;
  const mapped = destination.fields ?? {};
  const values = mapFields(payload, { ...PIPEDRIVE_FIELDS, ...mapped }, ctx.mapping);
  const body: Record<string, unknown> = {};
  if (isNew) {
    body.name = String(values.name ?? displayName(lead));
    body.emails = [{ value: lead.email, primary: true, label: 'work' }];
  } else if ('name' in mapped && values.name !== undefined) body.name = String(values.name);
  const custom: Record<string, FieldValue> = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === 'name') continue;
    if (field === 'phone') {
      if (isNew) body.phones = [{ value: String(value), primary: true, label: 'work' }];
    } else if (field === 'job_title') body.job_title = String(value);
    else custom[field] = value;
  }
  if (Object.keys(custom).length) body.custom_fields = custom;
  return body;
}

/** The leads on the person that Funnel made for this lead (by their origin id), or the answer that refused the list. */
async function leadsMadeFor(
  ctx: VendorContext,
  calls: Calls,
  headers: Record<string, string>,
  personId: number,
  leadId: string,
): Promise<{ id: string }[] | VendorAnswer> {
  const answer = await calls.call({ method: 'GET', url: at(ctx, PIPEDRIVE_API, `/v1/leads?person_id=${personId}&limit=500`), headers });
  if (!ok(answer)) return answer;
  const leads = (answer.json as { data?: { id: string; origin_id?: string | null }[] | null } | undefined)?.data ?? [];
  return leads.filter((l) => l.origin_id === originIdOf(leadId));
}

async function findPerson(ctx: VendorContext, calls: Calls, headers: Record<string, string>, email: string): Promise<number | undefined | VendorAnswer> {
  const query = new URLSearchParams({ term: email, fields: 'email', exact_match: 'true', limit: '1' });
  const answer = await calls.call({ method: 'GET', url: at(ctx, PIPEDRIVE_API, `/api/v2/persons/search?${query}`), headers });
  if (!ok(answer)) return answer;
  return (answer.json as { data?: { items?: { item?: { id?: number } }[] } } | undefined)?.data?.items?.[0]?.item?.id;
}

/**
 * Deliver an event to Pipedrive. Pipedrive has no upsert, so:
 * 1. find the person by email (API v2 search, exact); update them, or add them
 * 2. unless the person has a lead Funnel made (its `origin_id`), add a lead on them
 * A retry finds what the first try made. One gap is Pipedrive's: its search index lags a new person by
 * seconds, so a try whose answer was lost after the person was made, retried within that lag, could add
 * a second person (docs/hand-off.md says so); the first retry waits at least 4 s.
 */
export async function deliverToPipedrive(ctx: VendorContext, destination: PipedriveDestination, payload: WebhookPayload): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const headers = { 'x-api-token': await tokenOf(ctx) };
  const lead = payload.data.lead;
  const found = await findPerson(ctx, calls, headers, lead.email);
  if (typeof found === 'object') return calls.failed(found, pipedriveRefusal(found));
  const saved = await calls.call(
    found === undefined
      ? { method: 'POST', url: at(ctx, PIPEDRIVE_API, '/api/v2/persons'), headers, json: personBody(payload, destination, ctx, true) }
      : { method: 'PATCH', url: at(ctx, PIPEDRIVE_API, `/api/v2/persons/${found}`), headers, json: personBody(payload, destination, ctx, false) },
  );
  // Deleted or merged between the search and the update: the next try searches again.
  if (found !== undefined && gone(saved)) return calls.failed(saved, { verdict: 'retry', error: '404: the person was deleted or merged meanwhile' });
  if (!ok(saved)) return calls.failed(saved, pipedriveRefusal(saved));
  const personId = found ?? (saved.json as { data?: { id?: number } } | undefined)?.data?.id;
  if (!destination.createLead) return calls.done();
  if (personId === undefined) return calls.failed(saved, { verdict: 'retry', error: 'Pipedrive answered without the person id' });
  const made = await leadsMadeFor(ctx, calls, headers, personId, lead.id);
  if (!Array.isArray(made)) return calls.failed(made, pipedriveRefusal(made));
  if (made.length) return calls.done();
  const added = await calls.call({
    method: 'POST',
    url: at(ctx, PIPEDRIVE_API, '/v1/leads'),
    headers,
    json: { title: `${displayName(lead)} (${payload.data.site.name})`, person_id: personId, origin_id: originIdOf(lead.id) },
  });
  return ok(added) ? calls.done() : calls.failed(added, pipedriveRefusal(added));
}

/** Erase the person found by email, and the leads Funnel made on them. None found: done. */
export async function eraseFromPipedrive(ctx: VendorContext, subject: ErasureSubject): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const headers = { 'x-api-token': await tokenOf(ctx) };
  const found = await findPerson(ctx, calls, headers, subject.email);
  if (typeof found === 'object') return calls.failed(found, pipedriveRefusal(found));
  if (found === undefined) return calls.done();
  const made = await leadsMadeFor(ctx, calls, headers, found, subject.leadId);
  if (!Array.isArray(made)) return calls.failed(made, pipedriveRefusal(made));
  for (const l of made) {
    const deleted = await calls.call({ method: 'DELETE', url: at(ctx, PIPEDRIVE_API, `/v1/leads/${encodeURIComponent(l.id)}`), headers });
    if (!gone(deleted) && !ok(deleted)) return calls.failed(deleted, pipedriveRefusal(deleted));
  }
  const deleted = await calls.call({ method: 'DELETE', url: at(ctx, PIPEDRIVE_API, `/api/v2/persons/${found}`), headers });
  return gone(deleted) || ok(deleted) ? calls.done() : calls.failed(deleted, pipedriveRefusal(deleted));
}
