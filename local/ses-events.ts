import { randomUUID } from 'node:crypto';
import type { Mailer, OutgoingEmail } from '../functions/core/ports.js';

/**
 * SES's event publishing, played locally: after the emulator took an email, the events SES would publish
 * for it reach the SES-events queue in SES's own JSON (the shape `parseSesEvent` reads on AWS), as SES's
 * mailbox simulator would answer (https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html):
 * - `bounce@simulator.amazonses.com`: a hard bounce (Permanent / General)
 * - `complaint@simulator.amazonses.com`: delivered, then a complaint (abuse)
 * - `suppressionlist@simulator.amazonses.com`: a hard bounce as if on the suppression list
 * - anything else (`success@…`, every real-looking address of the demo): delivered
 * A `+label` is allowed before the `@`, as SES allows it. Like SES with account-level suppression on, an
 * address that bounced hard or complained joins the suppression list, and a later email to it bounces
 * (Permanent / OnAccountSuppressionList) without being delivered. Opens and clicks are not played: no one
 * opens an email here; tests send those events themselves.
 */
export class SimulatedSesEvents implements Mailer {
  /** The account's suppression list: address → why and when. */
  readonly suppressed = new Map<string, { reason: 'BOUNCE' | 'COMPLAINT'; at: string }>();

  constructor(
    private readonly inner: Mailer,
    private readonly publish: (events: string[]) => Promise<void>,
    private readonly configurationSet = 'funnel-local',
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const to = email.to.toLowerCase();
    if (this.suppressed.has(to)) {
      const messageId = `local-${randomUUID()}`;
      await this.publish([this.event('Bounce', email, messageId, { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' })]);
      return { messageId };
    }
    const { messageId } = await this.inner.send(email);
    const at = this.now().toISOString();
    const mailbox = /^([a-z]+)(\+[^@]*)?@simulator\.amazonses\.com$/.exec(to)?.[1];
    const events =
      mailbox === 'bounce'
        ? [this.event('Bounce', email, messageId, { bounceType: 'Permanent', bounceSubType: 'General' })]
        : mailbox === 'suppressionlist'
          ? [this.event('Bounce', email, messageId, { bounceType: 'Permanent', bounceSubType: 'Suppressed' })]
          : mailbox === 'complaint'
            ? [this.event('Delivery', email, messageId), this.event('Complaint', email, messageId, { complaintFeedbackType: 'abuse' })]
            : [this.event('Delivery', email, messageId)];
    if (mailbox === 'bounce' || mailbox === 'suppressionlist') this.suppressed.set(to, { reason: 'BOUNCE', at });
    if (mailbox === 'complaint') this.suppressed.set(to, { reason: 'COMPLAINT', at });
    // Only emails sent with tags come back as events Funnel reads; a test send has none of the lead's.
    await this.publish(events);
    return { messageId };
  }

  /** One event as SES publishes it (`mail` with the tags the email was sent with, then the event's own part). */
  private event(type: 'Delivery' | 'Bounce' | 'Complaint', email: OutgoingEmail, messageId: string, detail: Record<string, string> = {}): string {
    const timestamp = this.now().toISOString();
    const part = { Delivery: 'delivery', Bounce: 'bounce', Complaint: 'complaint' }[type];
    return JSON.stringify({
      eventType: type,
      mail: {
        timestamp,
        messageId,
        source: email.from,
        destination: [email.to],
        tags: { 'ses:configuration-set': [this.configurationSet], ...Object.fromEntries(Object.entries(email.tags).map(([k, v]) => [k, [v]])) },
      },
      [part]: { timestamp, ...detail, ...(type === 'Bounce' && { bouncedRecipients: [{ emailAddress: email.to }] }) },
    });
  }
}
