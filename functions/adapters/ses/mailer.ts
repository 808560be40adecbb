import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentMailError, SenderNotReadyError, TransientMailError } from '../../core/errors.js';
import type { Mailer, OutgoingEmail } from '../../core/ports.js';
import { type TrackingVariant, trackingVariant } from './tracking.js';

/** SES error names that say this address will never take this email (no retry). */
const PERMANENT = new Set(['MessageRejected', 'BadRequestException']);
/**
 * What SES answers while the account cannot send from this sender yet: `MessageRejected` "Email address is
 * not verified" (the sender's domain before DKIM verifies; in the sandbox, the recipient too) and
 * `MailFromDomainNotVerifiedException`. The email is fine: it must go out once the account can send.
 */
const notReady = (name: string, message: string) =>
  name === 'MailFromDomainNotVerifiedException' || (name === 'MessageRejected' && /not verified|identities failed the check/i.test(message));

/**
 * The mail port on Amazon SES v2 (`SendEmail`, simple content: SES builds the MIME message). Every email
 * goes through the configuration set, whose event destination brings deliveries, bounces, complaints,
 * opens and clicks back, tagged with `tags` so each event finds its send.
 *
 * Errors: a sender not verified yet is `SenderNotReadyError` (held, not failed); other `MessageRejected`
 * and `BadRequestException` are permanent for this email; everything else
 * (`TooManyRequestsException`, `LimitExceededException`, `SendingPausedException`, `AccountSuspendedException`,
 * 5xx, network) is transient: the SDK retries throttling itself first, the caller's queue retries later.
 */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly configurationSetName: string | undefined;

  private readonly trackedSets: Partial<Record<TrackingVariant, string>>;

  /**
   * `configurationSetName`: the set of untracked emails; `trackedSets`: the set of each tracking variant a
   * site uses (the stack makes one per variant). An email whose variant has no set goes untracked.
   */
  constructor(options: { client: SESv2Client; configurationSetName?: string; trackedSets?: Partial<Record<TrackingVariant, string>> }) {
    this.client = options.client;
    this.configurationSetName = options.configurationSetName;
    this.trackedSets = options.trackedSets ?? {};
  }

  private setFor(email: OutgoingEmail): string | undefined {
    const variant = trackingVariant(email.tracking);
    return variant === 'none' ? this.configurationSetName : (this.trackedSets[variant] ?? this.configurationSetName);
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [email.to] },
          ...(email.replyTo && { ReplyToAddresses: [email.replyTo] }),
          ...(this.setFor(email) && { ConfigurationSetName: this.setFor(email) }),
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: untrack(email.html, email.untrackedLinks ?? []), Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
              Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
          // Tag values allow only [A-Za-z0-9_\-.@]; ours are ids and slugs.
          EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: sesTagValue(Value) })),
        }),
      );
      if (!out.MessageId) throw new TransientMailError('SES returned no message id');
      return { messageId: out.MessageId };
    } catch (error) {
      if (error instanceof TransientMailError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const message = (error as Error).message ?? '';
      if (notReady(name, message)) throw new SenderNotReadyError(`${name}: ${message}`, { cause: error });
      if (PERMANENT.has(name)) throw new PermanentMailError(`${name}: ${(error as Error).message}`, { cause: error });
      throw new TransientMailError(`${name}${status ? ` (${status})` : ''}`, { cause: error });
    }
  }
}

/**
 * Mark the links click tracking must not rewrite (`ses:no-track`, SES's attribute for it): confirm and
 * unsubscribe links must reach our API as they are, not through SES's tracking domain.
 */
export function untrack(html: string, links: readonly string[]): string {
  if (!links.length) return html;
  const keep = new Set(links);
  // href in double or single quotes, as its own attribute (not data-href).
  return html.replace(/<a\b([^>]*?\s)href=(["'])(.*?)\2/gi, (tag, before: string, quote: string, href: string) =>
    keep.has(href.replace(/&amp;/g, '&')) && !/ses:no-track/i.test(before) ? `<a ses:no-track${before}href=${quote}${href}${quote}` : tag,
  );
}

/** SES tag values: letters, digits, `_ - . @` only, at most 256 characters. */
export const sesTagValue = (value: string): string => value.replace(/[^A-Za-z0-9_\-.@]/g, '_').slice(0, 256);
