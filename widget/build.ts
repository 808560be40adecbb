import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Gzip budgets, bytes on the wire; `test/browser/widget-size.test.ts` fails above them and `npm run bench`
 * reports them.
 * - The loader: what every page with a snippet loads before any form is shown.
 * - An inline form, all in: the loader, the form's code and its definition (`GET /v1/forms/{formId}`).
 * Both are issue 14's targets: 1.5 KB and 7 KB (docs/widget.md#size-on-the-wire).
 */
export const LOADER_GZIP_BUDGET_BYTES = 1536;
export const INLINE_GZIP_BUDGET_BYTES = 7168;

/** The URL path of the loader a snippet loads; every other file sits under `CHUNK_DIR` with its hash in its name. */
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
  /** The loader (`widget.js`) first, then the content-hashed modules: the form's code and the frames of the floating modes. */
  readonly files: readonly WidgetFile[];
  /** Bytes of every file a page with a form loads, minified and gzipped. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Gzipped bytes of the loader alone. */
  readonly loaderGzipBytes: number;
  /** Gzipped bytes of the loader and the form's code: what an inline form loads besides its definition. */
  readonly inlineGzipBytes: number;
}

export const WIDGET_SRC = fileURLToPath(new URL('./src/', import.meta.url));

/** How the widget's code is bundled: here, and the console's live preview (`src/preview.ts`), built into the console with the same settings. */
export const widgetOptions = (minify: boolean) =>
  ({
    bundle: true,
    write: false,
    platform: 'browser',
    target: 'es2020',
    minify,
    legalComments: 'none',
    logLevel: 'silent',
    jsx: 'transform',
    jsxFactory: 'h',
  }) as const;

/**
 * Bundle the widget in memory: the loader (an IIFE at the snippet's stable URL) and the form's code (an ES
 * module named by its content hash, which the loader imports when a form is to be shown). No dependencies
 * at runtime, ES2020. JSX makes DOM elements directly (widget/src/dom.ts).
 * @example const { files } = await buildWidget(); // serve each file at `/${file.path}`
 */
export async function buildWidget(options: { minify?: boolean } = {}): Promise<WidgetBuild> {
  const common = widgetOptions(options.minify ?? true);
  // The form's code, and the popup, slide-in and bar frames apart (an inline page never loads them).
  const modules = await build({
    ...common,
    entryPoints: { form: join(WIDGET_SRC, 'ui.tsx'), float: join(WIDGET_SRC, 'float.tsx') },
    outdir: '/out',
    entryNames: `${CHUNK_DIR}/[name]-[hash]`,
    format: 'esm',
  });
  const chunks = modules.outputFiles.map((f): WidgetFile => ({ path: f.path.replace(/^\/out\//, ''), body: Buffer.from(f.contents), cache: 'chunk' }));
  const named = (name: string) => JSON.stringify(chunks.find((f) => f.path.startsWith(`${CHUNK_DIR}/${name}-`))!.path);
  const loader = await build({
    ...common,
    entryPoints: [join(WIDGET_SRC, 'loader.ts')],
    format: 'iife',
    define: { FORM_MODULE: named('form'), FLOAT_MODULE: named('float') },
  });
  const files = [{ path: ENTRY_FILE, body: Buffer.from(loader.outputFiles[0]!.contents), cache: 'entry' } as const, ...chunks];
  const gzip = (f: WidgetFile) => gzipSync(f.body, { level: 9 }).length;
  return {
    files,
    bytes: files.reduce((n, f) => n + f.body.length, 0),
    gzipBytes: files.reduce((n, f) => n + gzip(f), 0),
    loaderGzipBytes: gzip(files[0]!),
    inlineGzipBytes: files.filter((f) => !f.path.includes('/float-')).reduce((n, f) => n + gzip(f), 0),
  };
}

/** Where the deployable files go: the CDK app uploads this directory to the widget bucket. */
export const WIDGET_DIR = fileURLToPath(new URL('../dist/widget/', import.meta.url));

/** Build the minified widget into `dist/widget/` (run before every `cdk synth`), replacing what was there. */
export async function writeWidget(out = WIDGET_DIR): Promise<WidgetBuild> {
  const built = await buildWidget({ minify: true });
  await replaceDirectory(out, built.files);
  return built;
}

/** Replace what `out` holds with `files` (each at its path under it): a build's deployable directory. */
export async function replaceDirectory(out: string, files: readonly { path: string; body: Buffer }[]): Promise<void> {
  await rm(out, { recursive: true, force: true });
  for (const file of files) {
    await mkdir(dirname(join(out, file.path)), { recursive: true });
    await writeFile(join(out, file.path), file.body);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await writeWidget();
  for (const f of built.files) console.log(`dist/widget/${f.path}  ${f.body.length} B, ${gzipSync(f.body, { level: 9 }).length} B gzip (${f.cache})`);
  console.log(
    `loader ${built.loaderGzipBytes} B gzip (budget ${LOADER_GZIP_BUDGET_BYTES}); loader and form code ${built.inlineGzipBytes} B gzip; all ${built.gzipBytes} B`,
  );
  if (built.loaderGzipBytes > LOADER_GZIP_BUDGET_BYTES) {
    console.error('The loader is over its gzip budget.');
    process.exit(1);
  }
}
