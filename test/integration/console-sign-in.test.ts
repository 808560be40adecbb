import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_USERS, LOCAL_CONSOLE } from '../../local/oidc.js';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Issue 23 (sign-in): the local funnel's real OpenID provider, signed in to as each dev user with the
 * authorization code flow and PKCE (its login form driven over HTTP, as a browser would post it), and the
 * access token it issues accepted by the console's routes through the one verification path.
 */
let funnel: RunningFunnel;
beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, rawConfig: testConfigFn(), logLevel: 'silent', dueCheckIntervalMs: 0 });
}, 120_000);
afterAll(() => funnel?.stop());

/** Sign in as `user` through the provider's login page; answers the token endpoint's JSON. */
async function signIn(user: string): Promise<{ access_token: string; id_token: string; token_type: string }> {
  const issuer = `${funnel.url}${LOCAL_CONSOLE.path}`;
  const redirectUri = `${funnel.url}/console/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  };
  const authorize = `${issuer}/auth?${new URLSearchParams({
    client_id: LOCAL_CONSOLE.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid email groups',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
    resource: LOCAL_CONSOLE.resource,
  })}`;
  let res = await go(authorize);
  const prompts = ['login', 'consent'];
  for (let hop = 0; hop < 12; hop++) {
    const location = new URL(res.headers.get('location') ?? '', issuer);
    if (location.href.startsWith(redirectUri)) {
      expect(location.searchParams.get('state')).toBe('st');
      const token = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: redirectUri,
          client_id: LOCAL_CONSOLE.clientId,
          code_verifier: verifier,
          resource: LOCAL_CONSOLE.resource,
        }),
      });
      expect(token.status).toBe(200);
      return token.json();
    }
    res = location.pathname.includes('/interaction/')
      ? await go(location.href, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ prompt: prompts.shift() ?? 'consent', login: user, password: 'any' }),
        })
      : await go(location.href);
  }
  throw new Error('the sign-in never came back to the console');
}

const me = (token?: string) => fetch(`${funnel.url}/v1/console/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('Console sign-in on the local funnel (oidc-provider, code + PKCE, JWT access tokens)', () => {
  it('publishes its discovery document at the issuer the console trusts', async () => {
    const discovery = await (await fetch(`${funnel.url}${LOCAL_CONSOLE.path}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({ issuer: `${funnel.url}${LOCAL_CONSOLE.path}`, code_challenge_methods_supported: ['S256'] });
  });

  it.each(Object.keys(DEV_USERS))('signs in the dev user %s, whose token the console routes accept with its role', { timeout: 60_000 }, async (user) => {
    const { access_token: token, token_type: type } = await signIn(user);
    expect(type).toBe('Bearer');
    const res = await me(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sub: user,
      email: `${user}@funnel.local`,
      roles: [user],
      siteIds: ['*'],
      sites: [{ id: 'demo', name: 'Demo Blog' }],
    });
  });

  it('answers 401 without a token, and for an ID token (not an access token for the console) or an altered one', { timeout: 60_000 }, async () => {
    const { access_token: token, id_token: idToken } = await signIn('viewer');
    expect((await me()).status).toBe(401);
    expect((await me(idToken)).status).toBe(401);
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), groups: ['admin'] })).toString('base64url');
    expect((await me(`${h}.${forged}.${s}`)).status).toBe(401);
  });
});
