import type { Clock, MailLinks } from '../core/ports.js';
import { SignedTokens } from './signed-tokens.js';

/** How long a double opt-in confirmation link works. */
export const CONFIRM_LINK_TTL_DAYS = 7;

/**
 * Signed links for emails, HMAC-SHA256 with the same secret as visitor tokens but a purpose of their own
 * in every MAC (a token for one purpose never verifies as another):
 * - confirm: `c1.<base64url(site.lead.submission.expires)>.<mac>`, expires after {@link CONFIRM_LINK_TTL_DAYS};
 * - unsubscribe: `u1.<base64url(site.lead)>.<mac>`, never expires (an unsubscribe link must keep working).
 * They carry the lead's random id, never its address.
 * @example await links.verifyUnsubscribe(new URL(await links.unsubscribeUrl('demo', leadId)).searchParams.get('token')!) // { siteId: 'demo', leadId }
 */
export class HmacMailLinks implements MailLinks {
  private readonly tokens: SignedTokens;
  private readonly clock: Clock;
  private readonly baseUrl: string;

  constructor(options: { secret: () => Promise<string>; clock: Clock /** The public API's base URL, e.g. `https://api.example.com`. */; baseUrl: string }) {
    this.tokens = new SignedTokens(options.secret, (purpose, payload) => `funnel-mail-link:${purpose}:${payload}`);
    this.clock = options.clock;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async confirmUrl(siteId: string, leadId: string, submissionId: string): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + CONFIRM_LINK_TTL_DAYS * 86_400;
    return `${this.baseUrl}/v1/confirm?token=${await this.tokens.sign('c1', [siteId, leadId, submissionId, String(expires)])}`;
  }

  async unsubscribeUrl(siteId: string, leadId: string): Promise<string> {
    return `${this.baseUrl}/v1/unsubscribe?token=${await this.tokens.sign('u1', [siteId, leadId])}`;
  }

  async verifyConfirm(token: string): Promise<{ siteId: string; leadId: string; submissionId: string } | 'expired' | undefined> {
    const parts = await this.tokens.open('c1', token, 4);
    if (!parts) return undefined;
    const [siteId, leadId, submissionId, expires] = parts as [string, string, string, string];
    if (!(Number(expires) * 1000 > this.clock.now().getTime())) return 'expired';
    return { siteId, leadId, submissionId };
  }

  async verifyUnsubscribe(token: string): Promise<{ siteId: string; leadId: string } | undefined> {
    const parts = await this.tokens.open('u1', token, 2);
    return parts && { siteId: parts[0]!, leadId: parts[1]! };
  }
}
