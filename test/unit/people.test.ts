import { CONSOLE_TEST_ADDRESS, emailKey } from '../../functions/core/email.js';
import type { Context } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { JosePeopleTokens } from '../../functions/adapters/people-tokens.js';
import { ClaimNames, personOf, ROLES, type Role } from '../../functions/core/people.js';
import { ENDPOINTS, type Endpoint, routeKeyOf } from '../../functions/handlers/endpoints/index.js';
import { makeLeadsHandler } from '../../functions/handlers/leads.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, apiEvent, fakeDeps, leadWith, ORIGIN } from '../support/builders.js';

/** Issue 23 (sign-in and roles): one verification path for people's tokens, and each route's roles. */
const ISSUER = 'https://issuer.test/oidc';
const AUDIENCE = 'console-api';
let sign: (claims: JWTPayload, options?: { key?: 'other'; expiresIn?: string; issuer?: string; audience?: string | null }) => Promise<string>;
let tokens: JosePeopleTokens;

beforeAll(async () => {
  const [mine, other] = [await generateKeyPair('RS256'), await generateKeyPair('RS256')];
  const jwk = { ...(await exportJWK(mine.publicKey)), kid: 'k1', alg: 'RS256' };
  tokens = new JosePeopleTokens({ issuer: ISSUER, audience: AUDIENCE, claims: ClaimNames.parse({}) }, { keys: createLocalJWKSet({ keys: [jwk] }) });
  sign = async (claims, options = {}) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuedAt()
      .setIssuer(options.issuer ?? ISSUER)
      .setExpirationTime(options.expiresIn ?? '1h');
    if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? AUDIENCE);
    return jwt.sign(options.key === 'other' ? other.privateKey : mine.privateKey);
  };
});

describe('People: who a console token stands for', () => {
  it('reads the person of a genuine token: its subject, the roles among its groups, its sites', async () => {
    const person = await tokens.verify(await sign({ sub: 'u1', email: 'ann@acme.com', 'cognito:groups': ['marketer', 'staff'], 'funnel:sites': ['demo'] }));
    expect(person).toEqual({ sub: 'u1', email: 'ann@acme.com', roles: ['marketer'], siteIds: ['demo'] });
    // Without a sites claim, every site; API Gateway hands arrays over as "[a b]" strings
    expect(personOf({ sub: 'u2', 'cognito:groups': '[admin sales]' }, ClaimNames.parse({}))).toEqual({ sub: 'u2', roles: ['admin', 'sales'], siteIds: ['*'] });
  });

  it('accepts a Cognito access token (no `aud`, the app client in `client_id`)', async () => {
    expect(
      await tokens.verify(await sign({ sub: 'u3', client_id: AUDIENCE, token_use: 'access', 'cognito:groups': ['viewer'] }, { audience: null })),
    ).toMatchObject({
      roles: ['viewer'],
    });
    expect(await tokens.verify(await sign({ sub: 'u3', client_id: 'another-app', 'cognito:groups': ['viewer'] }, { audience: null }))).toBeUndefined();
  });

  it.each([
    ['signed with another key (forged)', { key: 'other' as const }],
    ['expired', { expiresIn: '-2m' }],
    ['for another audience', { audience: 'someone-else' }],
    ['from another issuer', { issuer: 'https://evil.test/oidc' }],
  ])('refuses a token %s', async (_what, options) => {
    expect(await tokens.verify(await sign({ sub: 'u4', 'cognito:groups': ['admin'] }, options))).toBeUndefined();
  });

  it('refuses garbage, a token without a subject, and an unsigned one', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: 9e9 })).toString('base64url')}.`;
    for (const bad of ['', 'x', 'a.b.c', unsigned, await sign({ 'cognito:groups': ['admin'] })]) expect(await tokens.verify(bad)).toBeUndefined();
  });
});

/** A delivery every call's funnel has, for the routes that read or replay one. */
const SAMPLE_DELIVERY = 'msg_sampledelivery000000001';

describe('Console routes: every route, every role, as its row of the endpoint table allows', () => {
  const context = { awsRequestId: 'people', getRemainingTimeInMillis: () => 10_000 } as Context;
  const personRoutes = (Object.entries(ENDPOINTS) as [string, Endpoint][]).filter(([, e]) => e.auth === 'person');

  it('has console routes, each naming the roles it allows', () => {
    expect(personRoutes.length).toBeGreaterThan(0);
    for (const [, e] of personRoutes) expect(e.roles?.length).toBeGreaterThan(0);
  });

  /** A valid request to each route (a real lead, a real key), so an allowed role gets its success, not a 400 or 404. */
  const sample: Record<
    string,
    (lead: { leadId: string; email: string }, keyId: string, sub: string) => { path?: Record<string, string>; query?: Record<string, string>; body?: unknown }
  > = {
    consoleFit: () => ({ body: { notAFit: true, reason: 'a student' } }),
    consoleErase: (lead) => ({ body: { confirm: lead.email } }),
    consoleCreateApiKey: () => ({ body: { name: 'CRM', siteIds: ['demo'] } }),
    consoleRevokeApiKey: (_lead, keyId) => ({ path: { keyId } }),
    consoleInvite: () => ({ body: { email: 'new.rep@acme.com', roles: ['sales'] } }),
    consoleSetRoles: () => ({ path: { personId: 'viewer' }, body: { roles: ['marketer'] } }),
    consoleRemovePerson: () => ({ path: { personId: 'viewer' } }),
    // The caller's own export (another person's is not found)
    consoleExport: (_lead, _keyId, sub) => ({ path: { exportId: `export-of-${sub}` } }),
    consoleHandoffLog: () => ({ path: { endpointId: 'crm' } }),
    consoleReplay: () => ({ path: { deliveryId: SAMPLE_DELIVERY } }),
    consoleEmailPreview: () => ({ query: { email: 'delivery#ebook' } }),
    consoleEmailTest: (_lead, _keyId, sub) => ({ body: { email: 'delivery#ebook', to: `${sub}@acme.com` } }),
    consoleUnsuppress: () => ({ path: { address: 'bounced@acme.com' } }),
    consoleTestEvent: () => ({ path: { endpointId: 'crm' } }),
  };

  it.each(personRoutes)('%s: its success for each allowed role, 403 for the others, 401 without a genuine token', async (id, e) => {
    const call = async (authorization?: string, sub = 'nobody') => {
      // A new funnel per call: one role's claim, erasure or revocation does not change what the next finds.
      const fake = fakeDeps();
      fake.deps.people = tokens;
      await submitForm(fake.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
      const lead = (await leadWith(fake.leads, 'jane.doe@acme.com'))!;
      await fake.apiKeys.save('ab'.repeat(32), { name: 'old', siteIds: ['*'] }, '2026-11-01T00:00:00.000Z');
      await fake.deps.exports.create({
        id: `export-of-${sub}`,
        siteId: 'demo',
        query: {},
        by: { sub },
        createdAt: '2026-11-01T00:00:00.000Z',
        status: 'queued',
      });
      await fake.deps.webhooks.create([
        {
          siteId: 'demo',
          emailKey: emailKey('jane.doe@acme.com'),
          deliveryId: SAMPLE_DELIVERY,
          endpointId: 'crm',
          type: 'prospect.ready',
          leadId: lead.leadId,
          eventAt: '2026-11-01T00:00:00.000Z',
          createdAt: '2026-11-01T00:00:00.000Z',
          body: '{}',
        },
      ]);
      // The console's test event goes to the site's test lead.
      if (id === 'consoleTestEvent')
        await submitForm(fake.deps, { formId: 'ebook', body: aSubmission().withEmail(CONSOLE_TEST_ADDRESS).build(), origin: ORIGIN, clientIp: '203.0.113.8' });
      // A release is of the caller's own claim (a sales rep may release only theirs).
      if (id === 'consoleRelease')
        await fake.deps.prospects.claim(
          { siteId: 'demo', emailKey: emailKey('jane.doe@acme.com') },
          `${sub.replace(/^u-/, '')}@acme.com`,
          '2026-11-01T00:00:00.000Z',
        );
      const request = sample[id]?.(lead, 'ab'.repeat(8), sub) ?? {};
      const event = apiEvent(routeKeyOf(e), {
        path: { leadId: lead.leadId, formId: 'ebook', ...request.path },
        headers: authorization ? { authorization } : {},
        ...(request.query && { query: request.query }),
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
      });
      return (await makeLeadsHandler(() => fake.deps)(event, context)).statusCode;
    };
    for (const role of ROLES) {
      const status = (await call(`Bearer ${await sign({ sub: `u-${role}`, email: `${role}@acme.com`, 'cognito:groups': [role] })}`, `u-${role}`)) ?? 0;
      const allowed = (e.roles as readonly Role[]).includes(role);
      expect([role, allowed ? status >= 200 && status < 300 : status]).toEqual([role, allowed ? true : 403]);
    }
    expect(await call()).toBe(401);
    expect(await call(`Bearer ${await sign({ sub: 'u5', 'cognito:groups': ['admin'] }, { key: 'other' })}`)).toBe(401);
    // A signed-in person with no role of ours may do nothing
    expect(await call(`Bearer ${await sign({ sub: 'u6', 'cognito:groups': ['staff'] })}`)).toBe(403);
  });
});

describe('People: an issuer out of reach', () => {
  it('answers busy (503, try again), not "sign in again" (401) nor a 500, while the issuer cannot be reached', async () => {
    const unreachable = new JosePeopleTokens({ issuer: 'http://127.0.0.1:9/oidc', audience: AUDIENCE, claims: ClaimNames.parse({}) });
    const token = await sign({ sub: 'u7', 'cognito:groups': ['admin'] }, { issuer: 'http://127.0.0.1:9/oidc' });
    await expect(unreachable.verify(token)).rejects.toMatchObject({ status: 503 });
    const fake = fakeDeps();
    fake.deps.people = unreachable;
    const answer = await makeLeadsHandler(() => fake.deps)(apiEvent('GET /v1/console/me', { headers: { authorization: `Bearer ${token}` } }), {
      awsRequestId: 'x',
      getRemainingTimeInMillis: () => 10_000,
    } as Context);
    expect(answer.statusCode).toBe(503);
  });
});
