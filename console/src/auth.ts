import * as oauth from 'oauth4webapi';

/**
 * Sign-in: OpenID Connect authorization code with PKCE (RFC 7636) against the console's issuer, by
 * oauth4webapi (a certified client). The console is a public client: no secret, a fresh verifier and state
 * each time. Tokens stay in this tab's sessionStorage (gone when the tab closes); the strict
 * Content-Security-Policy is what keeps other scripts from reading them.
 */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  /** The resource (RFC 8707) the access token is for, when the provider asks for one (the local provider does). */
  resource?: string;
  scope: string;
  /** Where signing out ends the provider's session, when its discovery document names no end_session_endpoint (Cognito's /logout). */
  logoutUrl?: string;
}

export interface Session {
  accessToken: string;
  idToken?: string;
  /** Epoch ms. */
  expiresAt: number;
}

const SESSION = 'funnel.console.session';
const PENDING = 'funnel.console.pending';
export const CALLBACK_PATH = '/console/callback';

let server: Promise<oauth.AuthorizationServer> | undefined;
let config: Promise<ConsoleConfig> | undefined;

export const consoleConfig = (): Promise<ConsoleConfig> =>
  (config ??= fetch('/console/config.json').then((r) => {
    if (!r.ok) throw new Error(`The console's configuration did not load (${r.status})`);
    return r.json() as Promise<ConsoleConfig>;
  }));

/** http:// is allowed for a provider on this machine only (npm start's own); anything else must be https. */
const insecure = (issuer: URL) => issuer.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
const options = (issuer: URL) => (insecure(issuer) ? { [oauth.allowInsecureRequests]: true } : {});

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  server ??= consoleConfig().then(async ({ issuer }) => {
    const url = new URL(issuer);
    return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...options(url) }));
  });
  return server;
}

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

export function currentSession(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() + 30_000 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Off to the issuer's sign-in page; back at {@link CALLBACK_PATH}, then at `returnTo`. */
export async function signIn(returnTo = location.pathname + location.search): Promise<never> {
  const [as, cfg] = await Promise.all([authorizationServer(), consoleConfig()]);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo: returnTo.startsWith('/console') ? returnTo : '/console/' }));
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: cfg.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: cfg.scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(cfg.resource && { resource: cfg.resource }),
  }).toString();
  location.assign(url.href);
  return new Promise<never>(() => {});
}

/** Finish a sign-in at the callback: check the state, trade the code (with the verifier) for tokens. Returns where to go. */
export async function completeSignIn(): Promise<string> {
  const [as, cfg] = await Promise.all([authorizationServer(), consoleConfig()]);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Error('This sign-in was not started here (or was already used). Sign in again.');
  const client: oauth.Client = { client_id: cfg.clientId };
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), pending.state);
  const issuer = new URL(cfg.issuer);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
    ...options(issuer),
    ...(cfg.resource && { additionalParameters: { resource: cfg.resource } }),
  });
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  const session: Session = {
    accessToken: tokens.access_token,
    ...(tokens.id_token && { idToken: tokens.id_token }),
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  return pending.returnTo;
}

/** Forget the tokens here, and end the session at the issuer when it offers that. */
export async function signOut(): Promise<void> {
  const session = currentSession();
  sessionStorage.removeItem(SESSION);
  const [as, cfg] = await Promise.all([authorizationServer(), consoleConfig()]);
  if (cfg.logoutUrl) return void location.assign(cfg.logoutUrl);
  if (!as.end_session_endpoint) return void location.assign('/console/');
  const url = new URL(as.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: cfg.clientId,
    post_logout_redirect_uri: `${location.origin}/console/`,
    ...(session?.idToken && { id_token_hint: session.idToken }),
  }).toString();
  location.assign(url.href);
}
