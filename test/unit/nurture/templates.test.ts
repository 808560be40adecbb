import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIRMATION,
  MERGE_FIELDS,
  SAMPLE_MERGE_VALUES,
  TemplateError,
  parseTemplate,
  renderEmail,
  templateFields,
  templateProblems,
  type EmailFooter,
} from '../../../functions/core/nurture/index.js';

const footer: EmailFooter = {
  postalAddress: 'Acme GmbH\nHauptstraße 1\n10115 Berlin',
  unsubscribeUrl: 'https://api.example.com/v1/unsubscribe?t=abc&s=1',
  senderName: 'Acme',
};
const UNSUBSCRIBE_HREF = 'href="https://api.example.com/v1/unsubscribe?t=abc&amp;s=1"';

describe('Function: parseTemplate', () => {
  it('splits text and merge tags, with or without spaces, with a default in either quotes', () => {
    // Act
    const nodes = parseTemplate('Hi {{firstName|default:\'there\'}}, {{ company }}!\n{{ jobTitle | default: "}} is fine" }}');
    // Assess
    expect(nodes).toEqual([
      { type: 'text', value: 'Hi ' },
      { type: 'tag', field: 'firstName', filters: [{ name: 'default', arg: 'there' }], line: 1 },
      { type: 'text', value: ', ' },
      { type: 'tag', field: 'company', filters: [], line: 1 },
      { type: 'text', value: '!\n' },
      { type: 'tag', field: 'jobTitle', filters: [{ name: 'default', arg: '}} is fine' }], line: 2 },
    ]);
  });

  it('leaves text without tags alone, single braces included (CSS)', () => {
    expect(parseTemplate('p { color: red } }} x')).toEqual([{ type: 'text', value: 'p { color: red } }} x' }]);
  });

  it('throws a TemplateError naming the line of a syntax error', () => {
    expect(() => parseTemplate('a\nb {{ }}')).toThrow(new TemplateError(['expected a merge field name before "}}" (line 2)']));
    expect(() => parseTemplate('{{{ firstName }}}')).toThrow(/"\{\{\{" is not supported/);
    expect(() => parseTemplate('{{ first name }}')).toThrow(/expected "\|" or "\}\}", found "name }}"/);
    expect(() => parseTemplate('{{ firstName | default: "there }}')).toThrow(/unterminated string after "default:"/);
  });
});

describe('Function: templateProblems / templateFields', () => {
  it('finds nothing wrong with valid templates, the default confirmation included', () => {
    const all = MERGE_FIELDS.map((f) => `{{ ${f} | default: "-" }}`).join(' ');
    expect(templateProblems(all)).toEqual([]);
    expect([DEFAULT_CONFIRMATION.subject, DEFAULT_CONFIRMATION.html, DEFAULT_CONFIRMATION.text].flatMap(templateProblems)).toEqual([]);
  });

  it('reports every unknown field and filter, with a suggestion when one is close', () => {
    expect(templateProblems('{{ FirstName }} {{ lead_magnet }} {{ email | lower }} {{ company | default }}')).toEqual([
      'unknown merge field "FirstName" (did you mean "firstName"?)',
      `unknown merge field "lead_magnet" (known: ${MERGE_FIELDS.join(', ')})`,
      'unknown filter "lower" (known: default)',
      'filter "default" needs a quoted value, e.g. {{ company | default: "there" }}',
    ]);
  });

  it('lists the fields a template uses, once each', () => {
    expect(templateFields('{{ firstName }}, get {{ leadMagnetTitle }} – {{firstName}}')).toEqual(['firstName', 'leadMagnetTitle']);
  });
});

describe('Function: renderEmail', () => {
  it('merges values, HTML-escaping them in the html part only', () => {
    // Prepare
    const template = { subject: '{{ company }} & you', html: '<p title="{{ company }}">Hi {{ firstName }}</p>', text: 'Hi {{ firstName }} from {{ company }}' };
    const values = { firstName: '<script>alert(1)</script>', company: `"Tom & Jerry's" <Inc>` };
    // Act
    const email = renderEmail(template, values, { footer });
    // Assess
    expect(email.subject).toBe(`"Tom & Jerry's" <Inc> & you`);
    expect(email.html).toMatch(/^<p title="&quot;Tom &amp; Jerry&#39;s&quot; &lt;Inc&gt;">Hi &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/p>/);
    expect(email.text).toMatch(/^Hi <script>alert\(1\)<\/script> from "Tom & Jerry's" <Inc>\n/);
  });

  it('uses the default for a missing, empty or blank value, escaped like a value', () => {
    // Prepare
    const template = {
      subject: 'Hi {{ firstName | default: "there" }}',
      html: '{{ company | default: "<your team>" }}|{{ jobTitle }}|',
      text: '{{ lastName | default: "friend" }}',
    };
    // Act
    const missing = renderEmail(template, {}, { footer });
    const blank = renderEmail(template, { firstName: '  ', company: '', lastName: '\n' }, { footer });
    const given = renderEmail(template, { firstName: 'Jane', company: 'Acme', lastName: 'Doe' }, { footer });
    // Assess
    expect(missing.subject).toBe('Hi there');
    expect(missing.html).toMatch(/^&lt;your team&gt;\|\|/);
    expect(blank).toEqual(missing);
    expect(given.subject).toBe('Hi Jane');
    expect(given.text).toMatch(/^Doe\n/);
  });

  it('strips CR/LF and other control characters from the subject (header injection)', () => {
    // Act
    const email = renderEmail({ subject: 'Hi {{ firstName }}', html: 'x', text: 'x' }, { firstName: 'Jane\r\nBcc: victim@example.com\u0000' }, { footer });
    // Assess
    expect(email.subject).toBe('Hi Jane Bcc: victim@example.com');
    expect(email.subject).not.toMatch(/[\r\n\u0000]/);
  });

  it('always appends the footer with postal address and a visible unsubscribe link, before </body> when there is one', () => {
    // Act
    const bare = renderEmail({ subject: 's', html: '<p>Hello</p>', text: 'Hello' }, {}, { footer });
    const page = renderEmail({ subject: 's', html: '<html><BODY><p>Hello</p></BODY></html>', text: 'Hello\n\n\n' }, {}, { footer });
    // Assess
    expect(bare.html).toContain('Sent by Acme<br>Acme GmbH<br>Hauptstraße 1<br>10115 Berlin');
    expect(bare.html).toContain(`<a ${UNSUBSCRIBE_HREF}`);
    expect(bare.html).toContain('>Unsubscribe</a>');
    expect(page.html).toMatch(/<p>Hello<\/p><div class="funnel-footer"[\s\S]*<\/div><\/BODY><\/html>$/);
    expect(bare.text).toBe(
      'Hello\n\n-- \nSent by Acme\nAcme GmbH\nHauptstraße 1\n10115 Berlin\nUnsubscribe: https://api.example.com/v1/unsubscribe?t=abc&s=1\n',
    );
    expect(page.text).toBe(bare.text);
  });

  it('makes {{ unsubscribeUrl }} the footer URL whatever values say, and escapes the footer', () => {
    // Act
    const email = renderEmail(
      { subject: 's', html: '<a href="{{ unsubscribeUrl }}">Stop</a>', text: 'Stop: {{ unsubscribeUrl }}' },
      { unsubscribeUrl: 'https://evil.example.com' },
      { footer: { ...footer, senderName: 'A <b>' } },
    );
    // Assess
    expect(email.html).toMatch(new RegExp(`^<a ${UNSUBSCRIBE_HREF.replace(/[?.]/g, '\\$&')}>Stop</a>`));
    expect(email.html).not.toContain('evil');
    expect(email.html).toContain('Sent by A &lt;b&gt;');
    expect(email.text).toMatch(/^Stop: https:\/\/api\.example\.com\/v1\/unsubscribe\?t=abc&s=1\n/);
  });

  it('renders the default confirmation with the sample values', () => {
    // Act
    const email = renderEmail(DEFAULT_CONFIRMATION, SAMPLE_MERGE_VALUES, { footer });
    // Assess
    expect(email.subject).toBe('Please confirm your email address');
    expect(email.html).toContain('<p>Hi Jane,</p>');
    expect(email.html).toContain('<a href="https://api.example.com/v1/confirm?token=sample">');
    expect(email.text).toContain('\n\nhttps://api.example.com/v1/confirm?token=sample\n\n');
  });

  it('refuses a template the config would refuse, and a footer without postal address or http(s) unsubscribe URL', () => {
    expect(() => renderEmail({ subject: 'Hi {{ firstNam }}', html: 'x', text: 'x' }, {}, { footer })).toThrow(TemplateError);
    expect(() => renderEmail({ subject: 's', html: 'x', text: 'x' }, {}, { footer: { ...footer, postalAddress: ' ' } })).toThrow(/postal address/);
    expect(() => renderEmail({ subject: 's', html: 'x', text: 'x' }, {}, { footer: { ...footer, unsubscribeUrl: 'javascript:alert(1)' } })).toThrow(
      /http\(s\)/,
    );
  });
});
