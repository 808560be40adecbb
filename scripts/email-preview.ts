import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../local/config-file.js';
import { ConfigIndex, localEnv, parseConfig, type Form, type Site } from '../functions/core/config.js';
import { findRunning } from '../local/instance.js';
import { dataDirOf } from './cli.js';
import type { RenderedEmail } from '../functions/core/nurture/index.js';
import { formEmails, renderPreview } from '../functions/use-cases/email-preview.js';

/** The config file (config/funnel.config.ts, or FUNNEL_CONFIG). */
const rawConfig = await loadConfigFile();

/**
 * Render a form's emails with sample data, for review before they go out.
 *
 *   npm run email:preview -- ebook                 # every email of the form: delivery, confirmation, each step
 *   npm run email:preview -- ebook --email case-study
 *   npm run email:preview -- ebook --out           # also write <form>-<email>.html files to open in a browser,
 *                                                  # into .data/email-previews/ (git-ignored) or --out <dir>
 *
 * Sample values stand in for the lead (`firstName` Jane, …); the form's own values (lead magnet, trial
 * URL, site name) are the configured ones. The footer (postal address, unsubscribe link) is added as in
 * a real send. An unknown form or email exits 1 naming the valid ones.
 */

export interface Preview {
  /** `delivery`, `confirmation` or a step id. */
  name: string;
  rendered: RenderedEmail;
}

/** Render the form's emails (or one of them) with sample data. */
export function previewForm(site: Site, form: Form, only?: string): Preview[] {
  if (!site.email) return [];
  return formEmails(form)
    .filter((e) => only === undefined || e.name === only)
    .map((e) => ({ name: e.name, rendered: renderPreview(site, form, e) }));
}

export const USAGE = `Usage: npm run email:preview -- <formId> [--email <delivery|confirmation|step id>] [--out [dir]]

Renders a form's emails with sample data. --out also writes each as an HTML file, into
.data/email-previews/ (git-ignored) unless a folder is given.`;

/** A standalone page around an email's HTML, so a browser opening the file reads it as UTF-8. */
export const previewPage = (subject: string, html: string) =>
  `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>\n<body>\n${html}\n</body>\n</html>\n`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function main(argv: string[], config: unknown = rawConfig, log = console.log, error = console.error, dataDir = dataDirOf()): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    log(USAGE);
    return 0;
  }
  if (argv.length === 0) {
    error(USAGE);
    return 1;
  }
  const index = new ConfigIndex(parseConfig(config, localEnv(findRunning(dataDir)?.url)));
  const takesValue = new Set(['--email']);
  const formId = argv.find((a, i) => !a.startsWith('--') && !takesValue.has(argv[i - 1] ?? '') && !(argv[i - 1] === '--out' && i > 1));
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const forms = index.config.sites.flatMap((s) => s.forms.filter((f) => formEmails(f).length).map((f) => f.id));
  const found = formId ? index.findForm(formId) : undefined;
  if (!found || !formEmails(found.form).length) {
    error(`${formId ? `No emails for form "${formId}"` : 'Which form?'} Forms that send email: ${forms.join(', ') || 'none'}`);
    return 1;
  }
  const only = flag('--email');
  const names = formEmails(found.form).map((e) => e.name);
  if (only !== undefined && !names.includes(only)) {
    error(`Form "${found.form.id}" has no email "${only}". Its emails: ${names.join(', ')}`);
    return 1;
  }
  // `--out` alone writes into the data folder, which git ignores; `--out <dir>` where asked.
  const outAt = argv.indexOf('--out');
  const outArg = outAt >= 0 ? argv[outAt + 1] : undefined;
  const out = outAt < 0 ? undefined : outArg && !outArg.startsWith('--') && outArg !== formId ? outArg : join(dataDir, 'email-previews');
  if (out) mkdirSync(out, { recursive: true });
  for (const { name, rendered } of previewForm(found.site, found.form, only)) {
    log(`=== ${found.form.id} / ${name}\nSubject: ${rendered.subject}\n\n${rendered.text}\n`);
    if (out) {
      const file = join(out, `${found.form.id}-${name}.html`);
      writeFileSync(file, previewPage(rendered.subject, rendered.html));
      log(`(html: ${file})\n`);
    }
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
