import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../functions/adapters/memory.js';
import { HmacVisitorTokens, VISITOR_TOKEN_TTL_DAYS } from '../../functions/adapters/visitor-tokens.js';
import { InvalidVisitorTokenError, OriginNotAllowedError, RateLimitedError, ValidationError } from '../../functions/core/errors.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { EVENTS_PER_MINUTE, trackEvent } from '../../functions/use-cases/track-event.js';
import { aSubmission, fakeDeps, leadWith, ORIGIN, testConfig } from '../support/builders.js';
import { SignedTokens } from '../../functions/adapters/signed-tokens.js';

const DAY_MS = 86_400_000;
const submit = (deps: ReturnType<typeof fakeDeps>['deps'], body: unknown, formId = 'ebook') =>
  submitForm(deps, { formId, body, origin: ORIGIN, clientIp: '203.0.113.7' });

/** A page view body for the demo site. */
const aPageView = (visitorToken: string, over: Record<string, unknown> = {}) => ({
  visitorToken,
  eventId: randomUUID(),
  type: 'page_viewed',
  url: `${ORIGIN}/pricing/?plan=pro&email=jane%40acme.com#faq`,
  title: 'Pricing',
  referrer: `${ORIGIN}/blog/post?q=secret`,
  ...over,
});

describe('Adapter: HmacVisitorTokens', () => {
  const clock = new FakeClock();
  const tokens = new HmacVisitorTokens({ secret: async () => 'secret-one', clock });
  const leadId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

  const grant = { siteId: 'demo', leadId, trust: 'creator' as const, fields: ['firstName', 'company'] };

  it('round-trips the grant; shows nothing (no lead id, no address) and is different every time', async () => {
    const token = await tokens.issue(grant);
    expect(await tokens.verify(token)).toEqual(grant);
    expect(await tokens.verify(await tokens.issue({ ...grant, trust: 'claim', fields: [] }))).toEqual({ ...grant, trust: 'claim', fields: [] });
    expect(token).toMatch(/^v2\.[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(token.slice(3), 'base64url').toString('latin1');
    for (const secret of [leadId, leadId.replaceAll('-', ''), 'demo', 'firstName']) expect(bytes).not.toContain(secret);
    expect(await tokens.issue(grant)).not.toBe(token);
  });

  it('rejects a token sealed with another secret, any changed byte, and garbage', async () => {
    const token = await tokens.issue(grant);
    const other = await new HmacVisitorTokens({ secret: async () => 'secret-two', clock }).issue(grant);
    const sealed = Buffer.from(token.slice(3), 'base64url');
    const flipped = (i: number) => {
      const copy = Buffer.from(sealed);
      copy[i] = copy[i]! ^ 1;
      return `v2.${copy.toString('base64url')}`;
    };
    for (const bad of [
      other,
      flipped(0),
      flipped(20),
      flipped(sealed.length - 1),
      `v2.${sealed.subarray(0, 20).toString('base64url')}`,
      'v2.',
      'not-a-token',
      '',
      `${token}x`,
    ]) {
      expect(await tokens.verify(bad)).toBeUndefined();
    }
  });

  it('takes a v1 token handed out before (readable, signed) as a claim with no fields, and still refuses a forged one', async () => {
    const legacy = new SignedTokens(
      async () => 'secret-one',
      (_v, payload) => payload,
    );
    const expires = String(Math.floor(clock.now().getTime() / 1000) + 86_400);
    const v1 = await legacy.sign('v1', ['demo', leadId, expires]);
    expect(await tokens.verify(v1)).toEqual({ siteId: 'demo', leadId, trust: 'claim', fields: [] });
    const [v, payload, mac] = v1.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('demo', 'othr')).toString('base64url');
    expect(await tokens.verify(`${v}.${forgedPayload}.${mac}`)).toBeUndefined();
  });

  it(`expires after ${VISITOR_TOKEN_TTL_DAYS} days`, async () => {
    const local = new FakeClock();
    const t = new HmacVisitorTokens({ secret: async () => 's', clock: local });
    const token = await t.issue(grant);
    local.advance((VISITOR_TOKEN_TTL_DAYS - 1) * DAY_MS);
    expect(await t.verify(token)).toBeDefined();
    local.advance(2 * DAY_MS);
    expect(await t.verify(token)).toBeUndefined();
  });
});

describe('Use case: submitForm hands out a visitor token', () => {
  it('only when the visitor ticked marketing consent', async () => {
    const { deps } = fakeDeps();
    const consented = await submit(deps, aSubmission().build());
    expect(await deps.visitorTokens.verify(consented.body.visitorToken!)).toEqual({
      siteId: 'demo',
      leadId: (await leadWith(deps.leads, 'jane.doe@acme.com'))!.leadId,
      trust: 'creator',
      fields: ['firstName', 'company', 'jobTitle'],
    });
    const declined = await submit(deps, aSubmission().withEmail('bob@acme.com').with('consent', { marketing: false }).build());
    expect(declined.body.visitorToken).toBeUndefined();
    const silent = await submit(deps, aSubmission().withEmail('carl@acme.com').without('consent').build());
    expect(silent.body.visitorToken).toBeUndefined();
  });

  it('not on a double opt-in form before the address is confirmed', async () => {
    const { deps } = fakeDeps({ rawConfig: testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true)) });
    const result = await submit(deps, aSubmission().build());
    expect(result.body.next).toEqual({ type: 'confirm-email' });
    expect(result.body.visitorToken).toBeUndefined();
  });

  it('also on a replayed submission, for the same lead', async () => {
    const { deps } = fakeDeps();
    const body = aSubmission().build();
    const first = await submit(deps, body);
    const replay = await submit(deps, body);
    expect(await deps.visitorTokens.verify(replay.body.visitorToken!)).toEqual(await deps.visitorTokens.verify(first.body.visitorToken!));
    expect(replay.body.visitorToken).not.toBe(first.body.visitorToken);
  });
});

describe('Use case: trackEvent', () => {
  async function consentedLead() {
    const f = fakeDeps();
    const { body } = await submit(f.deps, aSubmission().build());
    return { ...f, leadId: (await leadWith(f.leads, 'jane.doe@acme.com'))!.leadId, token: body.visitorToken! };
  }

  it('stores a page view on the lead timeline: server time, path only, referrer without its query', async () => {
    const { deps, leads, leadId, token, clock } = await consentedLead();
    clock.advance(60_000);
    const body = aPageView(token);
    expect(await trackEvent(deps, { body, origin: ORIGIN })).toEqual({ status: 'recorded' });
    const lead = await leads.findById(leadId);
    expect(lead?.timeline.at(-1)).toEqual({
      type: 'page_viewed',
      at: '2026-11-22T10:01:00.000Z',
      eventId: body.eventId,
      path: '/pricing',
      title: 'Pricing',
      referrer: `${ORIGIN}/blog/post`,
    });
    expect(JSON.stringify(lead?.timeline)).not.toContain('jane%40acme.com');
  });

  it('records a retried event once, answering it as recorded', async () => {
    const { deps, leads, leadId, token } = await consentedLead();
    const body = aPageView(token);
    await trackEvent(deps, { body });
    expect(await trackEvent(deps, { body })).toEqual({ status: 'recorded' });
    expect((await leads.findById(leadId))?.timeline.filter((e) => e.type === 'page_viewed')).toHaveLength(1);
  });

  it('rejects a missing, forged or expired token with 401 invalid_visitor_token naming the field', async () => {
    const { deps, token, clock } = await consentedLead();
    const forged = await new HmacVisitorTokens({ secret: async () => 'guess', clock }).issue({
      siteId: 'demo',
      leadId: randomUUID(),
      trust: 'creator',
      fields: [],
    });
    for (const bad of [forged, 'v1.abc.def']) {
      const error = await trackEvent(deps, { body: aPageView(bad) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidVisitorTokenError);
      expect((error as InvalidVisitorTokenError).fields).toHaveProperty('visitorToken');
    }
    clock.advance((VISITOR_TOKEN_TTL_DAYS + 1) * DAY_MS);
    await expect(trackEvent(deps, { body: aPageView(token) })).rejects.toBeInstanceOf(InvalidVisitorTokenError);
  });

  it('rejects bad bodies with the field named: wrong type, bad eventId, not a URL, unknown key, oversized title', async () => {
    const { deps, token } = await consentedLead();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'email_clicked' }, 'type'],
      [{ eventId: 'not-a-uuid' }, 'eventId'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ extra: 1 }, 'extra'],
      [{ title: 'x'.repeat(301) }, 'title'],
      [{ visitorToken: 42 }, 'visitorToken'],
    ];
    for (const [over, field] of cases) {
      const error = await trackEvent(deps, { body: aPageView(token, over) }).catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fields)).toContain(field);
    }
    await expect(trackEvent(deps, { body: null })).rejects.toBeInstanceOf(ValidationError);
  });

  it("rejects a page or Origin that is not one of the site's allowed origins (403)", async () => {
    const { deps, token } = await consentedLead();
    await expect(trackEvent(deps, { body: aPageView(token, { url: 'https://evil.example/pricing' }) })).rejects.toBeInstanceOf(OriginNotAllowedError);
    await expect(trackEvent(deps, { body: aPageView(token), origin: 'https://evil.example' })).rejects.toBeInstanceOf(OriginNotAllowedError);
  });

  it('ignores (202, nothing stored) the events of a lead that withdrew consent, and says so', async () => {
    const { deps, leads, leadId, token } = await consentedLead();
    // Its own browser (its token) withdraws: a browser without it could not (a claim changes no consent).
    await submit(deps, aSubmission().with('consent', { marketing: false }).with('visitorToken', token).build());
    expect(await trackEvent(deps, { body: aPageView(token) })).toEqual({ status: 'ignored', reason: 'unsubscribed' });
    const partition = [...leads.leads.entries()].find(([, l]) => l.leadId === leadId)![0];
    leads.leads.get(partition)!.unsubscribedAt = '2026-11-22T11:00:00.000Z';
    leads.leads.get(partition)!.consentMarketing = { granted: true };
    expect(await trackEvent(deps, { body: aPageView(token) })).toEqual({ status: 'ignored', reason: 'unsubscribed' });
    expect((await leads.findById(leadId))?.timeline.some((e) => e.type === 'page_viewed')).toBe(false);
  });

  it("answers a caught bot's page views exactly as a real lead's: recorded, also on a retry (nothing is stored)", async () => {
    // Prepare: a bot (honeypot filled) and a real reader submit; both get a visitor token
    const { deps, leads } = fakeDeps();
    const bot = await submitForm(deps, {
      formId: 'ebook',
      body: aSubmission().withEmail('bot@acme.com').with('hp', 'https://spam.example').build(),
      origin: ORIGIN,
      clientIp: '198.51.100.1',
    });
    const human = await submitForm(deps, {
      formId: 'ebook',
      body: aSubmission().withEmail('human@acme.com').build(),
      origin: ORIGIN,
      clientIp: '198.51.100.2',
    });
    const botView = aPageView(bot.body.visitorToken!);
    const humanView = aPageView(human.body.visitorToken!);
    // Act
    const answers = [
      await trackEvent(deps, { body: botView }),
      await trackEvent(deps, { body: botView }),
      await trackEvent(deps, { body: humanView }),
      await trackEvent(deps, { body: humanView }),
    ];
    // Assess: the same answers; only the real lead's view is stored
    expect(bot.status).toBe(human.status);
    expect(answers).toEqual([{ status: 'recorded' }, { status: 'recorded' }, { status: 'recorded' }, { status: 'recorded' }]);
    expect(leads.leads.size).toBe(1);
  });

  it(`rate-limits a lead to ${EVENTS_PER_MINUTE} events a minute`, async () => {
    const { deps, token } = await consentedLead();
    for (let i = 0; i < EVENTS_PER_MINUTE; i++) await trackEvent(deps, { body: aPageView(token) });
    await expect(trackEvent(deps, { body: aPageView(token) })).rejects.toBeInstanceOf(RateLimitedError);
  });
});
