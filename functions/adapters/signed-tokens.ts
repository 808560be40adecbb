import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/**
 * `<version>.<base64url(field.field…)>.<base64url(HMAC-SHA256)>`: the one token format behind visitor
 * tokens and email links. What the MAC covers is given by each kind (`macInput`), so a token of one kind
 * or purpose never verifies as another; the formats already handed out (in browsers, in inboxes) stay valid.
 */
export class SignedTokens {
  constructor(
    private readonly secret: () => Promise<string>,
    /** The bytes the MAC is computed over, for a version and its base64url payload. */
    private readonly macInput: (version: string, payload: string) => string,
  ) {}

  async sign(version: string, fields: readonly string[]): Promise<string> {
    const payload = b64(fields.join('.'));
    return `${version}.${payload}.${b64(await this.mac(version, payload))}`;
  }

  /** The fields of a genuine token of this version (exactly `count`, none empty), or undefined. Constant-time MAC check. */
  async open(version: string, token: string, count: number): Promise<string[] | undefined> {
    const [given, payload, mac, ...rest] = token.split('.');
    if (given !== version || !payload || !mac || rest.length) return undefined;
    const expected = await this.mac(version, payload);
    const actual = Buffer.from(mac, 'base64url');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    const fields = Buffer.from(payload, 'base64url').toString('utf8').split('.');
    return fields.length === count && fields.every(Boolean) ? fields : undefined;
  }

  private async mac(version: string, payload: string): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update(this.macInput(version, payload))
      .digest();
  }
}
