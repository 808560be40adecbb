import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, MailLinks } from '../core/ports.js';

/** How long a double opt-in confirmation link works. */
export const CONFIRM_LINK_TTL_DAYS = 7;

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/**
 * Signed links for emails, HMAC-SHA256 with the same secret as visitor tokens but a purpose of their own
 * in every MAC (a token for one purpose never verifies as another):
 * - confirm: `c1.<base64url(site.lead.submission.expires)>.<mac>`, expires after {@link CONFIRM_LINK_TTL_DAYS};
 * - unsubscribe: `u1.<base64url(site.lead)>.<mac>`, never expires (an unsubscribe link must keep working).
 * They carry the lead's random id, never its address.
 * @example await links.verifyUnsubscribe(new URL(await links.unsubscribeUrl('demo', leadId)).searchParams.get('token')!) // { siteId: 'demo', leadId }
 */
export class HmacMailLinks implements MailLinks {
  private readonly secret: () => Promise<string>;
  private readonly clock: Clock;
  private readonly baseUrl: string;

  constructor(options: { secret: () => Promise<string>; clock: Clock /** The public API's base URL, e.g. `https://api.example.com`. */; baseUrl: string }) {
    this.secret = options.secret;
    this.clock = options.clock;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async confirmUrl(siteId: string, leadId: string, submissionId: string): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + CONFIRM_LINK_TTL_DAYS * 86_400;
    return `${this.baseUrl}/v1/confirm?token=${await this.sign('c1', [siteId, leadId, submissionId, String(expires)])}`;
  }

  async unsubscribeUrl(siteId: string, leadId: string): Promise<string> {
    return `${this.baseUrl}/v1/unsubscribe?token=${await this.sign('u1', [siteId, leadId])}`;
  }

  async verifyConfirm(token: string): Promise<{ siteId: string; leadId: string; submissionId: string } | 'expired' | undefined> {
    const parts = await this.open('c1', token, 4);
    if (!parts) return undefined;
    const [siteId, leadId, submissionId, expires] = parts as [string, string, string, string];
    if (!(Number(expires) * 1000 > this.clock.now().getTime())) return 'expired';
    return { siteId, leadId, submissionId };
  }

  async verifyUnsubscribe(token: string): Promise<{ siteId: string; leadId: string } | undefined> {
    const parts = await this.open('u1', token, 2);
    return parts && { siteId: parts[0]!, leadId: parts[1]! };
  }

  private async sign(purpose: string, fields: string[]): Promise<string> {
    const payload = b64(fields.join('.'));
    return `${purpose}.${payload}.${b64(await this.mac(purpose, payload))}`;
  }

  /** The fields of a genuine token of this purpose, or undefined. */
  private async open(purpose: string, token: string, count: number): Promise<string[] | undefined> {
    const [version, payload, mac, ...rest] = token.split('.');
    if (version !== purpose || !payload || !mac || rest.length) return undefined;
    const expected = await this.mac(purpose, payload);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const fields = Buffer.from(payload, 'base64url').toString('utf8').split('.');
    return fields.length === count && fields.every(Boolean) ? fields : undefined;
  }

  private async mac(purpose: string, payload: string): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update(`funnel-mail-link:${purpose}:${payload}`)
      .digest();
  }
}
