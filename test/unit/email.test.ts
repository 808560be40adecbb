import { describe, expect, it } from 'vitest';
import { emailKey, mailboxKey, mailboxOf, normaliseEmail } from '../../functions/core/email.js';

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

describe('Function: mailboxOf (what the mail caps count)', () => {
  it.each([
    ['Jane+news@Acme.com', 'jane@acme.com'],
    ['jane+a+b@acme.com', 'jane@acme.com'],
    ['j.a.n.e@acme.com', 'j.a.n.e@acme.com'],
    ['J.A.N.E+x@gmail.com', 'jane@gmail.com'],
    ['jane@googlemail.com', 'jane@gmail.com'],
    ['+jane@acme.com', '+jane@acme.com'],
  ])('%s reaches the mailbox %s', (address, mailbox) => {
    expect(mailboxOf(address)).toBe(mailbox);
  });

  it('keys a mailbox by hash: every alias one key, the address nowhere in it', () => {
    expect(new Set(['jane+1@gmail.com', 'j.ane@googlemail.com', 'JANE@gmail.com'].map(mailboxKey)).size).toBe(1);
    expect(mailboxKey('jane@gmail.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(mailboxKey('jane@acme.com')).not.toBe(mailboxKey('jane@gmail.com'));
  });
});
