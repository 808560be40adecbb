import { describe, expect, it } from 'vitest';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError, ValidationError } from '../../functions/core/errors.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, cloneSite, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';

const input = (body: unknown, extra: Partial<Parameters<typeof submitForm>[1]> = {}) => ({ formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 test', ...extra });

describe('Use case: submitForm', () => {
  it('creates a lead (201) with its consent record, source and timeline', async () => {
    // Prepare
    const { deps, leads } = fakeDeps();
    const body = aSubmission().build();
    // Act
    const result = await submitForm(deps, input(body));
    // Assess
    expect(result.status).toBe(201);
    expect(result.body.next).toEqual({ type: 'download', url: expect.stringContaining('.pdf') });
    const lead = await leads.findById(result.body.leadId);
    expect(lead).toMatchObject({
      siteId: 'demo',
      email: 'jane.doe@acme.com',
      profile: { firstName: 'Jane', company: 'Acme', jobTitle: 'VP Marketing' },
      consent: {
        marketing: { granted: true, text: deps.config.findForm('ebook')!.form.consent!.marketing.text, version: '2026-11-01', formId: 'ebook', at: '2026-11-22T10:00:00.000Z' },
      },
      sources: { first: { formId: 'ebook', pageUrl: 'https://blog.example.com/posts/funnels?utm_source=newsletter', referrer: 'https://www.google.com/', utm: { source: 'newsletter', medium: 'email', campaign: 'q4' } } },
    });
    expect(lead?.timeline).toEqual([expect.objectContaining({ type: 'form_submitted', formId: 'ebook', formKind: 'gated-content', userAgent: 'Mozilla/5.0 test', submissionId: body.submissionId })]);
  });

  it("keeps the browser's time zone on the lead's source (canonical spelling); drops one this server does not know; refuses a malformed one", async () => {
    // Prepare
    const { deps, leads } = fakeDeps();
    const withZone = (email: string, timeZone: unknown) => aSubmission().withEmail(email).with('context', { timeZone }).build();
    // Act
    const known = await submitForm(deps, input(withZone('a@acme.com', 'europe/berlin')));
    const unknown = await submitForm(deps, input(withZone('b@acme.com', 'Mars/Olympus_Mons')));
    const hostile = submitForm(deps, input(withZone('c@acme.com', '../../etc/passwd')));
    // Assess
    expect((await leads.findById(known.body.leadId))?.sources.latest.timeZone).toBe('Europe/Berlin');
    expect((await leads.findById(unknown.body.leadId))?.sources.latest).not.toHaveProperty('timeZone');
    await expect(hostile).rejects.toMatchObject({ fields: { 'context.timeZone': expect.stringMatching(/IANA/) } });
  });

  it('merges a later submission for the same address (any case) into the same lead without blanking known fields', async () => {
    const { deps, clock, leads } = fakeDeps();
    const first = await submitForm(deps, input(aSubmission().build()));
    clock.advance(86_400_000);
    const second = await submitForm(deps, { ...input(aSubmission().withEmail('  JANE.DOE@ACME.COM ').withField('firstName', '').withField('company', 'Acme Inc').build()) });
    expect(second.status).toBe(200);
    expect(second.body.leadId).toBe(first.body.leadId);
    const lead = await leads.findById(first.body.leadId);
    expect(lead?.profile).toEqual({ firstName: 'Jane', company: 'Acme Inc', jobTitle: 'VP Marketing' });
    expect(lead?.timeline).toHaveLength(2);
    expect(lead?.createdAt).toBe('2026-11-22T10:00:00.000Z');
    expect(lead?.updatedAt).toBe('2026-11-23T10:00:00.000Z');
    expect(leads.leads.size).toBe(1);
  });

  it('answers a repeated submissionId with the first answer and records nothing twice', async () => {
    const { deps, leads } = fakeDeps();
    const body = aSubmission().build();
    const first = await submitForm(deps, input(body));
    const again = await submitForm(deps, input(body));
    expect(again).toEqual(first);
    expect(again.status).toBe(201);
    expect(leads.submissions.size).toBe(1);
  });

  it('keeps leads of different sites apart', async () => {
    const raw = testConfig((c) => void c.sites.push(cloneSite(c.sites[0]!, 'other')));
    const { deps, leads } = fakeDeps({ rawConfig: raw });
    const a = await submitForm(deps, input(aSubmission().build()));
    const b = await submitForm(deps, input(aSubmission().build(), { formId: 'other-ebook' }));
    expect(b.status).toBe(201);
    expect(b.body.leadId).not.toBe(a.body.leadId);
    expect(leads.leads.size).toBe(2);
  });

  it.each([
    ['honeypot', aSubmission().with('hp', 'https://cheap-pills.example').build()],
    ['too fast', aSubmission().with('startedAt', Date.parse('2026-11-22T10:00:00.000Z') - 200).build()],
  ])('answers a bot (%s) as if accepted, stores it as spam and never as a lead', async (_reason, body) => {
    const { deps, leads } = fakeDeps();
    const result = await submitForm(deps, input(body));
    expect(result.status).toBe(201);
    expect(result.body.next.type).toBe('download');
    expect(leads.leads.size).toBe(0);
    expect(leads.spam).toHaveLength(1);
  });

  it('refuses an unknown form, a foreign origin and invalid fields before storing anything', async () => {
    const { deps, leads } = fakeDeps();
    await expect(submitForm(deps, input(aSubmission().build(), { formId: 'nope' }))).rejects.toBeInstanceOf(UnknownFormError);
    await expect(submitForm(deps, input(aSubmission().build(), { origin: 'https://evil.example' }))).rejects.toBeInstanceOf(OriginNotAllowedError);
    await expect(submitForm(deps, input(aSubmission().withEmail('nope').build()))).rejects.toBeInstanceOf(ValidationError);
    expect(leads.leads.size + leads.submissions.size + leads.spam.length).toBe(0);
  });

  it('rate-limits one client per site, and lets it in again after the window', async () => {
    const { deps, clock } = fakeDeps();
    for (let i = 0; i < 10; i++) await submitForm(deps, input(aSubmission().withEmail(`p${i}@acme.com`).build()));
    await expect(submitForm(deps, input(aSubmission().build()))).rejects.toMatchObject({ constructor: RateLimitedError, retryAfterSeconds: 60 });
    await expect(submitForm(deps, input(aSubmission().build(), { clientIp: '198.51.100.1' }))).resolves.toMatchObject({ status: 201 });
    clock.advance(60_000);
    await expect(submitForm(deps, input(aSubmission().build()))).resolves.toMatchObject({ status: 200 });
  });

  it('records a declined consent as declined, with the text that was shown', async () => {
    const { deps, leads } = fakeDeps();
    const r = await submitForm(deps, input(aSubmission().with('consent', { marketing: false }).build()));
    const lead = await leads.findById(r.body.leadId);
    expect(lead?.consent.marketing).toMatchObject({ granted: false, version: '2026-11-01' });
    expect(lead?.consent.history).toHaveLength(1);
  });
});
