import type { HubSpotDestination } from '../../core/destinations/config.js';
import { escapeHtml } from '../../core/nurture/templates.js';
import { mapFields, scoreExplanation } from '../../core/destinations/mapping.js';
import type { ErasureSubject, WebhookOutcome } from '../../core/ports.js';
import type { WebhookPayload } from '../../core/webhooks/payload.js';
import { at, byStatus, Calls, credentialsRefused, gone, messageOf, ok, type Refusal, tokenOf, type VendorContext } from './calls.js';
import type { VendorAnswer } from './http.js';

export const HUBSPOT_API = 'https://api.hubapi.com';

/** The contact properties a HubSpot destination sets unless its config says otherwise (HubSpot's own internal names). */
export const HUBSPOT_FIELDS = {
  firstname: 'profile.firstName',
  lastname: 'profile.lastName',
  company: 'profile.company',
  jobtitle: 'profile.jobTitle',
  phone: 'profile.phone',
  country: 'profile.country',
} as const;

/** Funnel's stages as HubSpot's `lifecyclestage` values (when a mapping sets `lifecyclestage`). */
const LIFECYCLE: Record<string, string> = { lead: 'lead', mql: 'marketingqualifiedlead', sql: 'salesqualifiedlead' };

/**
 * HubSpot's answers (developers.hubspot.com "API usage guidelines and limits", "Error handling"): 429 with
 * `policyName` TEN_SECONDLY_ROLLING (wait the `X-HubSpot-RateLimit-Interval-Milliseconds` window) or DAILY
 * (try again in an hour: the daily limit resets at midnight in the account's time zone); 401/403 the
 * token refused or lacking a scope; 207 a batch with failures; other 4xx final; 5xx retried.
 */
export function hubspotRefusal(answer: VendorAnswer): Refusal {
  if (answer.kind !== 'response') return { verdict: 'retry', error: answer.kind };
  const body = (answer.json ?? {}) as { policyName?: string; errors?: { message?: string }[]; message?: string };
  if (answer.status === 429) {
    if (body.policyName === 'DAILY') return { verdict: 'retry', error: '429: the HubSpot account used its daily API limit', retryAfter: '3600' };
    const windowMs = Number(answer.headers['x-hubspot-ratelimit-interval-milliseconds']);
    const retryAfter = answer.headers['retry-after'] ?? (windowMs > 0 ? String(Math.ceil(windowMs / 1000)) : '10');
    return { verdict: 'retry', error: `429: HubSpot's ${body.policyName ?? 'rate'} limit`, retryAfter };
  }
  if (answer.status === 401 || answer.status === 403) return credentialsRefused(answer.status, 'HubSpot');
  if (answer.status === 207) return { verdict: 'fail', error: `207: ${body.errors?.[0]?.message ?? 'a batch input failed'}` };
  return byStatus(answer.status, messageOf(answer));
}

/** Property values as HubSpot takes them: strings; the stage as a lifecycle stage. */
function properties(payload: WebhookPayload, destination: HubSpotDestination, ctx: VendorContext): Record<string, string> {
  const values = mapFields(payload, { ...HUBSPOT_FIELDS, ...destination.fields }, ctx.mapping);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) out[name] = name === 'lifecyclestage' ? (LIFECYCLE[String(value)] ?? String(value)) : String(value);
  return out;
}

/**
 * Deliver an event to HubSpot, idempotently (a retry or a replay changes nothing more):
 * 1. upsert the contact by email (CRM v3 batch upsert, `idProperty: email`) with the mapped properties
 * 2. with `note`: upsert a note keyed by the delivery (the unique note property) with the score and why,
 *    and associate it with the contact (v4 default association, a PUT)
 */
export async function deliverToHubSpot(
  ctx: VendorContext,
  destination: HubSpotDestination,
  payload: WebhookPayload,
  deliveryId: string,
): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const headers = { authorization: `Bearer ${await tokenOf(ctx)}` };
  const email = payload.data.lead.email;
  const contact = await calls.call({
    method: 'POST',
    url: at(ctx, HUBSPOT_API, '/crm/v3/objects/contacts/batch/upsert'),
    headers,
    json: { inputs: [{ id: email, idProperty: 'email', properties: { email, ...properties(payload, destination, ctx) } }] },
  });
  if (!ok(contact) || contact.status === 207) return calls.failed(contact, hubspotRefusal(contact));
  const contactId = (contact.json as { results?: { id?: string }[] } | undefined)?.results?.[0]?.id;
  if (!destination.note) return calls.done();
  if (!contactId) return calls.failed(contact, { verdict: 'retry', error: 'HubSpot answered the upsert without the contact id' });
  const explanation = scoreExplanation(payload.data.lead.score) ?? 'Not scored';
  const key = `funnel-${deliveryId}`;
  const note = await calls.call({
    method: 'POST',
    url: at(ctx, HUBSPOT_API, '/crm/v3/objects/notes/batch/upsert'),
    headers,
    json: {
      inputs: [
        {
          id: key,
          idProperty: destination.note.uniqueProperty,
          properties: {
            [destination.note.uniqueProperty]: key,
            hs_timestamp: payload.timestamp,
            hs_note_body: `<p><strong>Funnel: ${escapeHtml(payload.type)}</strong></p><p>${escapeHtml(explanation)}</p>`,
          },
        },
      ],
    },
  });
  if (!ok(note) || note.status === 207) return calls.failed(note, hubspotRefusal(note));
  const noteId = (note.json as { results?: { id?: string }[] } | undefined)?.results?.[0]?.id;
  if (!noteId) return calls.failed(note, { verdict: 'retry', error: 'HubSpot answered the note upsert without its id' });
  const link = await calls.call({
    method: 'PUT',
    url: at(ctx, HUBSPOT_API, `/crm/v4/objects/notes/${encodeURIComponent(noteId)}/associations/default/contacts/${encodeURIComponent(contactId)}`),
    headers,
  });
  return ok(link) ? calls.done() : calls.failed(link, hubspotRefusal(link));
}

/** Erase the contact: HubSpot's GDPR delete by email (the contact and its notes, for good). */
export async function eraseFromHubSpot(ctx: VendorContext, subject: ErasureSubject): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const answer = await calls.call({
    method: 'POST',
    url: at(ctx, HUBSPOT_API, '/crm/v3/objects/contacts/gdpr-delete'),
    headers: { authorization: `Bearer ${await tokenOf(ctx)}` },
    json: { objectId: subject.email, idProperty: 'email' },
  });
  return gone(answer) || ok(answer) ? calls.done() : calls.failed(answer, hubspotRefusal(answer));
}
