import { describe, expect, it } from 'vitest';
import { CONFIRM_LINK_TTL_DAYS, HmacMailLinks } from '../../../functions/adapters/mail-links.js';
import { FakeClock } from '../../../functions/adapters/memory.js';

const LEAD = '5b6f1f3e-2a41-4c4b-9d55-0f7b8e0c1a2b';
const SUB = '7b0c6f7e-1c3e-4a53-9f0e-2b7f9d3c1a10';
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

function links(secret = 'secret-1') {
  const clock = new FakeClock(new Date('2026-11-23T10:00:00Z'));
  return { clock, links: new HmacMailLinks({ secret: async () => secret, clock, baseUrl: 'https://api.example.com/' }) };
}

describe('Adapter: HmacMailLinks', () => {
  it('builds confirm and unsubscribe URLs on the API base URL that verify back to the lead (and reveal no address)', async () => {
    // Prepare
    const { links: l } = links();
    // Act
    const confirm = await l.confirmUrl('demo', LEAD, SUB);
    const unsubscribe = await l.unsubscribeUrl('demo', LEAD);
    // Assess
    expect(confirm).toMatch(/^https:\/\/api\.example\.com\/v1\/confirm\?token=c1\.[\w-]+\.[\w-]+$/);
    expect(unsubscribe).toMatch(/^https:\/\/api\.example\.com\/v1\/unsubscribe\?token=u1\.[\w-]+\.[\w-]+$/);
    expect(await l.verifyConfirm(tokenOf(confirm))).toEqual({ siteId: 'demo', leadId: LEAD, submissionId: SUB });
    expect(await l.verifyUnsubscribe(tokenOf(unsubscribe))).toEqual({ siteId: 'demo', leadId: LEAD });
    expect(confirm + unsubscribe).not.toContain('@');
  });

  it('rejects a forged, altered or other-secret token', async () => {
    // Prepare
    const { links: l } = links();
    const { links: other } = links('another-secret');
    const token = tokenOf(await l.unsubscribeUrl('demo', LEAD));
    const [v, payload, mac] = token.split('.') as [string, string, string];
    const otherLead = Buffer.from(`demo.${'0'.repeat(36)}`).toString('base64url');
    // Act + Assess
    expect(await l.verifyUnsubscribe(`${v}.${otherLead}.${mac}`)).toBeUndefined();
    expect(await l.verifyUnsubscribe(`${v}.${payload}.${mac.slice(0, -2)}AA`)).toBeUndefined();
    expect(await other.verifyUnsubscribe(token)).toBeUndefined();
    expect(await l.verifyUnsubscribe('u1.x')).toBeUndefined();
    expect(await l.verifyUnsubscribe('')).toBeUndefined();
  });

  it('never accepts a token made for one purpose as the other', async () => {
    // Prepare
    const { links: l } = links();
    const unsubscribe = tokenOf(await l.unsubscribeUrl('demo', LEAD));
    const confirm = tokenOf(await l.confirmUrl('demo', LEAD, SUB));
    // Act + Assess
    expect(await l.verifyConfirm(unsubscribe.replace(/^u1/, 'c1'))).toBeUndefined();
    expect(await l.verifyUnsubscribe(confirm.replace(/^c1/, 'u1'))).toBeUndefined();
  });

  it(`expires confirmation links after ${CONFIRM_LINK_TTL_DAYS} days; unsubscribe links keep working`, async () => {
    // Prepare
    const { links: l, clock } = links();
    const confirm = tokenOf(await l.confirmUrl('demo', LEAD, SUB));
    const unsubscribe = tokenOf(await l.unsubscribeUrl('demo', LEAD));
    // Act
    clock.advance((CONFIRM_LINK_TTL_DAYS * 24 - 1) * 3_600_000);
    const stillValid = await l.verifyConfirm(confirm);
    clock.advance(2 * 3_600_000);
    // Assess
    expect(stillValid).toMatchObject({ leadId: LEAD });
    expect(await l.verifyConfirm(confirm)).toBe('expired');
    clock.advance(5 * 365 * 86_400_000);
    expect(await l.verifyUnsubscribe(unsubscribe)).toEqual({ siteId: 'demo', leadId: LEAD });
  });
});
