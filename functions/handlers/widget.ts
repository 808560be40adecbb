import { WIDGET } from './endpoints/widget.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { lazy } from '../core/lazy.js';
import { header, routeGroup } from './http.js';

/** The file the CDK bundling step copies next to this handler (see infra/stateless-stack.ts). */
export const WIDGET_FILE = 'widget.js';

/** The encodings the widget is served in, best first. */
export type WidgetEncoding = 'br' | 'gzip' | 'identity';

/**
 * The best encoding a request accepts (RFC 9110 `Accept-Encoding`, q-values honoured; `q=0` refuses).
 * @example negotiateEncoding('gzip, deflate, br') // 'br'
 */
export function negotiateEncoding(acceptEncoding: string | undefined): WidgetEncoding {
  const q = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return 'identity';
}

/**
 * `GET /widget.js`: the script every snippet loads, compressed (brotli where the browser accepts it, else
 * gzip: API Gateway HTTP APIs compress nothing themselves). Browsers keep it five minutes and then
 * revalidate with its ETag (a 304 costs no body), so a new deploy reaches every blog within minutes. Each
 * encoding is compressed once per environment, at its first request.
 */
export const makeWidgetHandler = (load: () => string) => {
  const asset = lazy(() => {
    const code = Buffer.from(load());
    const tag = createHash('sha256').update(code).digest('base64url').slice(0, 22);
    const bodies: Record<WidgetEncoding, () => Buffer> = {
      br: lazy(() => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } })),
      gzip: lazy(() => gzipSync(code, { level: 9 })),
      identity: () => code,
    };
    // One ETag per representation (they are different bytes), all recognised on revalidation.
    const etags: Record<WidgetEncoding, string> = { br: `"${tag}-br"`, gzip: `"${tag}-gz"`, identity: `"${tag}"` };
    return { bodies, etags };
  });
  return routeGroup(WIDGET, {
    widget: async ({ event }) => {
      const { bodies, etags } = asset();
      const encoding = negotiateEncoding(header(event, 'accept-encoding'));
      const headers: Record<string, string> = {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
        etag: etags[encoding],
        vary: 'accept-encoding',
        'access-control-allow-origin': '*',
        'x-content-type-options': 'nosniff',
        ...(encoding !== 'identity' && { 'content-encoding': encoding }),
      };
      const known = new Set(Object.values(etags));
      const ifNoneMatch = header(event, 'if-none-match');
      if (ifNoneMatch?.split(',').some((t) => known.has(t.trim().replace(/^W\//, '')))) return { statusCode: 304, headers, body: '' };
      return { statusCode: 200, headers, body: bodies[encoding]().toString('base64'), isBase64Encoded: true };
    },
  });
};

export const handler = makeWidgetHandler(() => readFileSync(new URL(`./${WIDGET_FILE}`, import.meta.url), 'utf8'));
