import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { ROLES, type Role } from '../functions/core/people.js';

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

/** The dev users: each signs in with its name (any password) and holds the role of the same name. */
export const DEV_USERS: Readonly<Record<Role, { email: string }>> = Object.fromEntries(ROLES.map((r) => [r, { email: `${r}@funnel.local` }])) as Record<
  Role,
  { email: string }
>;

export interface LocalOidc {
  issuer: string;
  /** Serves a request under `/oidc`; false when the path is not the provider's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Start the provider for a funnel at `url`; the console's sign-in redirects back to `<url>/console/…`. */
export async function startLocalOidc(url: string): Promise<LocalOidc> {
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
      findAccount: async (_ctx, sub) => {
        const user = DEV_USERS[sub as Role];
        return user && { accountId: sub, claims: async () => ({ sub, email: user.email, [LOCAL_CONSOLE.rolesClaim]: [sub] }) };
      },
      extraTokenClaims: async (_ctx, token) => {
        const sub = 'accountId' in token ? token.accountId : undefined;
        const user = sub ? DEV_USERS[sub as Role] : undefined;
        return user ? { email: user.email, [LOCAL_CONSOLE.rolesClaim]: [sub] } : undefined;
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
