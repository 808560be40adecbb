import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, VisitorTokens } from '../core/ports.js';

/** How long a visitor token stays valid: about the longest a browser keeps first-party storage anyway. */
export const VISITOR_TOKEN_TTL_DAYS = 400;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * HMAC-SHA256 visitor tokens: `v1.<base64url(site.leadId.expiresAt)>.<base64url(mac)>`. The lead id is a
 * random UUID (no PII); the MAC stops anyone from tracking events onto a lead they guessed. The secret is
 * loaded once (Secrets Manager on AWS, a generated local file under `.data/` on a laptop).
 * @example await tokens.verify(await tokens.issue('demo', leadId)) // { siteId: 'demo', leadId }
 */
export class HmacVisitorTokens implements VisitorTokens {
  private readonly secret: () => Promise<string>;
  private readonly clock: Clock;

  constructor(options: { secret: () => Promise<string>; clock: Clock }) {
    this.secret = options.secret;
    this.clock = options.clock;
  }

  async issue(siteId: string, leadId: string): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + VISITOR_TOKEN_TTL_DAYS * 86_400;
    const payload = b64(`${siteId}.${leadId}.${expires}`);
    return `v1.${payload}.${b64(await this.mac(payload))}`;
  }

  async verify(token: string): Promise<{ siteId: string; leadId: string } | undefined> {
    const [version, payload, mac, ...rest] = token.split('.');
    if (version !== 'v1' || !payload || !mac || rest.length) return undefined;
    const expected = await this.mac(payload);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [siteId, leadId, expires, ...extra] = Buffer.from(payload, 'base64url').toString('utf8').split('.');
    if (!siteId || !leadId || extra.length || !(Number(expires) * 1000 > this.clock.now().getTime())) return undefined;
    return { siteId, leadId };
  }

  private async mac(payload: string): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update(payload)
      .digest();
  }
}
