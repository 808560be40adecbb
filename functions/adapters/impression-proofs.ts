import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ImpressionProofs } from '../core/ports.js';

/** How long a definition's proof counts an impression: a page left open, its popup shown later. */
export const PROOF_VALID_MINUTES = 120;

/**
 * `<minute in base 36>.<first 12 bytes of HMAC-SHA256(site, form, variant, minute), base64url>`: 22
 * characters, the same for a whole minute (a definition is cached for one), so the CDN keeps caching it.
 * The key is derived from the token secret, apart from the visitor tokens' and email links' keys.
 * @example await proofs.verify(await proofs.issue('demo', 'ebook', 'a', now), 'demo', 'ebook', 'a', now) // true
 */
export class HmacImpressionProofs implements ImpressionProofs {
  constructor(private readonly secret: () => Promise<string>) {}

  async issue(siteId: string, formId: string, variant: string | undefined, at: Date): Promise<string> {
    const minute = Math.floor(at.getTime() / 60_000);
    return `${minute.toString(36)}.${(await this.mac(siteId, formId, variant, minute)).toString('base64url')}`;
  }

  async verify(proof: string, siteId: string, formId: string, variant: string | undefined, now: Date): Promise<boolean> {
    const [stamp, mac, ...rest] = proof.split('.');
    if (!stamp || !mac || rest.length || !/^[0-9a-z]{1,10}$/.test(stamp)) return false;
    const minute = Number.parseInt(stamp, 36);
    const age = Math.floor(now.getTime() / 60_000) - minute;
    if (age < 0 || age > PROOF_VALID_MINUTES) return false;
    const expected = await this.mac(siteId, formId, variant, minute);
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async mac(siteId: string, formId: string, variant: string | undefined, minute: number): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update(`funnel impression proof\n${siteId}\n${formId}\n${variant ?? ''}\n${minute}`)
      .digest()
      .subarray(0, 12);
  }
}
