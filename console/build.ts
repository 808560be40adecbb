import { build } from 'esbuild';
import { join } from 'node:path';
import { replaceDirectory, WIDGET_SRC, widgetOptions } from '../widget/build.js';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The console's budget, gzipped bytes on the wire: what the first page loads (its HTML, the entry's
 * script, the chunks it imports and the style sheet) before any area's own code. Each area (overview,
 * leads, a lead, audit, API keys) is a chunk loaded when it is opened. `test/browser/console.test.ts`
 * fails above it; `npm run bench -- console` reports it.
 */
export const FIRST_LOAD_GZIP_BUDGET_BYTES = 80 * 1024;

/** Where the console is served: `npm start` at this path, CloudFront the same (infra/console-site.ts). */
export const CONSOLE_PATH = '/console';

export interface ConsoleFile {
  /** Under {@link CONSOLE_PATH}, no leading slash: `index.html`, `assets/main-XXXX.js`. */
  readonly path: string;
  readonly body: Buffer;
  readonly type: string;
  /** `index.html` and `config.json` are revalidated; the hashed assets are immutable. */
  readonly immutable: boolean;
}

export interface ConsoleBuild {
  readonly files: readonly ConsoleFile[];
  /** Gzipped bytes of the first load: the page, its entry script and static imports, its style sheet. */
  readonly firstLoadGzipBytes: number;
  /** Gzipped bytes of each area's own chunk(s), by area. */
  readonly areaGzipBytes: Record<string, number>;
  /** Gzipped bytes of the widget's preview entry, which each frame of a form's live preview loads. */
  readonly previewGzipBytes: number;
}

const SRC = fileURLToPath(new URL('./src/', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };
const typeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/**
 * Bundle the console in memory: Preact, its signals and router, and the areas split into chunks loaded on
 * demand (ES modules, content-hashed names), one style sheet, and the page that loads them. The page names
 * no inline script or style, so the strict policy (`consoleCsp`) holds.
 */
export async function buildConsole(options: { minify?: boolean } = {}): Promise<ConsoleBuild> {
  // The forms page's live preview runs the widget's own code (built as the widget is) in frames of its own.
  const widgetPreview = await build({
    ...widgetOptions(options.minify ?? true),
    entryPoints: { preview: join(WIDGET_SRC, 'preview.ts') },
    outdir: '/out/assets',
    entryNames: '[name]-[hash]',
    format: 'esm',
  });
  const preview = widgetPreview.outputFiles.map((f) => ({ path: f.path.replace(/^\/out\//, ''), body: Buffer.from(f.contents) }));
  const out = await build({
    entryPoints: { main: join(SRC, 'main.tsx') },
    bundle: true,
    splitting: true,
    format: 'esm',
    write: false,
    outdir: '/out/assets',
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    define: { PREVIEW_SCRIPT: JSON.stringify(`${CONSOLE_PATH}/${preview[0]!.path}`) },
    // Metafile paths are relative to this: `out/assets/…` for the outputs.
    absWorkingDir: '/',
  });
  const assets = out.outputFiles.map((f) => ({ path: f.path.replace(/^\/out\//, ''), body: Buffer.from(f.contents) }));
  const entry = assets.find((a) => /^assets\/main-[^/]+\.js$/.test(a.path))!;
  const css = assets.find((a) => a.path.endsWith('.css'));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Funnel console</title>
${css ? `<link rel="stylesheet" href="${CONSOLE_PATH}/${css.path}">\n` : ''}<script type="module" src="${CONSOLE_PATH}/${entry.path}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the console…</p></div>
<noscript>The Funnel console needs JavaScript.</noscript>
</body>
</html>
`;
  const files: ConsoleFile[] = [
    { path: 'index.html', body: Buffer.from(html), type: typeOf('.html'), immutable: false },
    ...[...assets, ...preview].map((a) => ({ ...a, type: typeOf(a.path), immutable: true })),
  ];
  const gzip = (body: Buffer) => gzipSync(body, { level: 9 }).length;
  // The first load: the entry and every chunk it imports statically (not the dynamic imports: the areas).
  const outputs = Object.fromEntries(
    Object.entries(out.metafile.outputs).map(([k, v]) => [`/${k}`, { ...v, imports: v.imports.map((i) => ({ ...i, path: `/${i.path}` })) }]),
  );
  const first = new Set<string>();
  const visit = (path: string) => {
    if (first.has(path)) return;
    first.add(path);
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(`/out/${entry.path}`);
  const byPath = new Map(assets.map((a) => [`/out/${a.path}`, a.body]));
  const firstLoadGzipBytes = gzip(Buffer.from(html)) + [...first].reduce((n, p) => n + gzip(byPath.get(p)!), 0) + (css ? gzip(css.body) : 0);
  const areaGzipBytes: Record<string, number> = {};
  for (const [path, meta] of Object.entries(outputs)) {
    // An area's chunk is the entry of its dynamic import (a page may import another module of pages/).
    const area = (meta.entryPoint ?? Object.keys(meta.inputs).find((i) => i.includes('console/src/pages/')))?.match(/pages\/(.+)\.tsx$/)?.[1];
    if (area && !first.has(path) && path.endsWith('.js')) areaGzipBytes[area] = (areaGzipBytes[area] ?? 0) + gzip(byPath.get(path)!);
  }
  return { files, firstLoadGzipBytes, areaGzipBytes, previewGzipBytes: gzip(preview[0]!.body) };
}

/**
 * The console's Content-Security-Policy: its own scripts only (no inline; a form's live preview runs the
 * widget's preview entry, an asset of the console's, in `srcdoc` frames that inherit this policy), its own
 * styles and the inline styles of the emails it previews (in frames sandboxed without scripts) and of the
 * preview's page, calls to its own
 * origin (the API behind the same name) and to the OpenID provider's origins (discovery and the token
 * endpoint), nothing framed, no base, no form posts, no plugins.
 * @example consoleCsp('https://cognito-idp.eu-west-1.amazonaws.com')
 */
export function consoleCsp(...providerOrigins: string[]): string {
  const idp = [...new Set(providerOrigins)].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Inline styles: an email's own (the emails page previews each in a sandboxed frame, which inherits
    // this policy; no script runs there). Scripts stay the console's own.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${idp}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Where `npm run build:console` writes the deployable files (the CDK app uploads them). */
export const CONSOLE_DIR = fileURLToPath(new URL('../dist/console/', import.meta.url));

export async function writeConsole(out = CONSOLE_DIR): Promise<ConsoleBuild> {
  const built = await buildConsole({ minify: true });
  await replaceDirectory(out, built.files);
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await writeConsole();
  for (const f of built.files) console.log(`dist/console/${f.path}  ${f.body.length} B`);
  console.log(
    `first load ${built.firstLoadGzipBytes} B gzip (budget ${FIRST_LOAD_GZIP_BUDGET_BYTES}); areas ${JSON.stringify(built.areaGzipBytes)}; form preview ${built.previewGzipBytes} B gzip`,
  );
  if (built.firstLoadGzipBytes > FIRST_LOAD_GZIP_BUDGET_BYTES) {
    console.error('The console is over its first-load budget.');
    process.exit(1);
  }
}
