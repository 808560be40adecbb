import * as z from '../../core/zod.js';
import { EmailKind } from '../../core/contracts.js';
import type { MailEvent } from '../../core/ports.js';

/**
 * SES event publishing (configuration set → SNS → SQS with raw delivery): the events Funnel reacts to, as
 * SES writes them. Only the fields we read are declared; everything else is ignored. Event publishing
 * names the type `eventType`; SES's older identity notifications say `notificationType`.
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
const Tags = z.record(z.string(), z.array(z.string()));
const SesEvent = z.object({
  eventType: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  mail: z.object({ messageId: z.string(), timestamp: z.string(), tags: z.optional(Tags) }),
  bounce: z.optional(z.object({ bounceType: z.string(), bounceSubType: z.optional(z.string()), timestamp: z.optional(z.string()) })),
  complaint: z.optional(z.object({ timestamp: z.optional(z.string()), complaintFeedbackType: z.optional(z.string()) })),
  delivery: z.optional(z.object({ timestamp: z.optional(z.string()) })),
  open: z.optional(z.object({ timestamp: z.string() })),
  click: z.optional(z.object({ timestamp: z.string(), link: z.string() })),
});

const tag = (tags: Record<string, string[]> | undefined, name: string): string | undefined => tags?.[name]?.[0];

/**
 * Read one SES event (the SQS message body; an SNS envelope is unwrapped if raw delivery is off) into a
 * {@link MailEvent}. Undefined for events Funnel does not act on (send, delay, reject, rendering failure) and for emails Funnel did not send (no `site`/`lead` tags): these are acknowledged and dropped.
 * @throws SyntaxError for a body that is not JSON (a poison message: it goes to the dead-letter queue)
 */
export function parseSesEvent(body: string): MailEvent | undefined {
  let json: unknown = JSON.parse(body);
  if (typeof json === 'object' && json !== null && (json as { Type?: unknown }).Type === 'Notification')
    json = JSON.parse((json as { Message: string }).Message);
  const parsed = SesEvent.safeParse(json);
  if (!parsed.success) return undefined;
  const { mail, delivery, bounce, complaint, open, click } = parsed.data;
  const siteId = tag(mail.tags, 'site');
  const emailKey = tag(mail.tags, 'lead');
  if (!siteId || !emailKey || !/^[0-9a-f]{64}$/.test(emailKey)) return undefined;
  const kind = EmailKind.safeParse(tag(mail.tags, 'kind'));
  const formId = tag(mail.tags, 'form');
  const sequenceId = tag(mail.tags, 'sequence');
  const stepId = tag(mail.tags, 'step');
  const base = {
    siteId,
    emailKey,
    messageId: mail.messageId,
    ...(kind.success && { kind: kind.data }),
    ...(formId && { formId }),
    ...(tag(mail.tags, 'test') === 'true' && { test: true as const }),
    ...(sequenceId && { sequenceId }),
    ...(stepId && { stepId }),
  };
  switch (parsed.data.eventType ?? parsed.data.notificationType) {
    case 'Delivery':
      return { ...base, type: 'delivered', at: delivery?.timestamp ?? mail.timestamp };
    case 'Bounce':
      if (!bounce) return undefined;
      // "Undetermined" is treated as soft: counted, suppressed only when it keeps happening.
      return {
        ...base,
        type: 'bounced',
        at: bounce.timestamp ?? mail.timestamp,
        permanent: bounce.bounceType === 'Permanent',
        detail: [bounce.bounceType, bounce.bounceSubType].filter(Boolean).join(' / '),
      };
    case 'Complaint':
      return {
        ...base,
        type: 'complained',
        at: complaint?.timestamp ?? mail.timestamp,
        ...(complaint?.complaintFeedbackType && { detail: complaint.complaintFeedbackType }),
      };
    case 'Open':
      return open ? { ...base, type: 'opened', at: open.timestamp } : undefined;
    case 'Click':
      return click ? { ...base, type: 'clicked', at: click.timestamp, link: click.link } : undefined;
    default:
      return undefined;
  }
}
