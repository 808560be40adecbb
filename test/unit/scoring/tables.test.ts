import { describe, expect, it } from 'vitest';
import { emailDomainType, seniorityOf } from '../../../functions/core/scoring/index.js';

describe('Function: seniorityOf', () => {
  it.each([
    ['CEO', 'c-level'],
    ['Co-Founder & CTO', 'c-level'],
    ['Chief Revenue Officer', 'c-level'],
    ['Owner', 'c-level'],
    ['President', 'c-level'],
    ['cfo', 'c-level'],
    ['VP Marketing', 'vp'],
    ['Vice President of Sales', 'vp'],
    ['Senior Vice-President, Growth', 'vp'],
    ['SVP Engineering', 'vp'],
    ['Head of Demand Generation', 'vp'],
    ['Director of Marketing', 'director'],
    ['Managing Director', 'director'],
    ['Product Manager', 'manager'],
    ['Team Lead', 'manager'],
    ['Product Owner', 'individual'],
    ['Directory Services Engineer', 'individual'],
    ['VPN Administrator', 'individual'],
    ['Leadership Coach', 'individual'],
    ['Software Engineer', 'individual'],
    ['', 'individual'],
  ])('%s → %s', (title, expected) => {
    // Act / Assess
    expect(seniorityOf(title)).toBe(expected);
  });

  it('takes the highest level when several match', () => {
    expect(seniorityOf('VP & Director of Sales')).toBe('vp');
    expect(seniorityOf('Founder and Lead Developer')).toBe('c-level');
  });
});

describe('Function: emailDomainType', () => {
  it.each([
    ['jane@gmail.com', 'free'],
    ['jane@hotmail.com', 'free'],
    ['jane@yahoo.co.uk', 'free'],
    ['x@mailinator.com', 'disposable'],
    ['jane@acme.com', 'business'],
    // subdomains of a listed domain
    ['jane@mail.yahoo.co.uk', 'free'],
    ['x@inbox.mailinator.com', 'disposable'],
    // upper case and stray spaces
    ['Jane@GMAIL.COM', 'free'],
    [' X@MAILINATOR.COM ', 'disposable'],
    ['Jane@ACME.com', 'business'],
    // a public-suffix-like entry of a list does not make its whole suffix free or disposable
    ['jane@acme.com.ar', 'business'],
    ['jan@uni.edu.pl', 'business'],
  ])('%s → %s', (email, expected) => {
    expect(emailDomainType(email)).toBe(expected);
  });

  it('says disposable before free when a domain is on both lists', () => {
    // mailinator.com is on the free-provider list as well as the disposable one.
    expect(emailDomainType('x@mailinator.com')).toBe('disposable');
  });

  it('returns undefined for an address with no domain', () => {
    expect(emailDomainType('not-an-email')).toBeUndefined();
    expect(emailDomainType('jane@localhost')).toBeUndefined();
  });
});
