import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import { webhookPayload } from '../../functions/core/webhooks/payload.js';
import { unsubscribe } from '../../functions/use-cases/mail-links.js';
import { exportLead } from '../../functions/use-cases/privacy.js';
import { getLead } from '../../functions/use-cases/read-leads.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, fakeDeps, leadWith, ORIGIN } from '../support/builders.js';

/** Issue 22: consent that says what it is. A CRM syncing consent must not keep an unsubscribed person opted in. */
const KEY = { name: 'test', siteIds: ['*'] };
const EMAIL = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(EMAIL) };

async function consented() {
  const f = fakeDeps();
  await submitForm(f.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
  const { leadId } = (await leadWith(f.leads, EMAIL))!;
  return { ...f, leadId };
}

describe('Consent withdrawal', () => {
  it.each([
    ['one-click', 'one click from the mail client'],
    ['page', 'the Unsubscribe button of its page'],
  ] as const)(
    'an unsubscribe (%s) withdraws consent in the API, the export and every webhook payload: when, how, through which link',
    async (method, words) => {
      // Prepare
      const f = await consented();
      f.clock.advance(3_600_000);
      const token = new URL(await f.deps.mailLinks.unsubscribeUrl('demo', f.leadId)).searchParams.get('token')!;
      // Act
      await unsubscribe(f.deps, token, method);
      // Assess
      const withdrawn = { at: '2026-11-22T11:00:00.000Z', method, via: expect.stringContaining(words) };
      const lead = await getLead(f.deps, KEY, f.leadId);
      expect(lead.consent.marketing).toMatchObject({ granted: false, formId: 'ebook', version: '2026-11-01', withdrawn });
      // The audit trail: the grant as it was, then its withdrawal
      expect(lead.consent.history.map((c) => [c.granted, c.at])).toEqual([
        [true, '2026-11-22T10:00:00.000Z'],
        [false, '2026-11-22T11:00:00.000Z'],
      ]);
      expect((await exportLead(f.deps, KEY, f.leadId)).lead).toMatchObject({ consent: { marketing: { granted: false, withdrawn } } });
      const payload = webhookPayload('lead.unsubscribed', '2026-11-22T11:00:01.000Z', { id: 'demo', name: 'Demo' }, lead);
      expect(payload.data.lead.consent.marketing).toMatchObject({ granted: false, withdrawn });
    },
  );

  it('a complaint (marked as spam) withdraws it too', async () => {
    const f = await consented();
    await f.deps.nurture.suppress(ref, { type: 'email_suppressed', at: '2026-11-23T10:00:00.000Z', reason: 'complained' });
    expect((await getLead(f.deps, KEY, f.leadId)).consent.marketing).toMatchObject({
      granted: false,
      withdrawn: { at: '2026-11-23T10:00:00.000Z', method: 'complaint', via: expect.stringContaining('spam') },
    });
  });

  it('a bounce withdraws nothing (the person did not decide anything)', async () => {
    const f = await consented();
    await f.deps.nurture.suppress(ref, { type: 'email_suppressed', at: '2026-11-23T10:00:00.000Z', reason: 'bounced' });
    expect((await getLead(f.deps, KEY, f.leadId)).consent.marketing).toMatchObject({ granted: true });
    expect((await getLead(f.deps, KEY, f.leadId)).consent.marketing).not.toHaveProperty('withdrawn');
  });
});
