import { createHash } from 'node:crypto';

/**
 * The address as stored and shown: trimmed, domain lower-cased (domains are case-insensitive; the local
 * part technically is not, so we keep what the visitor typed).
 * @example normaliseEmail('  Jane.Doe@ACME.com ') // 'Jane.Doe@acme.com'
 */
export function normaliseEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  return at < 0 ? email : `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}

/**
 * The identity used to deduplicate leads within a site: the whole address lower-cased, because every
 * real mailbox provider ignores case in the local part and a marketer never wants Jane@ and jane@ as two
 * leads. Dots and +tags are kept: they can be different people (or a deliberate alias).
 * @example emailKey('Jane.Doe@ACME.com') === emailKey('jane.doe@acme.com')
 */
export function emailKey(email: string): string {
  return createHash('sha256').update(normaliseEmail(email).toLowerCase()).digest('hex');
}

/**
 * Test data: an address at Amazon SES's mailbox simulator (`success@simulator.amazonses.com` accepts and
 * delivers nowhere). Such a lead is captured and emailed like any other, so a smoke test proves the path,
 * but never scored, qualified, handed to sales or counted in the metrics.
 */
export const TEST_EMAIL_DOMAIN = 'simulator.amazonses.com';
/** The console's test lead of a site: the hand-off desk sends its test events with it. */
export const CONSOLE_TEST_ADDRESS = `success+console@${TEST_EMAIL_DOMAIN}`;
export const isTestAddress = (email: string): boolean => email.toLowerCase().endsWith(`@${TEST_EMAIL_DOMAIN}`);

/**
 * Providers whose addresses are each one person's mailbox (no catch-all), and that ignore dots in the
 * local part. Their domains are not under the per-domain ceiling; Gmail's dots are removed for the mailbox.
 */
const DOTLESS_PROVIDERS = new Set(['gmail.com', 'googlemail.com']);
export const SHARED_PROVIDERS = new Set([
  ...DOTLESS_PROVIDERS,
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.ru',
  'zoho.com',
  'fastmail.com',
]);

/** The address's domain, lower-cased. */
export const mailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/**
 * The mailbox an address delivers to, as the mail caps count it: lower-cased, its sub-address tag removed
 * (`+anything`, for every domain: the convention of Gmail, Outlook, iCloud, Fastmail, Proton and most
 * servers), and for Gmail its dots too (Gmail ignores them; googlemail.com is gmail.com). Only caps use
 * it: a lead keeps the address exactly as given.
 * @example mailboxOf('J.Doe+promo@GoogleMail.com') // 'jdoe@gmail.com'
 */
export function mailboxOf(email: string): string {
  const address = normaliseEmail(email).toLowerCase();
  const at = address.lastIndexOf('@');
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (DOTLESS_PROVIDERS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

/** The key of a mailbox's counters: a hash, so no address is kept in the limits. */
export const mailboxKey = (email: string): string => createHash('sha256').update(mailboxOf(email)).digest('hex');
