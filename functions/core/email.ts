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
export const isTestAddress = (email: string): boolean => email.toLowerCase().endsWith(`@${TEST_EMAIL_DOMAIN}`);
