import { gzipSync } from 'node:zlib';
import { type ConsoleBuild, CONSOLE_PATH, consoleCsp } from '../console/build.js';
import { lazy } from '../functions/core/lazy.js';
import { LOCAL_CONSOLE } from './oidc.js';
import { LOCAL_PAGE_HEADERS } from './page-headers.js';
import { negotiateEncoding } from './widget-assets.js';

/** What the console reads at start: its issuer and client (`console/src/auth.ts`). The deployed one is written by the CDK app. */
export interface ConsoleSettings {
  issuer: string;
  clientId: string;
  resource?: string;
  scope: string;
  logoutUrl?: string;
}

/** The local console's settings: `npm start`'s own OpenID provider. */
export const localConsoleSettings = (issuer: string): ConsoleSettings => ({
  issuer,
  clientId: LOCAL_CONSOLE.clientId,
  resource: LOCAL_CONSOLE.resource,
  scope: 'openid email groups',
});

/**
 * The console at `/console` as CloudFront serves it deployed: hashed assets cached for a year, the page
 * and its settings revalidated, any other path under it answered with the page (the console routes in
 * the browser), gzipped when accepted, under the console's strict Content-Security-Policy.
 */
export function consoleAssets(build: ConsoleBuild, settings: ConsoleSettings) {
  const headers = { ...LOCAL_PAGE_HEADERS, 'content-security-policy': consoleCsp(new URL(settings.issuer).origin) };
  const files = new Map(
    [...build.files, { path: 'config.json', body: Buffer.from(JSON.stringify(settings)), type: 'application/json', immutable: false }].map((f) => [
      `${CONSOLE_PATH}/${f.path}`,
      { ...f, gzip: lazy(() => gzipSync(f.body, { level: 9 })) },
    ]),
  );
  const page = files.get(`${CONSOLE_PATH}/index.html`)!;
  return (path: string, acceptEncoding?: string): { status: number; headers: Record<string, string>; body: Buffer } | undefined => {
    if (path === CONSOLE_PATH) return { status: 302, headers: { ...headers, location: `${CONSOLE_PATH}/` }, body: Buffer.alloc(0) };
    if (!path.startsWith(`${CONSOLE_PATH}/`)) return undefined;
    const asset = files.get(path);
    // A hashed asset that is not there is a 404 (an old page asking for a file a new build replaced), not the page.
    if (!asset && path.startsWith(`${CONSOLE_PATH}/assets/`)) return { status: 404, headers, body: Buffer.from('Not found') };
    const file = asset ?? page;
    const gzip = negotiateEncoding(acceptEncoding) !== 'identity';
    return {
      status: 200,
      headers: {
        ...headers,
        'content-type': file.type,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        vary: 'accept-encoding',
        ...(gzip && { 'content-encoding': 'gzip' }),
      },
      body: gzip ? file.gzip() : file.body,
    };
  };
}
