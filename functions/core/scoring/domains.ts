import disposableDomains from 'disposable-email-domains/index.json' with { type: 'json' };
import disposableWildcards from 'disposable-email-domains/wildcard.json' with { type: 'json' };
import freeDomains from 'email-providers/all.json' with { type: 'json' };
import { lazy } from '../lazy.js';
import { EmailDomainType } from './rules.js';

/**
 * Email domain classification from two maintained lists, never a hand-typed one:
 * - disposable: `disposable-email-domains` (index.json, ~121k domains, plus wildcard.json whose
 *   subdomains are all disposable);
 * - free webmail: `email-providers` (all.json, ~8.8k domains).
 *
 * The lists are imported only by this module (not by `rules.ts`, which config validation imports), and the
 * look-up Sets are built on first use, so only code that actually classifies an email pays for them.
 */
const disposable = lazy(() => new Set<string>([...disposableDomains, ...disposableWildcards]));
const free = lazy(() => new Set<string>(freeDomains));

/**
 * Entries that look like a public second-level suffix (`com.ar`, `net.ua`, `edu.pl`…): both lists contain
 * a few. They count for the exact domain only, never for their subdomains, or `acme.com.ar` would be free
 * webmail and every Polish university disposable.
 */
const SUFFIX_LIKE = /^(?:ac|biz|co|com|edu|go|gob|gov|info|ltd|mil|ne|net|nom|or|org|plc|sch)\.[a-z]{2}$/;

/** The domain and its parents down to two labels: `a.mail.yahoo.co.uk` → itself, `mail.yahoo.co.uk`, `yahoo.co.uk`, `co.uk`. */
function candidates(domain: string): string[] {
  const labels = domain.split('.');
  const out = [domain];
  for (let i = 1; i <= labels.length - 2; i++) {
    const parent = labels.slice(i).join('.');
    if (!SUFFIX_LIKE.test(parent)) out.push(parent);
  }
  return out;
}

/** The lower-cased domain of an address, without a trailing dot; undefined when there is none. */
export function domainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return at < 0 || !domain.includes('.') || /[\s@]/.test(domain) ? undefined : domain;
}

/**
 * What kind of mailbox an address is at: disposable beats free beats business. A subdomain of a listed
 * domain counts as listed (`jane@mail.yahoo.co.uk` is free).
 * @example emailDomainType('jane@gmail.com') // 'free'
 * @example emailDomainType('x@mailinator.com') // 'disposable'
 * @example emailDomainType('jane@ACME.com') // 'business'
 * @returns undefined when the address has no usable domain
 */
export function emailDomainType(email: string): EmailDomainType | undefined {
  const domain = domainOf(email);
  if (!domain) return undefined;
  const names = candidates(domain);
  if (names.some((d) => disposable().has(d))) return EmailDomainType.Disposable;
  if (names.some((d) => free().has(d))) return EmailDomainType.Free;
  return EmailDomainType.Business;
}
