import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isWebhookSecret, newWebhookSecret, signWebhook } from '../../functions/adapters/webhooks/signer.js';

const SECRET = newWebhookSecret();
const body = JSON.stringify({ type: 'prospect.ready', timestamp: '2026-11-23T10:00:00.000Z', data: { lead: { email: 'jane@acme.com' } } });

describe('Adapter: signWebhook (Standard Webhooks)', () => {
  it('is verified unchanged by the official standardwebhooks library', () => {
    // Prepare
    const headers = signWebhook({ secret: SECRET, id: 'msg_2Lx', timestamp: new Date(), body });
    // Act + Assess
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification when the body, the timestamp or the id is altered, or with another secret', () => {
    const headers = signWebhook({ secret: SECRET, id: 'msg_2Lx', timestamp: new Date(), body });
    expect(() => new Webhook(SECRET).verify(body.replace('jane', 'joan'), headers)).toThrow();
    expect(() => new Webhook(SECRET).verify(body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) })).toThrow();
    expect(() => new Webhook(SECRET).verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('signs "<id>.<seconds>.<body>" with the base64-decoded secret (an independent computation)', () => {
    // Prepare
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    // Act
    const headers = signWebhook({ secret, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330_000), body: '{"test": 2432232314}' });
    // Assess
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update('msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}')
      .digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': `v1,${expected}` });
    // The Standard Webhooks spec's own example signature for this input.
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(isWebhookSecret(secret)).toBe(true);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(isWebhookSecret('whsec_short')).toBe(false);
    expect(isWebhookSecret('sk_live_nope')).toBe(false);
  });
});
