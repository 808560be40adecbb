import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIRMATION,
  InvalidNurtureConfigError,
  formEmailIssues,
  formEmailTemplates,
  parseFormEmail,
  parseMailbox,
  parseSequence,
  parseSiteEmail,
  senderOf,
  type FormEmailInput,
} from '../../../functions/core/nurture/index.js';
import { aStep } from './support.js';

const problemsOf = (parse: (raw: unknown) => unknown, raw: unknown): string[] => {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof InvalidNurtureConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

const template = {
  subject: 'Your ebook, {{ firstName | default: "there" }}',
  html: '<p><a href="{{ leadMagnetUrl }}">Download</a></p>',
  text: 'Download: {{ leadMagnetUrl }}',
};
const confirmation = { subject: 'Confirm', html: '<a href="{{ confirmUrl }}">Confirm</a>', text: 'Confirm: {{ confirmUrl }}' };

describe('Function: parseSiteEmail', () => {
  it('accepts a minimal site and fills in the defaults', () => {
    // Act
    const site = parseSiteEmail({ from: 'Acme <hello@acme.com>', postalAddress: 'Acme Inc, 1 Main St, Springfield' });
    // Assess
    expect(site).toEqual({
      from: 'Acme <hello@acme.com>',
      postalAddress: 'Acme Inc, 1 Main St, Springfield',
      timeZone: 'UTC',
      maxPerDay: 2,
      sendRatePerSecond: 10,
      resendAfterHours: 24,
      maxPerAddressPerDay: 5,
      maxPerDomainPerHour: 100,
      // Off unless asked: opens are fired by privacy proxies, clicks rewrite every link.
      tracking: { opens: false, clicks: false },
    });
  });

  it('stores a time zone in its canonical spelling and keeps a multi-line postal address', () => {
    // Act
    const site = parseSiteEmail({ from: 'hello@acme.com', postalAddress: '  Acme GmbH\r\nHauptstraße 1\r\n10115 Berlin ', timeZone: 'europe/berlin' });
    // Assess
    expect(site.timeZone).toBe('Europe/Berlin');
    expect(site.postalAddress).toBe('Acme GmbH\nHauptstraße 1\n10115 Berlin');
  });

  it('names the path of every bad setting', () => {
    // Prepare
    const raw = {
      from: 'Acme <hello@>',
      replyTo: 'a@b.com, c@d.com',
      postalAddress: ' ',
      timeZone: 'Europe/Berlim',
      maxPerDay: 0,
      sendRatePerSecond: -1,
      colour: 'red',
    };
    // Act
    const problems = problemsOf(parseSiteEmail, raw);
    // Assess
    expect(problems).toEqual([
      'from: must be one email address, e.g. "Acme <hello@acme.com>" or "hello@acme.com"',
      'replyTo: must be one email address, e.g. "Acme <hello@acme.com>" or "hello@acme.com"',
      'postalAddress: must not be empty: every email shows where you receive mail (CAN-SPAM)',
      'timeZone: must be an IANA time zone such as "Europe/Berlin", "America/New_York" or "UTC"',
      'maxPerDay: must be 1–50',
      'sendRatePerSecond: must be more than 0',
      expect.stringMatching(/^\(root\): Unrecognized key: "colour"/),
    ]);
  });

  it('requires a postal address (CAN-SPAM) and refuses offsets instead of zones', () => {
    expect(problemsOf(parseSiteEmail, { from: 'hello@acme.com' })).toEqual([expect.stringMatching(/^postalAddress: /)]);
    expect(problemsOf(parseSiteEmail, { from: 'hello@acme.com', postalAddress: 'x', timeZone: '+01:00' })).toEqual([
      expect.stringMatching(/^timeZone: must be an IANA time zone/),
    ]);
  });
});

describe('Function: parseMailbox / senderOf', () => {
  it('reads a display name, a quoted display name or a bare address', () => {
    expect(parseMailbox('Acme <hello@acme.com>')).toEqual({ name: 'Acme', address: 'hello@acme.com' });
    expect(parseMailbox('"Acme, Inc." <hello@acme.com>')).toEqual({ name: 'Acme, Inc.', address: 'hello@acme.com' });
    expect(parseMailbox(' hello@acme.com ')).toEqual({ address: 'hello@acme.com' });
  });

  it('refuses header injection, two addresses and an invalid address', () => {
    expect(parseMailbox('Acme <hello@acme.com>\r\nBcc: x@evil.com')).toBeUndefined();
    expect(parseMailbox('a@acme.com, b@acme.com')).toBeUndefined();
    expect(parseMailbox('Acme, Inc <hello@acme.com>')).toBeUndefined();
    expect(parseMailbox('Acme <not-an-address>')).toBeUndefined();
  });

  it('takes the From display name from `from`, else from senderName', () => {
    expect(senderOf({ from: 'Acme <hello@acme.com>', senderName: 'Acme Marketing' })).toEqual({ name: 'Acme', address: 'hello@acme.com' });
    expect(senderOf({ from: 'hello@acme.com', senderName: 'Acme Marketing' })).toEqual({ name: 'Acme Marketing', address: 'hello@acme.com' });
    expect(senderOf({ from: 'hello@acme.com' })).toEqual({ address: 'hello@acme.com' });
  });
});

describe('Function: parseSequence', () => {
  it('accepts a sequence and fills in window and exit defaults', () => {
    // Act
    const sequence = parseSequence({
      id: 'onboarding',
      window: { hours: { from: 9, to: 17 } },
      steps: [aStep('one', {}), aStep('two', { days: 1 }, { window: { days: ['sat'] } })],
    });
    // Assess
    expect(sequence.window).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], hours: { from: 9, to: 17 } });
    expect(sequence.steps[1]!.window).toEqual({ days: ['sat'], hours: { from: 0, to: 24 } });
    expect(sequence.exit).toEqual({});
  });

  it('names the template with an unknown merge field, and suggests the right one', () => {
    // Prepare
    const raw = { id: 'x', steps: [aStep('one', {}), aStep('two', { days: 1 }, { html: '<p>Hi {{ firstNam }}</p>' })] };
    // Act
    const problems = problemsOf(parseSequence, raw);
    // Assess
    expect(problems).toEqual(['steps[1].html: unknown merge field "firstNam" (did you mean "firstName"?)']);
  });

  it('names unknown filters, unquoted arguments and unclosed tags with their line', () => {
    // Prepare
    const raw = {
      id: 'x',
      steps: [
        aStep('one', {}, { subject: 'Hi {{ firstName | upcase }}', html: '<p>Hi</p>\n<p>{{ firstName | default: there }}</p>', text: 'Hi\n\n{{ firstName' }),
      ],
    };
    // Act
    const problems = problemsOf(parseSequence, raw);
    // Assess
    expect(problems).toEqual([
      'steps[0].subject: unknown filter "upcase" (known: default)',
      'steps[0].html: the argument of "default" must be quoted, e.g. default: "there" (line 2)',
      'steps[0].text: unclosed "{{": no "}}" after it (line 3)',
    ]);
  });

  it('refuses a subject on two lines, empty parts and a step without a delay', () => {
    // Prepare
    const raw = { id: 'x', steps: [{ id: 'one', subject: 'Hi\nBcc: x@evil.com', html: ' ', text: '' }] };
    // Act
    const problems = problemsOf(parseSequence, raw);
    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^steps\[0\]\.delay: /),
      'steps[0].subject: must be one line',
      'steps[0].html: must not be empty',
      'steps[0].text: must not be empty',
    ]);
  });

  it('refuses bad windows: hours out of order or range, no days, a duplicate or unknown day', () => {
    // Prepare
    const raw = {
      id: 'x',
      window: { days: ['mon', 'mon', 'funday'], hours: { from: 9, to: 25 } },
      steps: [aStep('one', {}, { window: { days: [], hours: { from: 17, to: 9 } } })],
    };
    // Act
    const problems = problemsOf(parseSequence, raw);
    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^window\.days\[2\]: /),
      'window.hours.to: must be 1–24',
      'steps[0].window.days: must name at least one day',
      'steps[0].window.hours.to: must be after hours.from (a window cannot span midnight)',
    ]);
    expect(problemsOf(parseSequence, { id: 'x', window: { days: ['mon', 'mon'] }, steps: [aStep('one', {})] })).toEqual([
      'window.days[1]: duplicate day "mon"',
    ]);
  });

  it('refuses duplicate step ids, no steps, and a negative or fractional delay', () => {
    expect(problemsOf(parseSequence, { id: 'x', steps: [aStep('one', {}), aStep('one', { days: 1 })] })).toEqual([
      'steps[1].id: duplicate step id "one" (also steps[0])',
    ]);
    expect(problemsOf(parseSequence, { id: 'x', steps: [] })).toEqual(['steps: must have at least one step']);
    expect(problemsOf(parseSequence, { id: 'x', steps: [aStep('one', { days: -1, hours: 1.5 })] })).toEqual([
      expect.stringMatching(/^steps\[0\]\.delay\.days: /),
      'steps[0].delay.hours: must be a whole number',
    ]);
  });

  it('always exits on unsubscribe, bounce and complaint: `true` may be written, `false` is refused', () => {
    // Act
    const explicit = parseSequence({ id: 'x', steps: [aStep('one', {})], exit: { unsubscribed: true, bounced: true, complained: true, stages: ['mql'] } });
    const problems = problemsOf(parseSequence, { id: 'x', steps: [aStep('one', {})], exit: { unsubscribed: false, complained: false, stage: ['sql'] } });
    // Assess
    expect(explicit.exit.stages).toEqual(['mql']);
    expect(problems).toEqual([
      'exit.unsubscribed: always applies and cannot be turned off: an unsubscribed, bounced or complaining lead never gets another email',
      'exit.complained: always applies and cannot be turned off: an unsubscribed, bounced or complaining lead never gets another email',
      expect.stringMatching(/^exit: Unrecognized key: "stage"/),
    ]);
  });
});

describe('Function: parseFormEmail', () => {
  it('accepts delivery, confirmation and sequence, and lists every template with its path', () => {
    // Act
    const email = parseFormEmail({ delivery: template, confirmation, sequence: { id: 's', steps: [aStep('one', {}), aStep('two', { days: 1 })] } });
    // Assess
    expect(formEmailTemplates(email).map((t) => t.path)).toEqual([['delivery'], ['confirmation'], ['sequence', 'steps', 0], ['sequence', 'steps', 1]]);
  });

  it('gives the path inside the sequence of a misspelt merge field', () => {
    // Prepare
    const raw: FormEmailInput = { sequence: { id: 's', steps: [aStep('one', {}), aStep('two', { days: 1 }, { html: 'Hi {{firstNam}}' })] } };
    // Act
    const problems = problemsOf(parseFormEmail, raw);
    // Assess
    expect(problems).toEqual(['sequence.steps[1].html: unknown merge field "firstNam" (did you mean "firstName"?)']);
  });

  it('keeps confirmUrl to the confirmation email, which must link it in both parts', () => {
    // Prepare
    const raw = { delivery: { ...template, text: 'Confirm: {{ confirmUrl }}' }, confirmation: { ...confirmation, html: '<p>Thanks</p>' } };
    // Act
    const problems = problemsOf(parseFormEmail, raw);
    // Assess
    expect(problems).toEqual([
      'delivery.text: merge field "confirmUrl" exists only in the confirmation email',
      'confirmation.html: must contain {{ confirmUrl }}: the link that confirms the address',
    ]);
  });

  it('ships a default confirmation email that passes its own rules', () => {
    expect(parseFormEmail({ confirmation: DEFAULT_CONFIRMATION }).confirmation).toEqual(DEFAULT_CONFIRMATION);
  });
});

describe('Function: formEmailIssues', () => {
  it('accepts emails that fit their form', () => {
    // Prepare
    const email = parseFormEmail({ delivery: template, confirmation, sequence: { id: 's', steps: [aStep('one', {})], exit: { formsSubmitted: ['trial'] } } });
    // Act
    const issues = formEmailIssues(email, { id: 'ebook', kind: 'gated-content', doubleOptIn: true });
    // Assess
    expect(issues).toEqual([]);
  });

  it('flags a confirmation without double opt-in, fields the form cannot fill, and a sequence exiting on its own form', () => {
    // Prepare
    const email = parseFormEmail({
      delivery: template,
      confirmation,
      sequence: { id: 's', steps: [aStep('one', {}, { text: 'Start at {{ trialUrl }}' })], exit: { formsSubmitted: ['demo', 'trial'] } },
    });
    // Act
    const issues = formEmailIssues(email, { id: 'trial', kind: 'free-trial', doubleOptIn: false });
    // Assess
    expect(issues).toEqual([
      { path: ['confirmation'], message: 'is only sent by a double opt-in form: set doubleOptIn: true on form "trial" or remove it' },
      { path: ['delivery', 'html'], message: 'merge field "leadMagnetUrl" is always empty: form "trial" has no lead magnet' },
      { path: ['delivery', 'text'], message: 'merge field "leadMagnetUrl" is always empty: form "trial" has no lead magnet' },
      { path: ['sequence', 'steps', 0, 'text'], message: 'merge field "trialUrl" is always empty: form "trial" has no trialUrl' },
      { path: ['sequence', 'exit', 'formsSubmitted', 1], message: 'is this form itself: every enrolled lead submitted it, so the sequence would end at once' },
    ]);
    expect(
      formEmailIssues(parseFormEmail({ delivery: { ...template, html: '{{ trialUrl }}', text: 'x' } }), {
        id: 'trial',
        kind: 'free-trial',
        doubleOptIn: false,
        trialUrl: 'https://app.example.com',
      }),
    ).toEqual([]);
  });
});
