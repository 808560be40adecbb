import { fileURLToPath } from 'node:url';
import rawConfig from '../config/funnel.config.js';
import { ConfigIndex, parseConfig } from '../functions/core/config.js';

/**
 * Print the `<script>` snippet a marketer pastes into a blog post.
 *
 *   npm run snippet -- ebook
 *   npm run snippet -- trial --api https://api.example.com
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

function main(argv: string[]): number {
  let api = process.env.FUNNEL_API_URL || 'http://localhost:3000';
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--api') api = argv[++i] ?? '';
    else if (arg.startsWith('--api=')) api = arg.slice('--api='.length);
    else if (arg === '--help' || arg === '-h') positional.length = 0;
    else positional.push(arg);
  }
  const index = new ConfigIndex(parseConfig(rawConfig));
  const known = index.config.sites.flatMap((site) => site.forms.map((form) => `${form.id} (site ${site.id})`));
  const formId = positional[0];
  if (!formId || positional.length > 1) {
    console.error(`Usage: npm run snippet -- <formId> [--api https://api.example.com]\nKnown forms: ${known.join(', ')}`);
    return 1;
  }
  if (!index.findForm(formId)) {
    console.error(`Unknown form "${formId}". Known forms: ${known.join(', ')}`);
    return 1;
  }
  if (!/^https?:\/\/[^\s"<>]+$/i.test(api)) {
    console.error(`--api must be an http(s) URL, got "${api}"`);
    return 1;
  }
  console.log(snippetFor(formId, api));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
