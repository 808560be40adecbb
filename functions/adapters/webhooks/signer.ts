import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), so the official `standardwebhooks` and
 * svix libraries verify Funnel's webhooks unchanged: `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`, keyed with the base64 part of a `whsec_…` secret.
 * @example signWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', timestamp: new Date(0), body: '{}' })['webhook-timestamp'] // '0'
 */
export function signWebhook(input: {
  secret: string;
  id: string;
  timestamp: Date;
  body: string;
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = String(Math.floor(input.timestamp.getTime() / 1000));
  const key = Buffer.from(input.secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${input.id}.${timestamp}.${input.body}`).digest('base64');
  return { 'webhook-id': input.id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (randomBytes: (n: number) => Buffer = nodeRandomBytes): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Whether `s` is a usable secret: `whsec_` and base64 of at least 24 bytes. */
export const isWebhookSecret = (s: string): boolean => /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.slice(6), 'base64').length >= 24;
