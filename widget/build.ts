import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The gzip size the widget module must stay under; `test/browser/widget-size.test.ts` fails above it.
 * 8 KB until the page-view tracker (widget/src/track.ts, about 0.33 KB gzipped) came in: raised to 8.5 KB for it.
 */
export const WIDGET_GZIP_BUDGET_BYTES = 8 * 1024 + 512;

/**
 * The entry script's own budget. It is the price of caching the module for a year: a reader's next page
 * revalidates about 170 bytes instead of 8.5 KB.
 */
export const ENTRY_GZIP_BUDGET_BYTES = 200;

/** The URL path of the entry script a snippet loads; every other file sits under `CHUNK_DIR` with its hash in its name. */
export const ENTRY_FILE = 'widget.js';
export const CHUNK_DIR = 'chunks';

/**
 * How long each kind of file may be cached, by browsers and by the CDN. The same headers locally
 * (local/widget-assets.ts) and on S3 behind CloudFront (infra/widget-cdn.ts).
 * - The entry keeps its name across releases, so it is cached briefly: a release reaches every page
 *   within five minutes (the CDN's copy is invalidated on deploy), and a stale copy is used while it revalidates.
 * - A chunk's name changes whenever its content does, so it never changes: cached for a year, never revalidated.
 */
export const CACHE_CONTROL = {
  entry: 'public, max-age=300, stale-while-revalidate=86400',
  chunk: 'public, max-age=31536000, immutable',
} as const;

/** One file of the built widget: its URL path (no leading slash), its bytes, and how it is cached. */
export interface WidgetFile {
  readonly path: string;
  readonly body: Buffer;
  readonly cache: keyof typeof CACHE_CONTROL;
}

export interface WidgetBuild {
  /** The entry (`widget.js`) first, then the content-hashed chunks. */
  readonly files: readonly WidgetFile[];
  /** Bytes of every file a page with a form loads, minified and gzipped. */
  readonly bytes: number;
  readonly gzipBytes: number;
}

const SRC = fileURLToPath(new URL('./src/', import.meta.url));

/**
 * Bundle the widget in memory: a tiny entry script (an IIFE, the snippet's stable URL) that imports the
 * widget itself, an ES module named by its content hash. No dependencies at runtime, ES2020.
 * @example const { files } = await buildWidget(); // serve each file at `/${file.path}`
 */
export async function buildWidget(options: { minify?: boolean } = {}): Promise<WidgetBuild> {
  const common = {
    bundle: true,
    write: false,
    platform: 'browser',
    target: 'es2020',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  } as const;
  const main = await build({
    ...common,
    entryPoints: { widget: join(SRC, 'index.tsx') },
    outdir: '/out',
    entryNames: `${CHUNK_DIR}/[name]-[hash]`,
    format: 'esm',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const chunks = main.outputFiles.map((f): WidgetFile => ({ path: f.path.replace(/^\/out\//, ''), body: Buffer.from(f.contents), cache: 'chunk' }));
  const entry = await build({
    ...common,
    entryPoints: [join(SRC, 'entry.ts')],
    format: 'iife',
    define: { WIDGET_MODULE: JSON.stringify(chunks[0]!.path) },
  });
  const files = [{ path: ENTRY_FILE, body: Buffer.from(entry.outputFiles[0]!.contents), cache: 'entry' } as const, ...chunks];
  const all = Buffer.concat(files.map((f) => f.body));
  return { files, bytes: all.length, gzipBytes: files.reduce((n, f) => n + gzipSync(f.body, { level: 9 }).length, 0) };
}

/** Where the deployable files go: the CDK app uploads this directory to the widget bucket. */
export const WIDGET_DIR = fileURLToPath(new URL('../dist/widget/', import.meta.url));

/** Build the minified widget into `dist/widget/` (run before every `cdk synth`), replacing what was there. */
export async function writeWidget(out = WIDGET_DIR): Promise<WidgetBuild> {
  const built = await buildWidget({ minify: true });
  await rm(out, { recursive: true, force: true });
  for (const file of built.files) {
    await mkdir(dirname(join(out, file.path)), { recursive: true });
    await writeFile(join(out, file.path), file.body);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await writeWidget();
  const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
  const pct = Math.round((built.gzipBytes / (WIDGET_GZIP_BUDGET_BYTES + ENTRY_GZIP_BUDGET_BYTES)) * 100);
  for (const f of built.files) console.log(`dist/widget/${f.path}  ${f.body.length} B, ${gzipSync(f.body, { level: 9 }).length} B gzip (${f.cache})`);
  console.log(
    `total\n  minified  ${String(built.bytes).padStart(6)} B  ${kb(built.bytes)}\n  gzip      ${String(built.gzipBytes).padStart(6)} B  ${kb(built.gzipBytes)}\n  budget    ${String(WIDGET_GZIP_BUDGET_BYTES + ENTRY_GZIP_BUDGET_BYTES).padStart(6)} B  ${kb(WIDGET_GZIP_BUDGET_BYTES + ENTRY_GZIP_BUDGET_BYTES)} (${pct}% used: the module's ${WIDGET_GZIP_BUDGET_BYTES} and the entry's ${ENTRY_GZIP_BUDGET_BYTES})`,
  );
  const [entry, ...chunks] = built.files.map((f) => gzipSync(f.body, { level: 9 }).length);
  if (entry! > ENTRY_GZIP_BUDGET_BYTES || chunks.reduce((a, b) => a + b, 0) > WIDGET_GZIP_BUDGET_BYTES) {
    console.error('Widget is over its gzip budget.');
    process.exit(1);
  }
}
