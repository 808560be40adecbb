import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { FieldName } from '../core/fields.js';
import type { Clock, VisitorGrant, VisitorTokens } from '../core/ports.js';
import { SignedTokens } from './signed-tokens.js';

/** How long a visitor token stays valid: about the longest a browser keeps first-party storage anyway. */
export const VISITOR_TOKEN_TTL_DAYS = 400;

const FIELDS = FieldName.options;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Visitor tokens: `v2.<base64url(iv ‖ AES-256-GCM(grant) ‖ tag)>`. Encrypted, not only signed, and with a
 * fresh IV each time: a token shows nothing (no lead id to compare between two submissions of one address,
 * nothing to tell a caught bot's token from a lead's), and the GCM tag stops anyone from forging or
 * altering one. The key is derived from the token secret (Secrets Manager on AWS, a generated local file
 * under `.data/` on a laptop), apart from the email links' MAC key.
 *
 * The `v1` tokens handed out before (signed `site.lead.expiresAt`, readable) still verify, as claims with
 * no fields: they were given to any browser that typed an address, so they grant no more than that.
 * @example (await tokens.verify(await tokens.issue({ siteId: 'demo', leadId, trust: 'creator', fields: ['firstName'] })))?.trust // 'creator'
 */
export class HmacVisitorTokens implements VisitorTokens {
  private readonly legacy: SignedTokens;
  private readonly secret: () => Promise<string>;
  private readonly clock: Clock;

  constructor(options: { secret: () => Promise<string>; clock: Clock }) {
    this.legacy = new SignedTokens(options.secret, (_version, payload) => payload);
    this.secret = options.secret;
    this.clock = options.clock;
  }

  async issue(grant: VisitorGrant): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + VISITOR_TOKEN_TTL_DAYS * 86_400;
    const mask = grant.fields.reduce((m, f) => m | (FIELDS.includes(f as FieldName) ? 1 << FIELDS.indexOf(f as FieldName) : 0), 0);
    const plain = JSON.stringify([grant.siteId, grant.leadId, grant.trust === 'creator' ? 1 : 0, mask, expires]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await this.keyOf(), iv);
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v2.${sealed.toString('base64url')}`;
  }

  async verify(token: string): Promise<VisitorGrant | undefined> {
    if (token.startsWith('v1.')) return this.verifyLegacy(token);
    if (!token.startsWith('v2.')) return undefined;
    const sealed = Buffer.from(token.slice(3), 'base64url');
    if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
    let grant: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.keyOf(), sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      grant = JSON.parse(Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(grant) || grant.length !== 5) return undefined;
    const [siteId, leadId, creator, mask, expires] = grant as [unknown, unknown, unknown, unknown, unknown];
    if (typeof siteId !== 'string' || typeof leadId !== 'string' || typeof mask !== 'number' || typeof expires !== 'number') return undefined;
    if (expires * 1000 <= this.clock.now().getTime()) return undefined;
    return { siteId, leadId, trust: creator === 1 ? 'creator' : 'claim', fields: FIELDS.filter((_, i) => (mask & (1 << i)) !== 0) };
  }

  private async verifyLegacy(token: string): Promise<VisitorGrant | undefined> {
    const fields = await this.legacy.open('v1', token, 3);
    if (!fields) return undefined;
    const [siteId, leadId, expires] = fields as [string, string, string];
    return Number(expires) * 1000 > this.clock.now().getTime() ? { siteId, leadId, trust: 'claim', fields: [] } : undefined;
  }

  /** Derived each time (one HMAC): the secret reader caches, and a rotated secret takes effect at once. */
  private async keyOf(): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update('funnel visitor token v2')
      .digest();
  }
}
