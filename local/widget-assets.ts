import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { lazy } from '../functions/core/lazy.js';
import { CACHE_CONTROL, type WidgetBuild } from '../widget/build.js';

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

export interface AssetResponse {
  readonly status: 200 | 304;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * The widget's files as the CDN serves them (infra/widget-cdn.ts: S3 behind CloudFront), for the local
 * funnel and the tests: the same paths, the same `Cache-Control` (entry five minutes, hashed chunks a
 * year), compressed as the browser accepts (brotli, else gzip), revalidated by ETag, readable by a
 * cross-origin `import()` (CORS). Each file is compressed once, at its first request.
 * @example const serve = widgetAssets(await buildWidget()); serve('/widget.js', req.headers['accept-encoding'])
 */
export function widgetAssets(build: WidgetBuild): (path: string, acceptEncoding?: string, ifNoneMatch?: string) => AssetResponse | undefined {
  const byPath = new Map(
    build.files.map((file) => {
      const tag = createHash('sha256').update(file.body).digest('base64url').slice(0, 22);
      const bodies: Record<WidgetEncoding, () => Buffer> = {
        br: lazy(() =>
          brotliCompressSync(file.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: file.body.length } }),
        ),
        gzip: lazy(() => gzipSync(file.body, { level: 9 })),
        identity: () => file.body,
      };
      // One ETag per representation (they are different bytes), all recognised on revalidation.
      const etags: Record<WidgetEncoding, string> = { br: `"${tag}-br"`, gzip: `"${tag}-gz"`, identity: `"${tag}"` };
      return [`/${file.path}` as string, { file, bodies, etags }] as const;
    }),
  );
  return (path, acceptEncoding, ifNoneMatch) => {
    const asset = byPath.get(path);
    if (!asset) return undefined;
    const encoding = negotiateEncoding(acceptEncoding);
    const headers: Record<string, string> = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': CACHE_CONTROL[asset.file.cache],
      etag: asset.etags[encoding],
      vary: 'accept-encoding',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      ...(encoding !== 'identity' && { 'content-encoding': encoding }),
    };
    const known = new Set(Object.values(asset.etags));
    if (ifNoneMatch?.split(',').some((t) => known.has(t.trim().replace(/^W\//, '')))) return { status: 304, headers, body: Buffer.alloc(0) };
    return { status: 200, headers, body: asset.bodies[encoding]() };
  };
}
