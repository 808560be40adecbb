import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../local/config-file.js';
import { DEPLOYED, localEnv, parseConfig } from '../functions/core/config.js';
import { apiUrlOf, CliError, parseCli, runCli } from './cli.js';

/** The config file (config/funnel.config.ts, or FUNNEL_CONFIG). */
const rawConfig = await loadConfigFile();

/**
 * Print the `<script>` snippet a marketer pastes into a blog post.
 *
 *   npm run snippet -- ebook
 *   npm run snippet -- trial --api https://api.example.com --widget https://cdn.example.com
 *   npm run snippet -- --track-only --api https://api.example.com   # pages without a form
 *
 * The API base defaults to $FUNNEL_API_URL, else the running local funnel; the widget's (the stack's
 * WidgetUrl output) to $FUNNEL_WIDGET_URL, else the API's (the local funnel serves both). An unknown form id exits 1
 * and lists the form ids the config knows.
 */

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const base = (url: string) => escapeAttr(url.trim().replace(/\/+$/, ''));

/**
 * The embed snippet for one form. The widget mounts its form right where the tag is.
 * @example snippetFor('ebook', 'https://api.example.com/', 'https://cdn.example.com')
 * // <script async src="https://cdn.example.com/widget.js" data-funnel-form="ebook" data-funnel-api="https://api.example.com"></script>
 */
export function snippetFor(formId: string, apiUrl: string, widgetUrl = apiUrl): string {
  return `<script async src="${base(widgetUrl)}/widget.js" data-funnel-form="${escapeAttr(formId)}" data-funnel-api="${base(apiUrl)}"></script>`;
}

/**
 * The tracking-only snippet, for pages without a form: it mounts nothing and only sends the page views of a
 * visitor who submitted a form with marketing consent earlier.
 * @example trackingSnippetFor('https://api.example.com/')
 * // <script async src="https://api.example.com/widget.js" data-funnel-api="https://api.example.com"></script>
 */
export function trackingSnippetFor(apiUrl: string, widgetUrl = apiUrl): string {
  return `<script async src="${base(widgetUrl)}/widget.js" data-funnel-api="${base(apiUrl)}"></script>`;
}

export const USAGE = `Usage: npm run snippet -- <formId> [--api <ApiUrl>] [--widget <WidgetUrl>]
       npm run snippet -- --track-only [--api <ApiUrl>] [--widget <WidgetUrl>]

Prints the <script> tag to paste into a page. The API defaults to $FUNNEL_API_URL, else the local funnel
running on FUNNEL_DATA_DIR (default .data/); the widget (the stack's WidgetUrl output, its CDN) to
$FUNNEL_WIDGET_URL, else the API (the local funnel serves both).`;

/** The whole command; returns the exit code. */
export function main(argv: string[], out = console.log, err = console.error, env: Record<string, string | undefined> = process.env): number {
  const parsed = parseCli(
    {
      args: argv,
      allowPositionals: true,
      options: { api: { type: 'string' }, widget: { type: 'string' }, 'track-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    },
    USAGE,
  );
  const { positionals, values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const trackOnly = values['track-only'] === true;
  // A form of either view: the local one (the demo site) or the deployed one (your sites).
  const forms = new Map<string, string>();
  for (const env_ of [localEnv(), DEPLOYED])
    for (const site of parseConfig(rawConfig, env_).sites) for (const form of site.forms) forms.set(form.id, `${form.id} (site ${site.id})`);
  const known = [...forms.values()].join(', ') || 'none';
  const formId = positionals[0];
  if (trackOnly ? positionals.length : !formId || positionals.length > 1) {
    err(`${USAGE}\n\nKnown forms: ${known}`);
    return 1;
  }
  if (formId && !forms.has(formId)) throw new CliError(`Unknown form "${formId}". Known forms: ${known}`);
  const api = apiUrlOf(values.api, env);
  const widget = values.widget ?? env.FUNNEL_WIDGET_URL ?? api;
  if (!/^https?:\/\/[^\s"<>]+$/.test(widget)) throw new CliError(`--widget must be an http(s) URL (the stack's WidgetUrl output), not "${widget}"`);
  out(formId ? snippetFor(formId, api, widget) : trackingSnippetFor(api, widget));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
