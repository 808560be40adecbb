import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { type ClaimNames, type Person, personOf } from '../core/people.js';
import type { PeopleTokens } from '../core/ports.js';
import { BusyError } from '../core/errors.js';

export interface IssuerSettings {
  /** The OpenID issuer: Cognito's `https://cognito-idp.<region>.amazonaws.com/<pool id>`, or any provider's. */
  issuer: string;
  /** The console's audience: Cognito's app client id, or the resource the provider names in `aud`. */
  audience: string;
  claims: ClaimNames;
}

/** How long the issuer's discovery document may take (API functions answer within 10 s). */
const DISCOVERY_TIMEOUT_MS = 3000;

/** The issuer's discovery document or keys would not load: a transient failure, never a token's fault. */
class IssuerUnreachable extends Error {}

/** Clock skew allowed on `exp`, `nbf` and `iat`: seconds. */
const CLOCK_TOLERANCE_S = 30;

/**
 * The one verification path for people's tokens, the same checks the deployed HTTP API's JWT authorizer
 * makes: a signature by one of the issuer's published keys (found through its discovery document,
 * fetched once, refreshed by `jose` when a new key id appears), the issuer, the audience (`aud`, or for an
 * access token without one, as Cognito's, `client_id`, as API Gateway checks it), and the expiry. Anything
 * else (a forged, expired, other issuer's or other audience's token) is no one.
 */
export class JosePeopleTokens implements PeopleTokens {
  /** The issuer's keys: given (tests), or found through its discovery document on first use. */
  private keys?: JWTVerifyGetKey;

  constructor(
    private readonly settings: IssuerSettings,
    options: { keys?: JWTVerifyGetKey } = {},
  ) {
    this.keys = options.keys;
  }

  async verify(token: string): Promise<Person | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.settings.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      });
      const audiences = payload.aud === undefined ? [] : [payload.aud].flat();
      const forUs = audiences.length ? audiences.includes(this.settings.audience) : payload.client_id === this.settings.audience;
      return forUs ? personOf(payload, this.settings.claims) : undefined;
    } catch (error) {
      // The issuer out of reach (its keys timed out, or would not load) is no verdict on the token: busy, try again.
      if (error instanceof errors.JWKSTimeout || error instanceof IssuerUnreachable || !(error instanceof errors.JOSEError)) throw new BusyError();
      return undefined;
    }
  }

  /** The issuer's keys, from the `jwks_uri` its discovery document names. */
  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) }).catch((error: Error) => {
      throw new IssuerUnreachable(`${url}: ${error.message}`);
    });
    if (!response.ok) throw new IssuerUnreachable(`${url} answered ${response.status}`);
    const { jwks_uri: jwksUri } = (await response.json().catch(() => ({}))) as { jwks_uri?: string };
    if (!jwksUri) throw new IssuerUnreachable(`${url} names no jwks_uri`);
    this.keys = createRemoteJWKSet(new URL(jwksUri));
    return this.keys;
  }
}
