import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getForm } from '../../functions/use-cases/get-form.js';
import { fakeDeps } from '../support/builders.js';
import { widgetAssets } from '../../local/widget-assets.js';
import { CACHE_CONTROL, ENTRY_FILE, INLINE_GZIP_BUDGET_BYTES, LOADER_GZIP_BUDGET_BYTES, buildWidget } from '../../widget/build.js';

const gz = (b: Buffer | string) => gzipSync(b, { level: 9 }).length;

/** The demo ebook's definition as `GET /v1/forms/ebook` sends it (its impression proof included). */
const definition = async () => JSON.stringify(await getForm(fakeDeps().deps, 'ebook'));

describe('Widget bundle', () => {
  it(`stays under its gzip budgets: the loader ${LOADER_GZIP_BUDGET_BYTES} bytes, an inline form all in ${INLINE_GZIP_BUDGET_BYTES}`, async () => {
    // Act
    const { files, bytes, gzipBytes, loaderGzipBytes, inlineGzipBytes } = await buildWidget({ minify: true });
    const [loader, form, float] = files.map((f) => gz(f.body));

    // Assess: the loader alone; the loader, the form's code and the demo ebook's definition together (an
    // inline form never loads the floating modes' frames)
    expect(files.map((f) => f.path.replace(/-[A-Z0-9]{8}/, ''))).toEqual(['widget.js', 'chunks/form.js', 'chunks/float.js']);
    expect(bytes).toBe(files.reduce((n, f) => n + f.body.length, 0));
    expect(gzipBytes).toBe(loader! + form! + float!);
    expect(loaderGzipBytes).toBe(loader);
    expect(inlineGzipBytes).toBe(loader! + form!);
    expect(form).toBeGreaterThan(1000);
    expect(loader).toBeLessThanOrEqual(LOADER_GZIP_BUDGET_BYTES);
    expect(loader! + form! + gz(await definition())).toBeLessThanOrEqual(INLINE_GZIP_BUDGET_BYTES);
    // The budgets themselves are capped: raising them is a decision, not a drift.
    expect(LOADER_GZIP_BUDGET_BYTES).toBeLessThanOrEqual(1536);
    expect(INLINE_GZIP_BUDGET_BYTES).toBeLessThanOrEqual(7 * 1024);
  });

  it('is a stable loader that imports the form code, named by its content hash, only from a function', async () => {
    // Act: two builds of the same source, and the form code's name against its bytes
    const [a, b] = [await buildWidget(), await buildWidget()];

    // Assess: the loader keeps its name and is cached briefly; the form code's name changes only with its content
    expect(a.files.map((f) => [f.path, f.cache])).toEqual([
      [ENTRY_FILE, 'entry'],
      [expect.stringMatching(/^chunks\/form-[A-Z0-9]{8}\.js$/), 'chunk'],
      [expect.stringMatching(/^chunks\/float-[A-Z0-9]{8}\.js$/), 'chunk'],
    ]);
    expect(b.files.map((f) => f.path)).toEqual(a.files.map((f) => f.path));
    const [loader, form, float] = a.files;
    expect(loader!.body.toString()).toContain(JSON.stringify(form!.path));
    expect(loader!.body.toString()).toContain(JSON.stringify(float!.path));
    // The frames import nothing: the form's module hands them what they need.
    expect(float!.body.toString()).not.toMatch(/\bimport\b/);
    // Imported lazily, never at the loader's top level.
    expect(loader!.body.toString()).toMatch(/=>import\(/);
    const changed = await buildWidget({ minify: false });
    expect(changed.files[1]!.path).not.toBe(form!.path);
  });

  it('goes over the wire compressed, brotli where accepted, within the budget', async () => {
    // Prepare: the files as the local funnel serves them (the CDN's headers)
    const built = await buildWidget({ minify: true });
    const serve = widgetAssets(built);
    const wire = (acceptEncoding: string) =>
      built.files.map((f) => {
        const res = serve(`/${f.path}`, acceptEncoding)!;
        return { encoding: res.headers['content-encoding'], bytes: res.body.length, cache: res.headers['cache-control'] };
      });

    // Act: what Chromium, an older browser and a client with no compression each receive
    const br = wire('gzip, deflate, br, zstd');
    const gzip = wire('gzip, deflate');
    const plain = wire('identity');

    // Assess
    expect(br.map((r) => r.encoding)).toEqual(['br', 'br', 'br']);
    expect(gzip.map((r) => r.encoding)).toEqual(['gzip', 'gzip', 'gzip']);
    expect(plain.map((r) => r.bytes)).toEqual(built.files.map((f) => f.body.length));
    const total = (rs: { bytes: number }[]) => rs.reduce((n, r) => n + r.bytes, 0);
    expect(total(br)).toBeLessThan(total(gzip));
    expect(total(gzip.slice(0, 2))).toBeLessThanOrEqual(INLINE_GZIP_BUDGET_BYTES);
    expect(br.map((r) => r.cache)).toEqual([CACHE_CONTROL.entry, CACHE_CONTROL.chunk, CACHE_CONTROL.chunk]);
  });

  it('ships no zod and nothing from the server side', async () => {
    // Act
    const code = (await buildWidget({ minify: false })).files.map((f) => f.body.toString()).join('\n');

    // Assess: zod's own identifiers and error strings, and the server's modules, are absent
    expect(code).not.toMatch(/zod|ZodError|\$ZodType|safeParse/i);
    expect(code).not.toMatch(/functions\/core|@aws-sdk|middy/);
    expect(code).toContain('funnel-form');
  });
});

describe('Widget files as served (local/widget-assets.ts, the CDN\u2019s headers)', () => {
  const files = [
    { path: ENTRY_FILE, body: Buffer.from(`import(${JSON.stringify('chunks/widget-AAAA.js')})`), cache: 'entry' as const },
    { path: 'chunks/widget-AAAA.js', body: Buffer.from(`console.log(${JSON.stringify('widget '.repeat(400))})`), cache: 'chunk' as const },
  ];
  const serve = widgetAssets({ files, bytes: 0, gzipBytes: 0, loaderGzipBytes: 0, inlineGzipBytes: 0 });

  it('caches the entry five minutes and a hashed chunk a year, readable cross-origin, and answers a matching ETag with 304', () => {
    // Act
    const entry = serve('/widget.js', 'gzip')!;
    const chunk = serve('/chunks/widget-AAAA.js', 'gzip')!;
    const again = serve('/chunks/widget-AAAA.js', 'gzip', chunk.headers.etag)!;

    // Assess
    expect(entry.headers).toMatchObject({ 'cache-control': expect.stringContaining('max-age=300'), 'access-control-allow-origin': '*' });
    expect(chunk.headers).toMatchObject({ 'cache-control': 'public, max-age=31536000, immutable', 'content-type': 'text/javascript; charset=utf-8' });
    expect(gunzipSync(chunk.body)).toEqual(files[1]!.body);
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(serve('/chunks/widget-BBBB.js')).toBeUndefined();
    expect(serve('/widget.js.map')).toBeUndefined();
  });

  it('sends brotli where accepted, else gzip, else the plain file; each with its own ETag, each recognised', () => {
    // Act
    const get = (acceptEncoding?: string) => serve('/chunks/widget-AAAA.js', acceptEncoding)!;
    const [br, gz, plain] = [get('gzip, deflate, br, zstd'), get('gzip, deflate'), get()];

    // Assess
    expect([br, gz, plain].map((r) => r.headers['content-encoding'])).toEqual(['br', 'gzip', undefined]);
    expect(get('br;q=0, gzip').headers['content-encoding']).toBe('gzip');
    expect(get('identity').headers['content-encoding']).toBeUndefined();
    expect(br.body.length).toBeLessThan(files[1]!.body.length / 10);
    expect(new Set([br, gz, plain].map((r) => r.headers.etag)).size).toBe(3);
    expect(serve('/chunks/widget-AAAA.js', 'br', `W/${gz.headers.etag}`)!.status).toBe(304);
  });
});
