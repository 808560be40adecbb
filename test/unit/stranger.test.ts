import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import { webhookPayload } from '../../functions/core/webhooks/payload.js';
import { knownFields } from '../../functions/use-cases/form-stats.js';
import { rescoreLead } from '../../functions/use-cases/rescore-lead.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { trackEvent } from '../../functions/use-cases/track-event.js';
import { aSubmission, fakeDeps, leadWith, ORIGIN, testConfig } from '../support/builders.js';

/**
 * Issue 22: a stranger who knows an email address gains nothing. The victim is a lead; the attacker types
 * the victim's address into the site's forms from a browser that never held the victim's token.
 */
type Fake = ReturnType<typeof fakeDeps>;
const VICTIM = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(VICTIM) };

const submit = (f: Fake, body: Record<string, unknown>, formId = 'ebook', clientIp = '203.0.113.7') =>
  submitForm(f.deps, { formId, body, origin: ORIGIN, clientIp, userAgent: 'test' });

const view = (f: Fake, token: string, path: string) =>
  trackEvent(f.deps, { body: { visitorToken: token, eventId: crypto.randomUUID(), type: 'page_viewed', url: `${ORIGIN}${path}` } });

/** The victim: an analyst at acme.com who downloaded the ebook (business email 10 + download 10 = 20: a lead). */
async function victim(f: Fake) {
  const own = await submit(f, aSubmission().withEmail(VICTIM).withField('jobTitle', 'Analyst').build());
  await rescoreLead(f.deps, ref);
  return own.body.visitorToken!;
}

/** The attacker's claims: a CEO of a mid-market company, a trial, three pricing page views. */
async function attack(f: Fake) {
  const claim = await submit(
    f,
    aSubmission().withEmail(VICTIM).withField('jobTitle', 'CEO').withField('company', 'Evil Corp').withField('firstName', 'Mallory').build(),
    'ebook',
    '198.51.100.66',
  );
  const trial = await submit(
    f,
    { ...aSubmission().build(), fields: { email: VICTIM, firstName: 'Mallory', company: 'Evil Corp', companySize: '201-1000' } },
    'trial',
    '198.51.100.66',
  );
  for (const path of ['/pricing', '/pricing', '/pricing']) await view(f, trial.body.visitorToken!, path);
  await rescoreLead(f.deps, ref);
  return { claim, trial };
}

describe('A stranger who knows an address', () => {
  it('cannot tell a new address from a known one, a caught bot or a replay: one status, the same body, opaque tokens', async () => {
    // Prepare
    const f = fakeDeps();
    const first = aSubmission().withEmail(VICTIM).build();
    // Act: new, known (another browser), a replay, and two bots of the same address (honeypot; no timer)
    const answers = [
      await submit(f, first),
      await submit(f, aSubmission().withEmail(VICTIM).build(), 'ebook', '198.51.100.1'),
      await submit(f, first),
      await submit(f, aSubmission().withEmail(VICTIM).with('hp', 'x').build(), 'ebook', '198.51.100.2'),
      await submit(f, aSubmission().withEmail(VICTIM).without('startedAt').build(), 'ebook', '198.51.100.3'),
    ];
    // Assess: everything but the submission id and the (fresh, sealed) token is identical
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const shape = (a: (typeof answers)[number]) => ({ ...a.body, submissionId: typeof a.body.submissionId, visitorToken: typeof a.body.visitorToken });
    expect(new Set(answers.map((a) => JSON.stringify(shape(a)))).size).toBe(1);
    expect(answers[2]!.body.submissionId).toBe(first.submissionId);
    const tokens = answers.map((a) => a.body.visitorToken!);
    expect(new Set(tokens).size).toBe(tokens.length);
    const lead = (await leadWith(f.leads, VICTIM))!;
    for (const t of tokens) expect(Buffer.from(t.slice(3), 'base64url').toString('latin1')).not.toContain(lead.leadId);
    // What each browser may learn back is what it sent itself: the bots' tokens answer as the lead's do
    const known = await Promise.all(tokens.map((visitorToken) => knownFields(f.deps, 'ebook', { visitorToken })));
    expect(known.map((k) => k.known)).toEqual(Array(5).fill(['firstName', 'company', 'jobTitle']));
    // and their page views are answered alike (a bot's lead does not exist; nothing is stored for it)
    for (const t of tokens) await expect(view(f, t, '/docs/a')).resolves.toEqual({ status: 'recorded' });
    expect(f.leads.leads.size).toBe(1);
    expect(f.leads.spam.map((s) => s.reason)).toEqual(['honeypot', 'no-timer']);
  });

  it('changes nothing the lead was: profile, consent, score and stage stay; the claim is kept apart on the timeline', async () => {
    // Prepare
    const f = fakeDeps();
    await victim(f);
    const before = (await leadWith(f.leads, VICTIM))!;
    expect([before.score?.total, before.stage]).toEqual([20, 'lead']);
    // Act: the attacker's profile, a trial, page views; and a withdrawal of consent, too
    await attack(f);
    await submit(f, aSubmission().withEmail(VICTIM).with('consent', { marketing: false }).build(), 'ebook', '198.51.100.67');
    await rescoreLead(f.deps, ref);
    // Assess
    const after = (await leadWith(f.leads, VICTIM))!;
    expect(after.profile).toEqual(before.profile);
    expect(after.consent.marketing).toEqual(before.consent.marketing);
    expect([after.score?.total, after.stage]).toEqual([20, 'lead']);
    expect(f.leads.stageChanges.get(`${ref.siteId}#${ref.emailKey}`) ?? []).toEqual([]);
    const claims = after.timeline.filter((e) => 'unverified' in e && e.unverified);
    expect(claims.map((e) => e.type).sort()).toEqual(['form_submitted', 'form_submitted', 'form_submitted', 'page_viewed', 'page_viewed', 'page_viewed']);
    expect(claims[0]).toMatchObject({ claimed: { firstName: 'Mallory', company: 'Evil Corp', jobTitle: 'CEO' } });
    expect(after.verifiedAt).toBeUndefined();
  });

  it("learns none of the lead's fields through /known: its token names only what it typed itself", async () => {
    const f = fakeDeps();
    await victim(f);
    // The attacker sends only the address (email-only variant of the demo: the trial form's required fields are its own)
    const probe = await submit(f, { ...aSubmission().build(), fields: { email: VICTIM, firstName: 'X', company: 'Y' } }, 'trial', '198.51.100.9');
    expect((await knownFields(f.deps, 'trial', { visitorToken: probe.body.visitorToken })).known).toEqual(['firstName', 'company']);
    // The lead's own browser learns what it gave
    const own = await submit(f, aSubmission().withEmail(VICTIM).build());
    expect((await knownFields(f.deps, 'ebook', { visitorToken: own.body.visitorToken })).known).toEqual(['firstName', 'company', 'jobTitle']);
  });

  it("cannot turn a claim's token into the lead's: a submission showing it is still a claim", async () => {
    const f = fakeDeps();
    await victim(f);
    const { claim } = await attack(f);
    await submit(
      f,
      aSubmission().withEmail(VICTIM).withField('jobTitle', 'Chief Executive').with('visitorToken', claim.body.visitorToken).build(),
      'ebook',
      '198.51.100.66',
    );
    expect((await leadWith(f.leads, VICTIM))?.profile.jobTitle).toBe('Analyst');
  });

  it("lets the lead's own browser update it, and counts what a claim added once the owner acts (a click in an email), never over what the lead gave", async () => {
    // Prepare
    const f = fakeDeps();
    const token = await victim(f);
    await attack(f);
    // Act 1: the owner's browser (its token) gives a last name: applied at once
    await submit(f, aSubmission().withEmail(VICTIM).withField('jobTitle', 'Senior Analyst').with('visitorToken', token).build());
    expect((await leadWith(f.leads, VICTIM))?.profile.jobTitle).toBe('Senior Analyst');
    // Act 2: the owner clicks a link in an email
    f.clock.advance(60_000);
    await f.deps.nurture.recordEngagement(ref, { type: 'email_clicked', at: f.clock.now().toISOString(), eventId: 'click-1', kind: 'delivery' });
    await rescoreLead(f.deps, ref);
    // Assess: the claims before the click now count (the trial, the pricing views, the company size the
    // lead never gave); the lead's own values stay
    const lead = (await leadWith(f.leads, VICTIM))!;
    expect(lead.verifiedAt).toBe(f.clock.now().toISOString());
    // Sales sees that the address was proven, and when
    expect(webhookPayload('prospect.ready', lead.verifiedAt!, { id: 'demo', name: 'Demo' }, lead).data.lead.verifiedAt).toBe(lead.verifiedAt);
    expect(lead.profile).toMatchObject({ firstName: 'Jane', company: 'Acme', jobTitle: 'Senior Analyst', companySize: '201-1000' });
    expect(lead.score?.breakdown.map((b) => b.ruleId)).toEqual(expect.arrayContaining(['mid-market', 'trial-signup', 'pricing-visit', 'nurture-click']));
    // A claim after the click waits for the next one
    f.clock.advance(60_000);
    const late = await submit(
      f,
      { ...aSubmission().build(), fields: { email: VICTIM, firstName: 'M', company: 'E', lastName: 'Late' } },
      'trial',
      '198.51.100.70',
    );
    expect(late.status).toBe(202);
    await rescoreLead(f.deps, ref);
    expect((await leadWith(f.leads, VICTIM))?.profile).not.toHaveProperty('lastName');
  });

  it.each([
    ['left out', undefined],
    ['0', 0],
    ['before forms existed', 1_000],
  ])('does not trust a submission whose startedAt is %s: kept as spam, never a lead, answered alike', async (_what, startedAt) => {
    const f = fakeDeps();
    const body = aSubmission().with('startedAt', startedAt).build();
    const answer = await submit(f, body);
    expect(answer.status).toBe(202);
    expect(answer.body.next.type).toBe('download');
    expect(f.leads.leads.size).toBe(0);
    expect(f.leads.spam).toMatchObject([{ reason: 'no-timer' }]);
  });

  it("learns nothing of the lead's consent through page views: a claim's token gets `recorded` where the lead's own gets `ignored`", async () => {
    // Prepare: a lead that declined marketing consent; a stranger claims the address with the box ticked
    const f = fakeDeps();
    const own = await submit(f, aSubmission().withEmail(VICTIM).with('consent', { marketing: true }).build());
    await submit(f, aSubmission().withEmail(VICTIM).with('consent', { marketing: false }).with('visitorToken', own.body.visitorToken).build());
    const claim = await submit(f, aSubmission().withEmail(VICTIM).build(), 'ebook', '198.51.100.80');
    const bot = await submit(f, aSubmission().withEmail('nobody@acme.com').with('hp', 'x').build(), 'ebook', '198.51.100.81');
    // Act + Assess
    expect(await view(f, claim.body.visitorToken!, '/pricing')).toEqual({ status: 'recorded' });
    expect(await view(f, bot.body.visitorToken!, '/pricing')).toEqual({ status: 'recorded' });
    expect(await view(f, own.body.visitorToken!, '/pricing')).toEqual({ status: 'ignored', reason: 'unsubscribed' });
    expect((await leadWith(f.leads, VICTIM))?.timeline.some((e) => e.type === 'page_viewed')).toBe(false);
  });

  it("cannot tell it was caught by retrying: a bot's retried submissionId counts nothing against its limit, as a lead's does not", async () => {
    const f = fakeDeps({ rawConfig: testConfig((c) => (c.sites[0]!.rateLimit = { submissions: 3, windowSeconds: 60 })) });
    const bot = aSubmission().withEmail('bot@acme.com').with('hp', 'x').build();
    const lead = aSubmission().withEmail('real@acme.com').build();
    const answers = [];
    for (let i = 0; i < 20; i++)
      answers.push((await submit(f, bot, 'ebook', '198.51.100.90')).status, (await submit(f, lead, 'ebook', '198.51.100.91')).status);
    expect(answers).toEqual(Array(40).fill(202));
    expect(f.leads.spam).toHaveLength(1);
  });

  it("gets no token by replaying a confirmation link's submission id on a form without double opt-in", async () => {
    const f = fakeDeps({ rawConfig: testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true)) });
    const original = aSubmission().withEmail(VICTIM).build();
    const first = await submit(f, original);
    expect(first.body).toMatchObject({ next: { type: 'confirm-email' } });
    // The id is in the confirmation email's link; the attacker replays it on the trial form (single opt-in)
    const replay = await submit(f, { ...original, fields: { email: VICTIM, firstName: 'M', company: 'E' } }, 'trial', '198.51.100.92');
    expect(replay.body).toMatchObject({ submissionId: original.submissionId, next: { type: 'confirm-email' } });
    expect(replay.body).not.toHaveProperty('visitorToken');
  });
});
