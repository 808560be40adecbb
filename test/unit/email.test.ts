import { describe, expect, it } from 'vitest';
import { emailKey, normaliseEmail } from '../../functions/core/email.js';

describe('Function: normaliseEmail', () => {
  it('trims and lower-cases the domain only', () => {
    expect(normaliseEmail('  Jane.Doe@ACME.Com ')).toBe('Jane.Doe@acme.com');
  });
});

describe('Function: emailKey', () => {
  it('is the same for addresses differing only in case or surrounding space', () => {
    expect(emailKey(' JANE@acme.com')).toBe(emailKey('jane@ACME.COM'));
  });
  it('keeps +tags and dots distinct, and reveals no address', () => {
    expect(emailKey('jane+news@acme.com')).not.toBe(emailKey('jane@acme.com'));
    expect(emailKey('jane@acme.com')).toMatch(/^[0-9a-f]{64}$/);
  });
});
