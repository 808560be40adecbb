import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO_DIR = fileURLToPath(new URL('./demo/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Pages at the paths the demo scoring rules watch (`/pricing`, `/docs/**`), as on a real site. They carry
 * the tracking-only snippet, so a visitor who consented is seen reading them.
 */
const PAGES: Record<string, string> = {
  '/demo': 'index.html',
  '/demo/': 'index.html',
  '/demo/welcome': 'welcome.html',
  '/pricing': 'pricing.html',
  '/docs/getting-started': 'docs.html',
};

/** Whether the demo site serves this path (the local runtime routes it here instead of to the API). */
export const isDemoPath = (path: string): boolean => path in PAGES || path.startsWith('/demo/');

/**
 * The demo blog's file for a `/demo…` path, with `{{API_URL}}` filled in on HTML pages; undefined for
 * anything missing or outside `local/demo/` (no path traversal).
 */
export async function demoFile(path: string, apiUrl: string): Promise<{ type: string; body: string | Buffer } | undefined> {
  const file = PAGES[path] ?? (path.startsWith('/demo/') ? path.slice('/demo/'.length) : undefined);
  if (!file) return undefined;
  const resolved = normalize(join(DEMO_DIR, file));
  if (!resolved.startsWith(DEMO_DIR)) return undefined;
  try {
    const content = await readFile(resolved);
    const type = TYPES[extname(resolved)] ?? 'application/octet-stream';
    return { type, body: type.startsWith('text/html') ? content.toString('utf8').replaceAll('{{API_URL}}', apiUrl) : content };
  } catch {
    return undefined;
  }
}
