import type { WebhookPayload } from '../webhooks/payload.js';
import type { FieldSource, LeadField } from './config.js';

/** A value a vendor field gets. */
export type FieldValue = string | number | boolean;

/** What a mapping needs beside the payload: where the console is (its lead pages are linked). */
export interface MappingContext {
  /** The console's URL, ending in `/` (`https://…/console/`); absent where no console is deployed. */
  consoleUrl?: string;
}

type Lead = WebhookPayload['data']['lead'];

/** How many rules a score explanation names. */
export const EXPLANATION_RULES = 5;

/**
 * The score in words, most points first: what sales reads before calling.
 * @example scoreExplanation(lead.score) // 'Score 62 (fit 40, engagement 22): Job title: VP (+20 fit); Downloaded the ebook (+10 engagement)'
 */
export function scoreExplanation(score: Lead['score'], limit = EXPLANATION_RULES): string | undefined {
  if (!score) return undefined;
  const rules = score.breakdown
    .filter((r) => r.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.ruleId.localeCompare(b.ruleId))
    .slice(0, limit)
    .map((r) => `${r.label} (${r.points > 0 ? '+' : ''}${r.points} ${r.kind})`);
  const head = `Score ${score.total} (fit ${score.fit}, engagement ${score.engagement})`;
  return rules.length ? `${head}: ${rules.join('; ')}` : head;
}

/** The lead's name as a person reads it: first and last name, or the address. */
export const displayName = (lead: Pick<Lead, 'profile' | 'email'>): string =>
  [lead.profile.firstName, lead.profile.lastName].filter(Boolean).join(' ').trim() || lead.email;

/** The lead's page in the console, when there is a console. */
export const consoleLink = (payload: WebhookPayload, ctx: MappingContext): string | undefined =>
  ctx.consoleUrl && `${ctx.consoleUrl}leads/${encodeURIComponent(payload.data.lead.id)}?site=${encodeURIComponent(payload.data.site.id)}`;

/**
 * One lead field's value, from the frozen payload of a delivery (so a retry sends what the first try sent).
 * @example leadValue(payload, 'source.utm.campaign', {}) // 'spring-launch'
 */
export function leadValue(payload: WebhookPayload, field: LeadField, ctx: MappingContext): FieldValue | undefined {
  const lead = payload.data.lead;
  if (field.startsWith('profile.')) return lead.profile[field.slice(8)] || undefined;
  const [first, latest] = [lead.sources.first, lead.sources.latest];
  const consent = lead.consent.marketing;
  const standing = consent?.granted === true && !consent.withdrawn;
  switch (field) {
    case 'email':
      return lead.email;
    case 'leadId':
      return lead.id;
    case 'stage':
      return lead.stage;
    case 'createdAt':
      return lead.createdAt;
    case 'eventAt':
      return payload.timestamp;
    case 'verifiedAt':
      return lead.verifiedAt;
    case 'siteName':
      return payload.data.site.name;
    case 'score.total':
      return lead.score?.total;
    case 'score.fit':
      return lead.score?.fit;
    case 'score.engagement':
      return lead.score?.engagement;
    case 'score.explanation':
      return scoreExplanation(lead.score);
    case 'source.form':
      return first.formId;
    case 'source.page':
      return first.pageUrl;
    case 'source.referrer':
      return first.referrer;
    case 'source.utm.source':
      return first.utm?.source;
    case 'source.utm.medium':
      return first.utm?.medium;
    case 'source.utm.campaign':
      return first.utm?.campaign;
    case 'source.utm.term':
      return first.utm?.term;
    case 'source.utm.content':
      return first.utm?.content;
    case 'latest.form':
      return latest.formId;
    case 'latest.page':
      return latest.pageUrl;
    case 'latest.utm.source':
      return latest.utm?.source;
    case 'latest.utm.medium':
      return latest.utm?.medium;
    case 'latest.utm.campaign':
      return latest.utm?.campaign;
    case 'consent.marketing':
      return standing;
    case 'consent.at':
      return standing ? consent?.at : undefined;
    case 'unsubscribedAt':
      return lead.unsubscribedAt;
    case 'consoleLink':
      return consoleLink(payload, ctx);
    default:
      return undefined;
  }
}

/**
 * A mapping applied: each vendor field with the value of its source (the first source that has one);
 * fields with no value are left out, so a CRM's value is never blanked by a field the lead lacks.
 * @example mapFields(payload, { jobtitle: 'profile.jobTitle', funnel_score: 'score.total' }, {}) // { jobtitle: 'VP Sales', funnel_score: 62 }
 */
export function mapFields(payload: WebhookPayload, fields: Readonly<Record<string, FieldSource>>, ctx: MappingContext): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [field, source] of Object.entries(fields)) {
    for (const from of [source].flat()) {
      const value = leadValue(payload, from, ctx);
      if (value !== undefined && value !== '') {
        out[field] = value;
        break;
      }
    }
  }
  return out;
}
