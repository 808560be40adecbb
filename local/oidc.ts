import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Role } from '../functions/core/people.js';
import { LocalPeopleDirectory } from './people.js';

/**
 * The local OpenID provider `npm start` runs at `/oidc` (`oidc-provider`, a certified implementation, not
 * a fake token endpoint): authorization code with PKCE for the console, its access tokens JWTs for the
 * console's audience with the person's roles in `groups`. One dev user per role; its built-in login page
 * takes the user's name and any password (local only: it listens on loopback).
 */
export const LOCAL_CONSOLE = {
  path: '/oidc',
  clientId: 'funnel-console',
  /** The resource the console's access tokens are for, and the audience they name. */
  resource: 'urn:funnel:console',
  audience: 'funnel-console-api',
  /** Where the provider puts roles in the access token (Cognito's is `cognito:groups`). */
  rolesClaim: 'groups',
} as const;

export interface LocalOidc {
  issuer: string;
  /** Serves a request under `/oidc`; false when the path is not the provider's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Start the provider for a funnel at `url`; the console's sign-in redirects back to `<url>/console/…`. */
export async function startLocalOidc(url: string, people: LocalPeopleDirectory = new LocalPeopleDirectory()): Promise<LocalOidc> {
  const issuer = `${url}${LOCAL_CONSOLE.path}`;
  // Keys for this run: a token outlives no restart (sign in again), and nothing secret is written to disk.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  // Its two development notices (an in-memory store, the built-in login page) are what this provider is
  // for: the banner's line says so ("any password"); the rest of its warnings still print.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void (String(args[0]).includes('quick start development-only') || warn(...args));
  let provider: Provider;
  try {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: LOCAL_CONSOLE.clientId,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [`${url}/console/callback`],
          post_logout_redirect_uris: [`${url}/console/`],
        },
      ],
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      // Said, not defaulted (the provider notes each default it falls back to): an hour's tokens, a day's session.
      ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86_400, Grant: 86_400 },
      // The console is on the provider's own origin (its token request still names it): that origin only.
      clientBasedCORS: (_ctx, origin) => origin === new URL(url).origin,
      jwks: { keys: [signing] },
      claims: { openid: ['sub'], email: ['email'], groups: [LOCAL_CONSOLE.rolesClaim] },
      scopes: ['openid', 'email', 'groups'],
      // The login page's name: a dev user's (its role) or the address of a person the people page added.
      // Roles are read at each sign-in, as Cognito reads groups: a change holds from the next one.
      findAccount: async (_ctx, login) => {
        const user = people.find(login);
        if (!user) return undefined;
        people.signedIn(user.id);
        return { accountId: user.id, claims: async () => ({ sub: user.id, email: user.email, [LOCAL_CONSOLE.rolesClaim]: user.roles }) };
      },
      extraTokenClaims: async (_ctx, token) => {
        const sub = 'accountId' in token ? token.accountId : undefined;
        const user = sub ? people.find(sub) : undefined;
        return user ? { email: user.email, [LOCAL_CONSOLE.rolesClaim]: user.roles } : undefined;
      },
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => LOCAL_CONSOLE.resource,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resource) => {
            if (resource !== LOCAL_CONSOLE.resource) throw new errors.InvalidTarget();
            return { scope: 'openid email groups', audience: LOCAL_CONSOLE.audience, accessTokenFormat: 'jwt', accessTokenTTL: 3600 };
          },
        },
      },
    });
  } finally {
    console.warn = warn;
  }
  const callback = provider.callback();
  return {
    issuer,
    handle: (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== LOCAL_CONSOLE.path && !path.startsWith(`${LOCAL_CONSOLE.path}/`)) return false;
      // Mounted under a prefix: the provider reads it from originalUrl, and routes the rest.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = (req.url ?? '/').slice(LOCAL_CONSOLE.path.length) || '/';
      void callback(req, res);
      return true;
    },
  };
}

/**
 * Sign in to the local provider of the funnel at `funnelUrl` as a dev user, the way the console does
 * (authorization code with PKCE), its login and consent pages posted over HTTP as a browser would post
 * them. For the smoke test and the tests: the tokens are the provider's own, checked like any other.
 * @throws Error naming the step that failed
 */
export async function signInLocally(funnelUrl: string, user: Role | string): Promise<{ access_token: string; id_token: string; token_type: string }> {
  const issuer = `${funnelUrl}${LOCAL_CONSOLE.path}`;
  const redirectUri = `${funnelUrl}/console/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('base64url');
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  let res = await go(
    `${issuer}/auth?${new URLSearchParams({
      client_id: LOCAL_CONSOLE.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email groups',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      resource: LOCAL_CONSOLE.resource,
    })}`,
  );
  const prompts = ['login', 'consent'];
  for (let hop = 0; hop < 12; hop++) {
    const location = new URL(res.headers.get('location') ?? '', issuer);
    if (location.href.startsWith(redirectUri)) {
      if (location.searchParams.get('state') !== state) throw new Error('the sign-in came back with another state');
      const token = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          client_id: LOCAL_CONSOLE.clientId,
          code_verifier: verifier,
          resource: LOCAL_CONSOLE.resource,
        }),
      });
      if (token.status !== 200) throw new Error(`the token endpoint answered ${token.status}`);
      return (await token.json()) as { access_token: string; id_token: string; token_type: string };
    }
    res = location.pathname.includes('/interaction/')
      ? await go(location.href, {
          method: 'POST',
          headers: form,
          body: new URLSearchParams({ prompt: prompts.shift() ?? 'consent', login: user, password: 'any' }),
        })
      : await go(location.href);
  }
  throw new Error('the sign-in never came back to the console');
}
