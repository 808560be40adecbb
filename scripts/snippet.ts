import { fileURLToPath } from 'node:url';
import rawConfig from '../config/funnel.config.js';
import { ConfigIndex, parseConfig } from '../functions/core/config.js';

/**
 * Print the `<script>` snippet a marketer pastes into a blog post.
 *
 *   npm run snippet -- ebook
 *   npm run snippet -- trial --api https://api.example.com
 *   npm run snippet -- --track-only --api https://api.example.com   # pages without a form
 *
 * The API base defaults to $FUNNEL_API_URL, else http://localhost:3000. An unknown form id exits 1 and
 * lists the form ids the config knows.
 */

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The embed snippet for one form. The widget mounts its form right where the tag is.
 * @example snippetFor('ebook', 'https://api.example.com/')
 * // <script async src="https://api.example.com/widget.js" data-funnel-form="ebook" data-funnel-api="https://api.example.com"></script>
 */
export function snippetFor(formId: string, apiUrl: string): string {
  const api = escapeAttr(apiUrl.trim().replace(/\/+$/, ''));
  return `<script async src="${api}/widget.js" data-funnel-form="${escapeAttr(formId)}" data-funnel-api="${api}"></script>`;
}

/**
 * The tracking-only snippet, for pages without a form: it mounts nothing and only sends the page views of a
 * visitor who submitted a form with marketing consent earlier.
 * @example trackingSnippetFor('https://api.example.com/')
 * // <script async src="https://api.example.com/widget.js" data-funnel-api="https://api.example.com"></script>
 */
export function trackingSnippetFor(apiUrl: string): string {
  const api = escapeAttr(apiUrl.trim().replace(/\/+$/, ''));
  return `<script async src="${api}/widget.js" data-funnel-api="${api}"></script>`;
}

function main(argv: string[]): number {
  let api = process.env.FUNNEL_API_URL || 'http://localhost:3000';
  const positional: string[] = [];
  let trackOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--api') api = argv[++i] ?? '';
    else if (arg.startsWith('--api=')) api = arg.slice('--api='.length);
    else if (arg === '--track-only') trackOnly = true;
    else if (arg === '--help' || arg === '-h') positional.length = 0;
    else positional.push(arg);
  }
  const index = new ConfigIndex(parseConfig(rawConfig));
  const known = index.config.sites.flatMap((site) => site.forms.map((form) => `${form.id} (site ${site.id})`));
  const formId = positional[0];
  if (trackOnly ? positional.length : !formId || positional.length > 1) {
    console.error(`Usage: npm run snippet -- <formId> [--api https://api.example.com]\n       npm run snippet -- --track-only [--api https://api.example.com]\nKnown forms: ${known.join(', ')}`);
    return 1;
  }
  if (formId && !index.findForm(formId)) {
    console.error(`Unknown form "${formId}". Known forms: ${known.join(', ')}`);
    return 1;
  }
  if (!/^https?:\/\/[^\s"<>]+$/i.test(api)) {
    console.error(`--api must be an http(s) URL, got "${api}"`);
    return 1;
  }
  console.log(formId ? snippetFor(formId, api) : trackingSnippetFor(api));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
