import type { SlackDestination } from '../../core/destinations/config.js';
import { consoleLink, displayName, scoreExplanation } from '../../core/destinations/mapping.js';
import type { WebhookOutcome } from '../../core/ports.js';
import type { WebhookPayload } from '../../core/webhooks/payload.js';
import { byStatus, Calls, ok, type Refusal, type VendorContext } from './calls.js';
import type { VendorAnswer } from './http.js';

/** An incoming webhook's URL, as Slack gives it (the destination's secret). */
export const SLACK_HOOK = /^https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/;

const TITLES: Record<string, string> = {
  'prospect.ready': 'Prospect ready for sales',
  'lead.qualified': 'Lead qualified (MQL)',
  'lead.unsubscribed': 'Lead unsubscribed',
  'webhook.test': 'Test from Funnel',
};

/** Slack's mrkdwn control characters, escaped as Slack asks (&, <, >). */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/**
 * A mrkdwn text object Slack takes as written: `verbatim` stops it linking bare URLs and channel names
 * and parsing `@here` in what a visitor typed (Block Kit reference, "Text object"). Our own links are
 * written `<url|label>`, which works either way.
 */
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

/**
 * The message: who (only what `show` allows), company, stage, score and the rules behind it, where they
 * came from, and the console link. Nothing of the lead that `show` leaves out reaches the channel.
 */
export function slackMessage(payload: WebhookPayload, destination: SlackDestination, ctx: Pick<VendorContext, 'mapping'>): { text: string; blocks: unknown[] } {
  const lead = payload.data.lead;
  const shows = new Set(destination.show);
  const who = shows.has('name') ? displayName({ ...lead, email: shows.has('email') ? lead.email : '' }) : '';
  const company = shows.has('company') ? lead.profile.company : undefined;
  const title = TITLES[payload.type] ?? payload.type;
  const headline = cut([title, who || company].filter(Boolean).join(': '), 150);
  const fields: string[] = [];
  if (shows.has('email')) fields.push(`*Email*\n${esc(lead.email)}`);
  if (company) fields.push(`*Company*\n${esc(company)}`);
  if (shows.has('jobTitle') && lead.profile.jobTitle) fields.push(`*Job title*\n${esc(lead.profile.jobTitle)}`);
  if (shows.has('stage')) fields.push(`*Stage*\n${lead.stage.toUpperCase()}`);
  if (shows.has('score') && lead.score) fields.push(`*Score*\n${lead.score.total} (fit ${lead.score.fit}, engagement ${lead.score.engagement})`);
  if (shows.has('source')) {
    const utm = lead.sources.first.utm;
    fields.push(`*Came from*\n${esc([lead.sources.first.formId, utm?.source, utm?.campaign].filter(Boolean).join(' · '))}`);
  }
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: headline, emoji: false } }];
  if (fields.length) blocks.push({ type: 'section', fields: fields.slice(0, 10).map((text) => mrkdwn(cut(text, 2000))) });
  const why = shows.has('reasons') ? scoreExplanation(lead.score) : undefined;
  if (why) blocks.push({ type: 'section', text: mrkdwn(cut(`*Why*\n${esc(why)}`, 3000)) });
  const link = shows.has('consoleLink') ? consoleLink(payload, ctx.mapping) : undefined;
  blocks.push({
    type: 'context',
    elements: [mrkdwn(cut(`${esc(payload.data.site.name)}${link ? ` · <${link}|Open in the Funnel console>` : ''}`, 3000))],
  });
  // The top-level text (notifications, and clients that show no blocks) is mrkdwn: escaped, or a company
  // called "<!channel>" would ping the whole channel. The header is plain text: shown as typed.
  return { text: esc(headline), blocks };
}

/**
 * Slack's answers (api.slack.com/messaging/webhooks "Handling errors"; "Rate limits"): 429 wait its
 * `Retry-After`; 404 `no_service`/`channel_not_found`, 410 `channel_is_archived` and 403
 * `invalid_token`/`action_prohibited` mean the hook is gone (the destination is disabled); 400
 * `invalid_payload` final; 5xx retried.
 */
export function slackRefusal(answer: VendorAnswer): Refusal {
  if (answer.kind !== 'response') return { verdict: 'retry', error: answer.kind };
  const word = answer.text.trim().slice(0, 60);
  if (answer.status === 429) return { verdict: 'retry', error: "429: Slack's rate limit", retryAfter: answer.headers['retry-after'] ?? '1' };
  if ([403, 404, 410].includes(answer.status)) return { verdict: 'disable', error: `${answer.status} ${word}: the incoming webhook is gone` };
  return byStatus(answer.status, word);
}

/**
 * Post the message to the incoming webhook. Slack takes no idempotency key: a try whose answer was lost
 * after Slack posted it is posted again by the retry (a repeated message, never a lost one; docs/hand-off.md).
 */
export async function deliverToSlack(ctx: VendorContext, destination: SlackDestination, payload: WebhookPayload): Promise<WebhookOutcome> {
  const calls = new Calls(ctx.http);
  const hook = (await ctx.credentials()).trim();
  if (!SLACK_HOOK.test(hook))
    return calls.failed(
      { kind: 'response', status: 400, headers: {}, text: '', latencyMs: 0 },
      { verdict: 'retry', error: 'the secret is not a Slack incoming-webhook URL (https://hooks.slack.com/services/…): fix it; the delivery is retried' },
    );
  const url = ctx.origin ? `${ctx.origin}${new URL(hook).pathname}` : hook;
  const answer = await calls.call({ method: 'POST', url, json: slackMessage(payload, destination, ctx) });
  return ok(answer) ? calls.done() : calls.failed(answer, slackRefusal(answer));
}
