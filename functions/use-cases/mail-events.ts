import { dueDay } from '../core/due.js';
import { type EmailCounts, emailCellOf } from '../core/email-stats.js';
import type { MailEvent } from '../core/ports.js';
import type { Deps } from './deps.js';

/** Soft bounces (mailbox full, temporary failures) tolerated before an address is suppressed like a hard bounce. */
export const SOFT_BOUNCE_LIMIT = 3;

/** Paths of Funnel's own links in emails: clicking them is not engagement with the content. */
const OWN_LINKS = /\/v1\/(unsubscribe|confirm)(\?|$)/;

export type MailEventOutcome = 'suppressed' | 'soft-bounce' | 'recorded' | 'duplicate' | 'ignored';

/**
 * React to what the mail service reports about an email Funnel sent.
 * - hard bounce or complaint: suppress the address at once (nothing more is ever sent to it from this site;
 *   every sequence stops at its next step) and record it on the timeline
 * - soft bounce: count it; at {@link SOFT_BOUNCE_LIMIT} the address is suppressed like a hard bounce
 * - open or click (where tracked): an engagement event on the lead's timeline, which re-scores the lead
 *   (clicks on the unsubscribe or confirmation link do not count)
 * - delivery: counted
 * Each is counted on its email's cell once (an open or a click: once per email, a unique open or click).
 * Every reaction is idempotent: SES delivers events at least once.
 */
export async function handleMailEvent(deps: Pick<Deps, 'nurture' | 'metrics' | 'emailStats'>, event: MailEvent): Promise<MailEventOutcome> {
  const ref = { siteId: event.siteId, emailKey: event.emailKey };
  /** Count the event on its email's cell, once per email and kind of event (an open twice is one unique open). */
  const count = async (add: EmailCounts, kind: string): Promise<'counted' | 'duplicate'> => {
    const cell = event.test ? undefined : emailCellOf(event);
    return cell ? deps.emailStats.count(event.siteId, dueDay(event.at), cell, add, `${event.messageId}.${kind}`) : 'counted';
  };
  const ids = {
    ...(event.kind && { kind: event.kind }),
    ...(event.sequenceId && { sequenceId: event.sequenceId }),
    ...(event.stepId && { stepId: event.stepId }),
  };
  switch (event.type) {
    case 'delivered':
      return (await count({ delivered: 1 }, 'delivery')) === 'counted' ? 'recorded' : 'duplicate';
    case 'complained':
      await deps.nurture.suppress(ref, { type: 'email_suppressed', at: event.at, reason: 'complained', ...(event.detail && { detail: event.detail }) });
      deps.metrics.count('EmailsSuppressed');
      await count({ complained: 1 }, 'complaint');
      return 'suppressed';
    case 'bounced': {
      // The lead first, then the email's counter: each is once per email (the lead's tally by the email's id,
      // suppressing by its nature), so a retry after a failure between them finishes what was left.
      const soft = !event.permanent && (await deps.nurture.countSoftBounce(ref, event.messageId)) < SOFT_BOUNCE_LIMIT;
      if (soft) {
        await count({ softBounced: 1 }, 'bounce');
        return 'soft-bounce';
      }
      const detail = event.permanent ? event.detail : `${SOFT_BOUNCE_LIMIT} soft bounces, the last: ${event.detail}`;
      await deps.nurture.suppress(ref, { type: 'email_suppressed', at: event.at, reason: 'bounced', detail });
      deps.metrics.count('EmailsSuppressed');
      await count(event.permanent ? { hardBounced: 1 } : { softBounced: 1 }, 'bounce');
      return 'suppressed';
    }
    case 'opened':
    case 'clicked': {
      const link = event.type === 'clicked' ? linkOf(event.link) : undefined;
      if (event.type === 'clicked' && (!link || OWN_LINKS.test(event.link))) return 'ignored';
      await count(event.type === 'opened' ? { opened: 1 } : { clicked: 1 }, event.type);
      const outcome = await deps.nurture.recordEngagement(ref, {
        type: event.type === 'opened' ? 'email_opened' : 'email_clicked',
        at: event.at,
        eventId: `${event.messageId}.${event.type}.${Date.parse(event.at)}`,
        ...ids,
        ...(link && { link }),
      });
      return outcome === 'unknown' ? 'ignored' : outcome;
    }
  }
}

/** A clicked link without its query string or fragment (they can carry anything). */
function linkOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return /^https?:$/.test(url.protocol) ? `${url.origin}${url.pathname}` : undefined;
  } catch {
    return undefined;
  }
}
