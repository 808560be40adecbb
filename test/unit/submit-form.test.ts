import { describe, expect, it } from 'vitest';
import { OriginNotAllowedError, RateLimitedError, UnknownFormError, ValidationError } from '../../functions/core/errors.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, cloneSite, fakeDeps, leadWith, ORIGIN, testConfig } from '../support/builders.js';

const input = (body: unknown, extra: Partial<Parameters<typeof submitForm>[1]> = {}) => ({
  formId: 'ebook',
  body,
  origin: ORIGIN,
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 test',
  ...extra,
});

describe('Use case: submitForm', () => {
  it('creates a lead with its consent record, source and timeline', async () => {
    // Prepare
    const { deps, leads } = fakeDeps();
    const body = aSubmission().build();
    // Act
    const result = await submitForm(deps, input(body));
    // Assess
    expect(result.status).toBe(202);
    expect(result.body.next).toEqual({ type: 'download', url: expect.stringContaining('.pdf') });
    const lead = await leadWith(leads, 'jane.doe@acme.com');
    expect(lead).toMatchObject({
      siteId: 'demo',
      email: 'jane.doe@acme.com',
      profile: { firstName: 'Jane', company: 'Acme', jobTitle: 'VP Marketing' },
      consent: {
        marketing: {
          granted: true,
          text: deps.config.findForm('ebook')!.form.consent!.marketing.text,
          version: '2026-11-01',
          formId: 'ebook',
          at: '2026-11-22T10:00:00.000Z',
        },
      },
      sources: {
        first: {
          formId: 'ebook',
          pageUrl: 'https://blog.example.com/posts/funnels?utm_source=newsletter',
          referrer: 'https://www.google.com/',
          utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
        },
      },
    });
    expect(lead?.timeline).toEqual([
      expect.objectContaining({
        type: 'form_submitted',
        formId: 'ebook',
        formKind: 'gated-content',
        userAgent: 'Mozilla/5.0 test',
        submissionId: body.submissionId,
      }),
    ]);
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
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect((await leadWith(leads, 'a@acme.com'))?.sources.latest.timeZone).toBe('Europe/Berlin');
    expect((await leadWith(leads, 'b@acme.com'))?.sources.latest).not.toHaveProperty('timeZone');
    await expect(hostile).rejects.toMatchObject({ fields: { 'context.timeZone': expect.stringMatching(/IANA/) } });
  });

  it("merges a later submission for the same address (any case) from the lead's own browser into the same lead without blanking known fields", async () => {
    const { deps, clock, leads } = fakeDeps();
    const first = await submitForm(deps, input(aSubmission().build()));
    clock.advance(86_400_000);
    const second = await submitForm(deps, {
      ...input(
        aSubmission()
          .withEmail('  JANE.DOE@ACME.COM ')
          .withField('firstName', '')
          .withField('company', 'Acme Inc')
          .with('visitorToken', first.body.visitorToken)
          .build(),
      ),
    });
    expect(second.status).toBe(202);
    const lead = await leadWith(leads, 'jane.doe@acme.com');
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
    expect({ ...again.body, visitorToken: 'fresh each time' }).toEqual({ ...first.body, visitorToken: 'fresh each time' });
    expect(again.status).toBe(202);
    expect(leads.submissions.size).toBe(1);
  });

  it('keeps leads of different sites apart', async () => {
    const raw = testConfig((c) => void c.sites.push(cloneSite(c.sites[0]!, 'other')));
    const { deps, leads } = fakeDeps({ rawConfig: raw });
    await submitForm(deps, input(aSubmission().build()));
    await submitForm(deps, input(aSubmission().build(), { formId: 'other-ebook' }));
    const [a, b] = [await leadWith(leads, 'jane.doe@acme.com'), await leadWith(leads, 'jane.doe@acme.com', 'other')];
    expect(b?.leadId).not.toBe(a?.leadId);
    expect(b?.timeline).toHaveLength(1);
    expect(leads.leads.size).toBe(2);
  });

  it.each([
    ['honeypot', aSubmission().with('hp', 'https://cheap-pills.example').build()],
    [
      'too fast',
      aSubmission()
        .with('startedAt', Date.parse('2026-11-22T10:00:00.000Z') - 200)
        .build(),
    ],
  ])('answers a bot (%s) as if accepted, stores it as spam and never as a lead', async (_reason, body) => {
    const { deps, leads } = fakeDeps();
    const result = await submitForm(deps, input(body));
    expect(result.status).toBe(202);
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
    const { deps, clock } = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 10, windowSeconds: 60 })) });
    for (let i = 0; i < 10; i++) await submitForm(deps, input(aSubmission().withEmail(`p${i}@acme.com`).build()));
    await expect(submitForm(deps, input(aSubmission().build()))).rejects.toMatchObject({ constructor: RateLimitedError, retryAfterSeconds: 60 });
    await expect(submitForm(deps, input(aSubmission().build(), { clientIp: '198.51.100.1' }))).resolves.toMatchObject({ status: 202 });
    clock.advance(60_000);
    await expect(submitForm(deps, input(aSubmission().build()))).resolves.toMatchObject({ status: 202 });
  });

  it('lets a busy office through with the default limits: 50 readers behind one address in a minute', async () => {
    const { deps } = fakeDeps();
    const answers = [];
    for (let i = 0; i < 50; i++)
      answers.push(await submitForm(deps, input(aSubmission().withEmail(`reader${i}@office.example`).build(), { clientIp: '203.0.113.7' })));
    expect(answers.every((a) => a.status === 202)).toBe(true);
  });

  it('counts only accepted new submissions: a retried submissionId and a 400 cost nothing of the limit', async () => {
    // Prepare: 3 submissions per window, 5 invalid ones
    const { deps } = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 3, windowSeconds: 60, invalidSubmissions: 5 })) });
    const first = aSubmission().withEmail('one@acme.com').build();
    // Act + Assess: two accepted, then the first retried ten times (free), then four typos (their own count)
    await submitForm(deps, input(first));
    await submitForm(deps, input(aSubmission().withEmail('two@acme.com').build()));
    for (let i = 0; i < 10; i++) await expect(submitForm(deps, input(first))).resolves.toMatchObject({ status: 202 });
    for (let i = 0; i < 4; i++) await expect(submitForm(deps, input(aSubmission().withEmail('typo@').build()))).rejects.toBeInstanceOf(ValidationError);
    await expect(submitForm(deps, input(aSubmission().withEmail('three@acme.com').build()))).resolves.toMatchObject({ status: 202 });
    await expect(submitForm(deps, input(aSubmission().withEmail('four@acme.com').build()))).rejects.toBeInstanceOf(RateLimitedError);
    // The invalid count has its own limit: the fifth typo is still a 400, the sixth a 429
    await expect(submitForm(deps, input(aSubmission().withEmail('typo@').build()))).rejects.toBeInstanceOf(ValidationError);
    await expect(submitForm(deps, input(aSubmission().withEmail('typo@').build()))).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('counts an IPv6 client by its /64, so rotating addresses inside it does not help', async () => {
    const { deps } = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 3, windowSeconds: 60 })) });
    for (let i = 1; i <= 3; i++)
      await submitForm(deps, input(aSubmission().withEmail(`v6-${i}@acme.com`).build(), { clientIp: `2001:db8:7:9::${i.toString(16)}` }));
    await expect(submitForm(deps, input(aSubmission().build(), { clientIp: '2001:db8:7:9:ffff:ffff:ffff:fffe' }))).rejects.toBeInstanceOf(RateLimitedError);
    await expect(submitForm(deps, input(aSubmission().build(), { clientIp: '2001:db8:7:a::1' }))).resolves.toMatchObject({ status: 202 });
  });

  it("stops a flood from many addresses at the form's ceiling, one request late (the ceiling is counted beside the write, not before it)", async () => {
    const { deps, leads } = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { perForm: { submissions: 20, windowSeconds: 60 } })) });
    for (let i = 0; i < 20; i++) await submitForm(deps, input(aSubmission().withEmail(`flood${i}@acme.com`).build(), { clientIp: `198.51.100.${i}` }));
    // The 21st is written while its count is refused: from then on the form answers 429 before writing anything.
    await expect(submitForm(deps, input(aSubmission().withEmail('first-over@acme.com').build(), { clientIp: '192.0.2.199' }))).resolves.toMatchObject({
      status: 202,
    });
    for (let i = 0; i < 10; i++)
      await expect(submitForm(deps, input(aSubmission().withEmail(`late${i}@acme.com`).build(), { clientIp: `192.0.2.${i}` }))).rejects.toMatchObject({
        retryAfterSeconds: expect.any(Number),
      });
    expect(leads.leads.size).toBe(21);
    // Another form of the site is not affected
    const trial = { ...aSubmission().build(), fields: { email: 'trial@acme.com', firstName: 'T', company: 'Acme' } };
    await expect(submitForm(deps, input(trial, { formId: 'trial', clientIp: '192.0.2.201' }))).resolves.toMatchObject({ status: 202 });
  });

  it('records a declined consent as declined, with the text that was shown', async () => {
    const { deps, leads } = fakeDeps();
    await submitForm(deps, input(aSubmission().with('consent', { marketing: false }).build()));
    const lead = await leadWith(leads, 'jane.doe@acme.com');
    expect(lead?.consent.marketing).toMatchObject({ granted: false, version: '2026-11-01' });
    expect(lead?.consent.history).toHaveLength(1);
  });
});
