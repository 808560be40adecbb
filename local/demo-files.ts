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
 * The demo blog's file for a `/demo…` path, with `{{API_URL}}` filled in on HTML pages; undefined for
 * anything missing or outside `local/demo/` (no path traversal).
 */
export async function demoFile(path: string, apiUrl: string): Promise<{ type: string; body: string | Buffer } | undefined> {
  const file = path === '/demo' || path === '/demo/' ? 'index.html' : path === '/demo/welcome' ? 'welcome.html' : path.slice('/demo/'.length);
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
