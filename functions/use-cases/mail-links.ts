import { dueDay } from '../core/due.js';
import { isTestAddress } from '../core/email.js';
import type { LeadRef } from '../core/ports.js';
import type { Deps } from './deps.js';

export type LinkDeps = Pick<Deps, 'config' | 'clock' | 'nurture' | 'mailLinks' | 'emailStats'>;

export type ConfirmResult = { status: 'confirmed' | 'already-confirmed'; siteName: string } | { status: 'expired' } | { status: 'invalid' };

/**
 * Confirm a double opt-in from the link in the confirmation email.
 * 1. verify the signed token (site, lead, submission; it expires)
 * 2. find the lead by its id
 * 3. record the opt-in once: its arrival on the table stream sends the delivery email and enrols the lead
 * Confirming twice is harmless: the second click changes nothing.
 */
export async function confirmOptIn(deps: LinkDeps, token: string): Promise<ConfirmResult> {
  const claims = await deps.mailLinks.verifyConfirm(token);
  if (claims === 'expired') return { status: 'expired' };
  const site = claims && deps.config.findSite(claims.siteId);
  const ref = claims && site && (await deps.nurture.findRef(claims.siteId, claims.leadId));
  if (!claims || !site || !ref) return { status: 'invalid' };
  const lead = await deps.nurture.load(ref);
  const submission = lead?.submissions.find((s) => s.submissionId === claims.submissionId);
  if (!submission) return { status: 'invalid' };
  const outcome = await deps.nurture.confirmOptIn(ref, submission.submissionId, submission.formId, deps.clock.now().toISOString());
  return { status: outcome === 'confirmed' ? 'confirmed' : 'already-confirmed', siteName: site.name };
}

export type UnsubscribeResult = { status: 'unsubscribed' | 'already-unsubscribed'; siteName: string } | { status: 'invalid' };

/** Check an unsubscribe link before showing its page (a GET never unsubscribes: link scanners follow GETs). */
export async function checkUnsubscribeLink(deps: LinkDeps, token: string): Promise<{ valid: true; siteName: string } | { valid: false }> {
  const claims = await deps.mailLinks.verifyUnsubscribe(token);
  const site = claims && deps.config.findSite(claims.siteId);
  return site ? { valid: true, siteName: site.name } : { valid: false };
}

/**
 * Unsubscribe from the link in an email: one click from the mail client (RFC 8058) or the button on the
 * unsubscribe page.
 * 1. verify the signed token (site, lead; it never expires, as unsubscribe links must keep working)
 * 2. record the unsubscribe once, on the lead and its timeline: from then on nothing more is sent
 *    (every send checks it) and tracking stops
 * A lead that no longer exists (erased) is answered as unsubscribed: there is nobody left to email.
 */
export async function unsubscribe(deps: LinkDeps, token: string, method: 'one-click' | 'page'): Promise<UnsubscribeResult> {
  const claims = await deps.mailLinks.verifyUnsubscribe(token);
  const site = claims && deps.config.findSite(claims.siteId);
  if (!claims || !site) return { status: 'invalid' };
  const ref = await deps.nurture.findRef(claims.siteId, claims.leadId);
  if (!ref) return { status: 'already-unsubscribed', siteName: site.name };
  const at = deps.clock.now().toISOString();
  const outcome = await deps.nurture.unsubscribe(ref, at, method);
  if (outcome === 'unsubscribed') await countUnsubscribe(deps, ref, at);
  return { status: outcome === 'unsubscribed' ? 'unsubscribed' : 'already-unsubscribed', siteName: site.name };
}

/**
 * Credit an unsubscribe to the last email the lead got: its link was most likely the one followed (the
 * link names the lead, not the email, so that links in emails sent before this existed keep working).
 */
async function countUnsubscribe(deps: LinkDeps, ref: LeadRef, at: string): Promise<void> {
  const lead = await deps.nurture.load(ref);
  if (!lead || isTestAddress(lead.email)) return;
  const last = lead.sends
    .filter((s) => s.status === 'sent')
    .sort((a, b) => a.at.localeCompare(b.at))
    .at(-1);
  // A counter never fails the person's unsubscribe: a count the table refuses is dropped.
  if (last) await deps.emailStats.count(ref.siteId, dueDay(at), last.sendKey, { unsubscribed: 1 }).catch(() => undefined);
}
