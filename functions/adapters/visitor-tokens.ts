import type { Clock, VisitorTokens } from '../core/ports.js';
import { SignedTokens } from './signed-tokens.js';

/** How long a visitor token stays valid: about the longest a browser keeps first-party storage anyway. */
export const VISITOR_TOKEN_TTL_DAYS = 400;

/**
 * HMAC-SHA256 visitor tokens: `v1.<base64url(site.leadId.expiresAt)>.<base64url(mac)>`. The lead id is a
 * random UUID (no PII); the MAC stops anyone from tracking events onto a lead they guessed. The secret is
 * loaded once (Secrets Manager on AWS, a generated local file under `.data/` on a laptop).
 * @example await tokens.verify(await tokens.issue('demo', leadId)) // { siteId: 'demo', leadId }
 */
export class HmacVisitorTokens implements VisitorTokens {
  private readonly tokens: SignedTokens;
  private readonly clock: Clock;

  constructor(options: { secret: () => Promise<string>; clock: Clock }) {
    // The MAC covers the payload alone (the format tokens in browsers were issued with).
    this.tokens = new SignedTokens(options.secret, (_version, payload) => payload);
    this.clock = options.clock;
  }

  async issue(siteId: string, leadId: string): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + VISITOR_TOKEN_TTL_DAYS * 86_400;
    return this.tokens.sign('v1', [siteId, leadId, String(expires)]);
  }

  async verify(token: string): Promise<{ siteId: string; leadId: string } | undefined> {
    const fields = await this.tokens.open('v1', token, 3);
    if (!fields) return undefined;
    const [siteId, leadId, expires] = fields as [string, string, string];
    return Number(expires) * 1000 > this.clock.now().getTime() ? { siteId, leadId } : undefined;
  }
}
