import { describe, expect, it } from 'vitest';
import { formView, nextStep, spamReason, validateSubmission } from '../../functions/core/capture.js';
import { ConfigIndex, parseConfig, localEnv } from '../../functions/core/config.js';
import { ValidationError } from '../../functions/core/errors.js';
import { aSubmission, testConfig } from '../support/builders.js';

const index = new ConfigIndex(parseConfig(testConfig(), localEnv()));
const ebook = index.findForm('ebook')!.form;
const trial = index.findForm('trial')!.form;

const errorsOf = (form: typeof ebook, body: unknown): Record<string, string> => {
  try {
    validateSubmission(form, body);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  return {};
};

describe('Function: validateSubmission', () => {
  it('accepts a valid body and trims values', () => {
    const body = validateSubmission(ebook, aSubmission().withField('firstName', '  Jane ').build());
    expect(body.fields.firstName).toBe('Jane');
    expect(body.fields.email).toBe('jane.doe@acme.com');
  });

  it('treats empty optional fields as absent', () => {
    const body = validateSubmission(ebook, aSubmission().withField('company', '').build());
    expect(body.fields.company).toBeUndefined();
  });

  it.each([
    ['missing email', aSubmission().withField('email', undefined).build(), 'fields.email', /is required/],
    ['invalid email', aSubmission().withEmail('not-an-email').build(), 'fields.email', /valid email/],
    ['undeclared field', aSubmission().withField('phone', '+1 555 0100').build(), 'fields.phone', /not a field of this form/],
    ['over-long string', aSubmission().withField('company', 'x'.repeat(201)).build(), 'fields.company', /at most 200/],
    ['control character', aSubmission().withField('firstName', 'Jane\u0000').build(), 'fields.firstName', /control characters/],
    ['bidi override', aSubmission().withField('jobTitle', 'CEO\u202e').build(), 'fields.jobTitle', /control characters/],
    ['non-string value', aSubmission().withField('company', 42).build(), 'fields.company', /./],
    ['bad submission id', aSubmission().with('submissionId', 'abc').build(), 'submissionId', /16–64 letters/],
    ['unknown property', aSubmission().with('admin', true).build(), 'admin', /not a known property/],
    ['javascript: page URL', aSubmission().with('context', { pageUrl: 'javascript:alert(1)' }).build(), 'context.pageUrl', /http/],
    ['body not an object', [1, 2], 'body', /JSON object/],
  ])('names the field for %s', (_name, body, path, message) => {
    const errors = errorsOf(ebook, body);
    expect(errors[path]).toMatch(message);
  });

  it('refuses a consent answer on a form that asks none', () => {
    const noConsent = new ConfigIndex(
      parseConfig(
        testConfig((c) => delete c.sites[0]!.forms[0]!.consent),
        localEnv(),
      ),
    ).findForm('ebook')!.form;
    expect(errorsOf(noConsent, aSubmission().build()).consent).toMatch(/asks for no consent/);
  });

  it('takes a submission without consent on a form that asks none (the demo pricing-guide bar)', () => {
    // Prepare: the pricing guide asks no consent; the widget sends none
    const guide = index.findForm('pricing-guide')!.form;
    const body: Record<string, unknown> = { ...(aSubmission().build() as Record<string, unknown>), fields: { email: 'jane.doe@acme.com' } };
    delete body.consent;
    // Act + Assess
    expect(errorsOf(guide, body)).toEqual({});
  });

  it('requires consent where the form says so', () => {
    const required = new ConfigIndex(
      parseConfig(
        testConfig((c) => (c.sites[0]!.forms[0]!.consent!.marketing.required = true)),
        localEnv(),
      ),
    ).findForm('ebook')!.form;
    expect(errorsOf(required, aSubmission().with('consent', { marketing: false }).build())['consent.marketing']).toMatch(/must be accepted/);
  });
});

describe('Function: spamReason', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('flags a filled honeypot', () => expect(spamReason(ebook, { hp: 'http://spam' }, now)).toBe('honeypot'));
  it('flags a form submitted faster than a human could', () => expect(spamReason(ebook, { startedAt: now.getTime() - 300 }, now)).toBe('too-fast'));
  it('flags a start time in the future', () => expect(spamReason(ebook, { startedAt: now.getTime() + 60_000 }, now)).toBe('too-fast'));
  it('accepts a human pace and an empty honeypot', () => expect(spamReason(ebook, { hp: '', startedAt: now.getTime() - 8000 }, now)).toBeUndefined());
});

describe('Function: nextStep', () => {
  it('offers the lead magnet download on a gated-content form', () => {
    expect(nextStep(ebook)).toEqual({ type: 'download', url: 'http://localhost:3000/demo/assets/serverless-funnel-playbook.pdf' });
  });
  it('asks to confirm the address when the form uses double opt-in', () => {
    expect(nextStep({ ...ebook, doubleOptIn: true })).toEqual({ type: 'confirm-email' });
  });
  it('redirects to the trial, or shows a message when there is no trial URL', () => {
    expect(nextStep(trial)).toEqual({ type: 'redirect', url: 'http://localhost:3000/demo/welcome' });
    const { trialUrl: _t, ...noUrl } = trial as typeof trial & { trialUrl?: string };
    expect(nextStep({ ...noUrl, successMessage: 'Thanks' } as typeof trial)).toEqual({ type: 'message', text: 'Thanks' });
  });
});

describe('Function: formView', () => {
  it('gives the widget inputs, limits, the consent text and the server time', () => {
    const view = formView(index.findForm('ebook')!.site, ebook, new Date(1_700_000_000_000));
    expect(view.fields[0]).toMatchObject({ name: 'email', type: 'email', required: true, autocomplete: 'email', maxLength: 254 });
    expect(view.consent?.marketing.text).toBe(ebook.consent?.marketing.text);
    expect(view.serverTime).toBe(1_700_000_000_000);
    expect(view).not.toHaveProperty('leadMagnet.url');
  });
});
