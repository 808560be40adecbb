import * as z from '../zod.js';
import { ConsentRecord, LifecycleStage, ScoreView, Source, StageChangedEntry, TimelineEntry, type LeadView } from '../contracts.js';
import { WebhookEvent } from './config.js';

/** Bumped when a field changes meaning or goes away (adding a field does not bump it). */
export const WEBHOOK_SCHEMA_VERSION = '2026-11-01';

/** How many of the lead's latest timeline entries a payload carries. */
export const RECENT_TIMELINE = 20;

/**
 * What a payload may be: an event an endpoint subscribes to, or the test event `npm run smoke` (or anyone
 * with an API key) sends for a test lead, in the same shape, to check an endpoint end to end.
 */
export const PayloadType = z.enum([...WebhookEvent.options, 'webhook.test']);
export type PayloadType = z.infer<typeof PayloadType>;

/**
 * The body of every webhook, versioned (`data.schemaVersion`), in the Standard Webhooks shape
 * (`type`, `timestamp`, `data`). It holds what sales needs to call the right person first: the lead's
 * profile, consent, sources and UTM, score with its breakdown, stage history and recent timeline. No
 * secrets, no internal keys (the lead is named by its public id).
 */
export const WebhookPayload = z.object({
  type: PayloadType,
  /** When the event happened (the stage change, the unsubscribe), ISO 8601. */
  timestamp: z.string(),
  data: z.object({
    schemaVersion: z.literal(WEBHOOK_SCHEMA_VERSION),
    site: z.object({ id: z.string(), name: z.string() }),
    lead: z.object({
      id: z.string(),
      email: z.string(),
      profile: z.record(z.string(), z.string()),
      stage: LifecycleStage,
      score: z.optional(ScoreView),
      consent: z.object({ marketing: z.optional(ConsentRecord), history: z.array(ConsentRecord) }),
      sources: z.object({ first: Source, latest: Source }),
      stageHistory: z.array(z.omit(StageChangedEntry, { type: true })),
      unsubscribedAt: z.optional(z.string()),
      /**
       * When the address owner last acted (confirmed an opt-in, clicked a link in an email): absent, the
       * address was never proven (its facts are what its first browser typed; docs/security.md).
       */
      verifiedAt: z.optional(z.string()),
      recentTimeline: z.array(TimelineEntry),
      createdAt: z.string(),
    }),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/**
 * The payload of one event for a lead, as it is at that moment (a delivery freezes it: every retry sends
 * the same bytes).
 * @example webhookPayload('prospect.ready', '2026-11-23T10:00:00.000Z', { id: 'demo', name: 'Demo Blog' }, lead).data.lead.stage // 'sql'
 */
export function webhookPayload(type: PayloadType, timestamp: string, site: { id: string; name: string }, lead: LeadView): WebhookPayload {
  const stageHistory = lead.timeline.flatMap((e) =>
    e.type === 'stage_changed' ? [{ at: e.at, from: e.from, to: e.to, total: e.total, fit: e.fit, rulesVersion: e.rulesVersion }] : [],
  );
  return {
    type,
    timestamp,
    data: {
      schemaVersion: WEBHOOK_SCHEMA_VERSION,
      site,
      lead: {
        id: lead.leadId,
        email: lead.email,
        profile: lead.profile,
        stage: lead.stage,
        ...(lead.score && { score: lead.score }),
        consent: lead.consent,
        sources: lead.sources,
        stageHistory,
        ...(lead.mail?.unsubscribedAt && { unsubscribedAt: lead.mail.unsubscribedAt }),
        ...(lead.verifiedAt && { verifiedAt: lead.verifiedAt }),
        recentTimeline: lead.timeline.slice(-RECENT_TIMELINE),
        createdAt: lead.createdAt,
      },
    },
  };
}

/**
 * The webhook events a stage change or an unsubscribe raises. A lead that jumps straight from `lead` to
 * `sql` raises both `lead.qualified` and `prospect.ready`.
 * @example eventsOfStageChange({ from: 'lead', to: 'sql' }) // ['lead.qualified', 'prospect.ready']
 */
export function eventsOfStageChange(change: { from: string; to: string }): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  if (change.to === 'mql' || (change.to === 'sql' && change.from === 'lead')) events.push('lead.qualified');
  if (change.to === 'sql') events.push('prospect.ready');
  return events;
}
