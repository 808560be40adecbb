import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../functions/core/people.js';
import { LOCAL_CONSOLE, signInLocally } from '../../local/oidc.js';
import { DEV_USERS } from '../../local/people.js';
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

const signIn = (user: string) => signInLocally(funnel.url, user as Role);

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

  it('signs in a person the people page added, by their address, with the roles it gave them (from their next sign-in)', { timeout: 60_000 }, async () => {
    const { access_token: admin } = await signIn('admin');
    const add = await fetch(`${funnel.url}/v1/console/people`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'new.rep@acme.com', roles: ['sales'] }),
    });
    expect(add.status).toBe(201);
    const { id } = (await add.json()) as { id: string };
    const first = await (await me((await signIn('new.rep@acme.com')).access_token)).json();
    expect(first).toMatchObject({ sub: id, email: 'new.rep@acme.com', roles: ['sales'] });
    const change = await fetch(`${funnel.url}/v1/console/people/${id}/roles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: ['marketer'] }),
    });
    expect(change.status).toBe(200);
    expect(await (await me((await signIn('new.rep@acme.com')).access_token)).json()).toMatchObject({ roles: ['marketer'] });
    expect((await fetch(`${funnel.url}/v1/console/people/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(204);
    await expect(signIn('new.rep@acme.com')).rejects.toThrow();
  });
});
