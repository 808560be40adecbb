/**
 * Email templates: `{{ field }}` and `{{ field | default: "there" }}`, nothing else.
 *
 * Why not `liquidjs` (the full Liquid engine)? It is ~10× this file in bundle weight for every function that
 * sends mail, and its power is a liability here: loops, assignments, includes and dozens of filters are
 * more for a marketer to get wrong and more for us to validate, while a nurture email needs only merge
 * fields with a fallback. A renderer this small can be strict (an unknown field, an unknown filter or an
 * unclosed tag is an error with its line, found when the config is validated, never at send time) and
 * can HTML-escape every value it substitutes. The syntax is Liquid's, so moving to liquidjs later keeps
 * every template working.
 *
 * There is no escape for a literal `{{`: it always opens a merge tag.
 */

/** The merge fields every template may use. Empty values render as "" (or the `default`). */
export const MERGE_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'email',
  'siteName',
  'formTitle',
  'leadMagnetTitle',
  'leadMagnetUrl',
  'trialUrl',
  'confirmUrl',
  'unsubscribeUrl',
] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

/** The filters a merge tag may use. */
export const MERGE_FILTERS = ['default'] as const;
export type MergeFilter = (typeof MERGE_FILTERS)[number];

/** Values to merge; a missing, empty or blank value renders as its `default` (or nothing). */
export type MergeValues = Partial<Record<MergeField, string | undefined>>;

/** Plausible values for reviewing a template (the render-with-sample-data command). */
export const SAMPLE_MERGE_VALUES: Readonly<Record<MergeField, string>> = {
  firstName: 'Jane',
  lastName: 'Doe',
  company: 'Acme & Co',
  jobTitle: 'Head of Marketing',
  email: 'jane.doe@example.com',
  siteName: 'Acme',
  formTitle: 'The Funnel Playbook',
  leadMagnetTitle: 'The Funnel Playbook (PDF)',
  leadMagnetUrl: 'https://example.com/playbook.pdf',
  trialUrl: 'https://app.example.com/trial',
  confirmUrl: 'https://api.example.com/v1/confirm?token=sample',
  unsubscribeUrl: 'https://api.example.com/v1/unsubscribe?token=sample',
};

export type TemplateNode =
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'tag'; readonly field: string; readonly filters: readonly { readonly name: string; readonly arg?: string }[]; readonly line: number };

/** A template that cannot be parsed or uses an unknown field or filter. */
export class TemplateError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid email template: ${problems.join('; ')}`);
    this.name = 'TemplateError';
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPACE = /\s*/y;

/**
 * Parse a template into text and merge tags. Only the syntax is checked here; {@link templateProblems} also
 * checks the names.
 * @example parseTemplate('Hi {{ firstName | default: "there" }}!')
 *   // [{ type: 'text', value: 'Hi ' }, { type: 'tag', field: 'firstName', filters: [{ name: 'default', arg: 'there' }], line: 1 }, { type: 'text', value: '!' }]
 * @throws TemplateError for an unclosed tag, a missing field name, an unquoted or unterminated argument
 */
export function parseTemplate(source: string): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let pos = 0;
  const lineAt = (i: number) => source.slice(0, i).split('\n').length;
  const fail = (message: string, at: number): never => {
    throw new TemplateError([`${message} (line ${lineAt(at)})`]);
  };
  const skipSpace = () => {
    SPACE.lastIndex = pos;
    SPACE.exec(source);
    pos = SPACE.lastIndex;
  };
  const ident = (what: string): string => {
    IDENT.lastIndex = pos;
    const m = IDENT.exec(source);
    if (!m) return fail(source.startsWith('}}', pos) ? `expected ${what} before "}}"` : `expected ${what}, found "${source.slice(pos, pos + 10)}"`, pos);
    pos = IDENT.lastIndex;
    return m[0];
  };
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) break;
    if (open > pos) nodes.push({ type: 'text', value: source.slice(pos, open) });
    pos = open + 2;
    if (source.indexOf('}}', pos) < 0) fail('unclosed "{{": no "}}" after it', open);
    if (source[pos] === '{') fail('"{{{" is not supported: values are always escaped, use "{{"', open);
    skipSpace();
    const field = ident('a merge field name');
    const filters: { name: string; arg?: string }[] = [];
    for (;;) {
      skipSpace();
      if (source.startsWith('}}', pos)) {
        pos += 2;
        break;
      }
      if (pos >= source.length) fail('unclosed "{{": expected "}}"', open);
      if (source[pos] !== '|') fail(`expected "|" or "}}", found "${source.slice(pos, pos + 10)}"`, pos);
      pos++;
      skipSpace();
      const name = ident('a filter name after "|"');
      skipSpace();
      if (source[pos] !== ':') {
        filters.push({ name });
        continue;
      }
      pos++;
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") fail(`the argument of "${name}" must be quoted, e.g. ${name}: "there"`, pos);
      const close = source.indexOf(quote as string, pos + 1);
      const newline = source.indexOf('\n', pos + 1);
      if (close < 0 || (newline >= 0 && newline < close)) fail(`unterminated string after "${name}:"`, pos);
      filters.push({ name, arg: source.slice(pos + 1, close) });
      pos = close + 1;
    }
    nodes.push({ type: 'tag', field, filters, line: lineAt(open) });
  }
  if (pos < source.length) nodes.push({ type: 'text', value: source.slice(pos) });
  return nodes;
}

/** Edit distance, for "did you mean" (tiny inputs only). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] ?? 0;
};
const suggestion = (name: string, known: readonly string[]): string => {
  const close = known.find((k) => k.toLowerCase() === name.toLowerCase()) ?? known.find((k) => distance(k.toLowerCase(), name.toLowerCase()) <= 2);
  return close ? ` (did you mean "${close}"?)` : ` (known: ${known.join(', ')})`;
};

/**
 * Every problem with a template, as config messages: a syntax error (the first one), else each unknown
 * field or filter and each misused filter. Empty when the template renders.
 * @example templateProblems('Hi {{ firstNam }}') // ['unknown merge field "firstNam" (did you mean "firstName"?)']
 */
export function templateProblems(source: string): string[] {
  let nodes: TemplateNode[];
  try {
    nodes = parseTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) return [...error.problems];
    throw error;
  }
  const problems: string[] = [];
  for (const node of nodes) {
    if (node.type !== 'tag') continue;
    if (!(MERGE_FIELDS as readonly string[]).includes(node.field)) problems.push(`unknown merge field "${node.field}"${suggestion(node.field, MERGE_FIELDS)}`);
    for (const filter of node.filters) {
      if (!(MERGE_FILTERS as readonly string[]).includes(filter.name))
        problems.push(`unknown filter "${filter.name}"${suggestion(filter.name, MERGE_FILTERS)}`);
      else if (filter.arg === undefined) problems.push(`filter "${filter.name}" needs a quoted value, e.g. {{ ${node.field} | default: "there" }}`);
    }
  }
  return problems;
}

/**
 * The merge fields a template uses, each once, in order of first use.
 * @example templateFields('{{ firstName }}, get {{ leadMagnetTitle }} – {{ firstName }}') // ['firstName', 'leadMagnetTitle']
 * @throws TemplateError on a syntax error
 */
export function templateFields(source: string): string[] {
  return [...new Set(parseTemplate(source).flatMap((n) => (n.type === 'tag' ? [n.field] : [])))];
}

type Compiled = readonly (string | { readonly field: MergeField; readonly fallback: string })[];

// Templates come from the config: a handful per process. Bounded anyway.
const compiled = new Map<string, Compiled>();
const compile = (source: string): Compiled => {
  const hit = compiled.get(source);
  if (hit) return hit;
  const problems = templateProblems(source);
  if (problems.length > 0) throw new TemplateError(problems);
  const parts = parseTemplate(source).map((n) =>
    n.type === 'text' ? n.value : { field: n.field as MergeField, fallback: n.filters.reduce((acc, f) => (f.name === 'default' ? (f.arg ?? acc) : acc), '') },
  );
  if (compiled.size >= 500) compiled.clear();
  compiled.set(source, parts);
  return parts;
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escape text for HTML content and quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

const render = (source: string, values: MergeValues, escapeValue: (s: string) => string): string =>
  compile(source)
    .map((part) => {
      if (typeof part === 'string') return part;
      const value = values[part.field];
      return escapeValue(value === undefined || value.trim() === '' ? part.fallback : value);
    })
    .join('');

/** What every email ends with (CAN-SPAM / GDPR): who sent it, where they are, and how to stop it. */
export interface EmailFooter {
  /** The sender's physical postal address; may span lines. */
  readonly postalAddress: string;
  /** The lead's one-click unsubscribe page (the same URL as the `List-Unsubscribe` header). */
  readonly unsubscribeUrl: string;
  /** Who the email is from, e.g. "Acme": the footer then says "Sent by Acme". */
  readonly senderName?: string | undefined;
}

export interface EmailTemplateParts {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

const footerHtml = ({ postalAddress, unsubscribeUrl, senderName }: EmailFooter): string => {
  const lines = [
    ...(senderName ? [`Sent by ${escapeHtml(senderName)}`] : []),
    ...postalAddress
      .split(/\r?\n/)
      .map((l) => escapeHtml(l.trim()))
      .filter(Boolean),
  ];
  return (
    '<div class="funnel-footer" style="margin-top:32px;padding-top:16px;border-top:1px solid #e5e7eb;font-size:12px;line-height:1.5;color:#6b7280">' +
    `<p style="margin:0">${lines.join('<br>')}</p>` +
    `<p style="margin:8px 0 0"><a href="${escapeHtml(unsubscribeUrl)}" style="color:#6b7280;text-decoration:underline">Unsubscribe</a> from these emails.</p>` +
    '</div>'
  );
};

const footerText = ({ postalAddress, unsubscribeUrl, senderName }: EmailFooter): string => {
  const lines = [
    ...(senderName ? [`Sent by ${senderName}`] : []),
    ...postalAddress
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean),
  ];
  return `\n\n-- \n${lines.join('\n')}\nUnsubscribe: ${unsubscribeUrl}\n`;
};

/**
 * Render an email: merge `values` into the subject, HTML and text parts and append the footer to both.
 * - HTML part: every substituted value (and `default`) is HTML-escaped; the template's own markup is kept.
 * - Text part: values as they are. Subject: values as they are, then control characters (CR/LF: header
 *   injection) replaced by spaces, and trimmed.
 * - The footer (sender, postal address, visible unsubscribe link) is always added, before `</body>` when
 *   there is one, whatever the template says; `{{ unsubscribeUrl }}` is always the footer's URL.
 * @example renderEmail({ subject: 'Hi {{ firstName | default: "there" }}', html: '<p>Hi</p>', text: 'Hi' }, {}, { footer: { postalAddress: '1 Main St', unsubscribeUrl: 'https://x/u' } }).subject // 'Hi there'
 * @throws TemplateError for a template with an unknown field or filter (the config refuses those first)
 * @throws Error when the unsubscribe URL is not http(s)
 */
export function renderEmail(template: EmailTemplateParts, values: MergeValues, { footer }: { footer: EmailFooter }): RenderedEmail {
  if (!/^https?:\/\/\S+$/.test(footer.unsubscribeUrl)) throw new Error('The unsubscribe URL must be an http(s) URL');
  if (footer.postalAddress.trim() === '') throw new Error('The footer needs a postal address');
  const merged: MergeValues = { ...values, unsubscribeUrl: footer.unsubscribeUrl };
  const identity = (s: string) => s;
  const subject = render(template.subject, merged, identity).replace(CONTROL, ' ').trim();
  const body = render(template.html, merged, escapeHtml);
  const closing = body.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  const html = closing < 0 ? body + footerHtml(footer) : body.slice(0, closing) + footerHtml(footer) + body.slice(closing);
  const text = render(template.text, merged, identity).replace(/\s+$/, '') + footerText(footer);
  return { subject, html, text };
}
