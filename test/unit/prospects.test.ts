import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailKey } from '../../functions/core/email.js';
import { AlreadyClaimedError, LeadNotFoundError, ValidationError } from '../../functions/core/errors.js';
import { eraseLead, exportLead } from '../../functions/use-cases/privacy.js';
import { claimProspect, GAP_SETTLE_MS, indexQualification, listProspects } from '../../functions/use-cases/prospects.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, fakeDeps, ORIGIN } from '../support/builders.js';

const KEY = { name: 'test', siteIds: ['*'] };

async function leads(n: number) {
  const t = fakeDeps();
  const refs = [];
  for (let i = 0; i < n; i++) {
    const email = `lead${i}@acme.com`;
    await submitForm(t.deps, {
      formId: 'ebook',
      body: aSubmission().withEmail(email).build(),
      origin: ORIGIN,
      clientIp: `203.0.113.${i % 250}`,
    });
    refs.push({ siteId: 'demo', emailKey: emailKey(email), leadId: (await t.deps.leads.findByEmail('demo', emailKey(email)))!.leadId, email });
  }
  return { t, refs };
}
const page = (t: ReturnType<typeof fakeDeps>, since?: string, limit = 50) => listProspects(t.deps, KEY, { stage: 'sql', limit, ...(since && { since }) });

describe('Use case: prospects pull API', () => {
  it('numbers each qualification once (a repeated stream record keeps its number) and lists in that order', async () => {
    // Prepare
    const { t, refs } = await leads(3);
    // Act: each lead qualifies a second after the last; the stream repeats lead 1's record
    const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, i)).toISOString();
    for (const [r, i] of [
      [refs[1]!, 0],
      [refs[0]!, 1],
      [refs[1]!, 0],
      [refs[2]!, 2],
    ] as const)
      await indexQualification(t.deps, r, 'sql', at(i));
    const listed = await page(t);
    // Assess
    expect(listed.prospects.map((p) => p.email)).toEqual(['lead1@acme.com', 'lead0@acme.com', 'lead2@acme.com']);
    expect(listed.prospects[0]).toMatchObject({
      leadId: refs[1]!.leadId,
      stage: 'lead',
      qualifiedAt: at(0),
      profile: { firstName: 'Jane' },
    });
  });

  it('pages with an opaque cursor; a cursor at the end returns nothing until a new prospect arrives', async () => {
    const { t, refs } = await leads(5);
    for (const r of refs.slice(0, 4)) {
      t.clock.advance(1_000);
      await indexQualification(t.deps, r, 'sql', t.clock.now().toISOString());
    }
    const first = await page(t, undefined, 3);
    const second = await page(t, first.nextCursor, 3);
    const empty = await page(t, second.nextCursor, 3);
    t.clock.advance(1_000);
    await indexQualification(t.deps, refs[4]!, 'sql', t.clock.now().toISOString());
    const later = await page(t, empty.nextCursor, 3);
    expect(first.prospects).toHaveLength(3);
    expect(second.prospects.map((p) => p.email)).toEqual(['lead3@acme.com']);
    expect(empty).toEqual({ prospects: [], nextCursor: second.nextCursor });
    expect(later.prospects.map((p) => p.email)).toEqual(['lead4@acme.com']);
  });

  it('stops a shard before a number still being written (other shards go on), and skips it once it is over a minute old (abandoned)', async () => {
    // Prepare: three leads of one shard and one of another; in the first, number 2 is taken but its entry
    // not written (a writer in flight), number 3 is written
    const { t, refs } = await leads(40);
    const shardOf = (r: (typeof refs)[number]) => r.emailKey[0];
    const same = refs.filter((r) => shardOf(r) === shardOf(refs.find((x) => refs.filter((y) => shardOf(y) === shardOf(x)).length >= 3)!)).slice(0, 3);
    const other = refs.find((r) => shardOf(r) !== shardOf(same[0]!))!;
    await indexQualification(t.deps, same[0]!, 'sql', t.clock.now().toISOString());
    await t.deps.prospects.sequenceOf(same[1]!, 'sql');
    t.clock.advance(1_000);
    await indexQualification(t.deps, same[2]!, 'sql', t.clock.now().toISOString());
    await indexQualification(t.deps, other, 'sql', t.clock.now().toISOString());
    // Act
    const now = await page(t);
    t.clock.advance(GAP_SETTLE_MS + 1);
    const settled = await page(t, now.nextCursor);
    // Assess
    expect(now.prospects.map((p) => p.email)).toEqual([same[0]!.email, other.email]);
    expect(settled.prospects.map((p) => p.email)).toEqual([same[2]!.email]);
  });

  it('spreads the index over shards by lead, and merges them by qualification time', async () => {
    // Prepare: 32 leads qualifying a second apart, over many shards
    const { t, refs } = await leads(32);
    for (const r of refs) {
      t.clock.advance(1_000);
      await indexQualification(t.deps, r, 'sql', t.clock.now().toISOString());
    }
    // Act: pages of 5
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 8; i++) {
      const p = await page(t, cursor, 5);
      seen.push(...p.prospects.map((x) => x.email));
      cursor = p.nextCursor;
    }
    // Assess
    expect(new Set(refs.map((r) => r.emailKey[0])).size).toBeGreaterThan(8);
    expect(seen).toEqual(refs.map((r) => r.email));
  });

  it('never skips or repeats a prospect while writers and readers interleave (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('take', 'write', 'read', 'tick'), { minLength: 5, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        async (script, limit) => {
          const { t, refs } = await leads(8);
          const taken: { ref: (typeof refs)[number]; seq: number }[] = [];
          let next = 0;
          let cursor: string | undefined;
          const seen: string[] = [];
          const read = async () => {
            const p = await page(t, cursor, limit);
            seen.push(...p.prospects.map((x) => x.email));
            cursor = p.nextCursor;
          };
          for (const step of script) {
            if (step === 'take' && next < refs.length) taken.push({ ref: refs[next]!, seq: await t.deps.prospects.sequenceOf(refs[next++]!, 'sql') });
            if (step === 'write' && taken.length) {
              const { ref, seq } = taken.splice(Math.floor(taken.length / 2), 1)[0]!;
              await t.deps.prospects.putEntry('sql', {
                siteId: ref.siteId,
                emailKey: ref.emailKey,
                seq,
                leadId: ref.leadId,
                qualifiedAt: t.clock.now().toISOString(),
                writtenAt: t.clock.now().toISOString(),
              });
            }
            if (step === 'read') await read();
            if (step === 'tick') t.clock.advance(1_000);
          }
          // Finish every write in flight, let the gaps settle, then read to the end.
          for (const { ref, seq } of taken)
            await t.deps.prospects.putEntry('sql', {
              siteId: ref.siteId,
              emailKey: ref.emailKey,
              seq,
              leadId: ref.leadId,
              qualifiedAt: t.clock.now().toISOString(),
              writtenAt: t.clock.now().toISOString(),
            });
          t.clock.advance(GAP_SETTLE_MS + 1);
          for (let i = 0; i < 10; i++) await read();
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.sort()).toEqual(
            refs
              .slice(0, next)
              .map((r) => r.email)
              .sort(),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("names a cursor that is not of this listing, and a site that does not exist (the syntax of stage and limit is the edge's: see handlers.test.ts)", async () => {
    const { t } = await leads(1);
    await expect(listProspects(t.deps, KEY, { stage: 'sql', limit: 50, since: 'garbage' })).rejects.toMatchObject({
      fields: { 'query.since': expect.any(String) },
    });
    await expect(listProspects(t.deps, KEY, { stage: 'sql', limit: 50, site: 'nope' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('Use case: claimProspect', () => {
  it('records the rep once (the same rep again is fine), refuses another rep with the current claim, and shows it on the timeline', async () => {
    // Prepare
    const { t, refs } = await leads(1);
    const leadId = refs[0]!.leadId;
    // Act
    const first = await claimProspect(t.deps, KEY, leadId, { rep: 'alice@acme.com' });
    t.clock.advance(60_000);
    const again = await claimProspect(t.deps, KEY, leadId, { rep: 'alice@acme.com' });
    const other = claimProspect(t.deps, KEY, leadId, { rep: 'bob@acme.com' });
    // Assess
    expect(again).toEqual(first);
    await expect(other).rejects.toBeInstanceOf(AlreadyClaimedError);
    await expect(other).rejects.toMatchObject({ code: 'already_claimed', claim: first });
    const lead = await t.deps.leads.findById(leadId);
    expect(lead!.claim).toEqual(first);
    expect(lead!.timeline.filter((e) => e.type === 'prospect_claimed')).toEqual([{ type: 'prospect_claimed', at: first.at, rep: 'alice@acme.com' }]);
  });

  it('refuses a bad body naming the field, and an unknown lead with 404', async () => {
    const { t, refs } = await leads(1);
    await expect(claimProspect(t.deps, KEY, refs[0]!.leadId, { rep: '' })).rejects.toMatchObject({ fields: { rep: expect.any(String) } });
    await expect(claimProspect(t.deps, KEY, refs[0]!.leadId, { rep: 'a', admin: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(claimProspect(t.deps, KEY, 'no-such-lead-id', { rep: 'a' })).rejects.toBeInstanceOf(LeadNotFoundError);
    await expect(claimProspect(t.deps, { name: 'other', siteIds: ['other'] }, refs[0]!.leadId, { rep: 'a' })).rejects.toBeInstanceOf(LeadNotFoundError);
  });
});

describe('Use cases: exportLead and eraseLead', () => {
  it('exports everything held on the lead, without internal keys', async () => {
    const { t, refs } = await leads(1);
    const exported = await exportLead(t.deps, KEY, refs[0]!.leadId);
    expect(exported.lead).toMatchObject({ leadId: refs[0]!.leadId, email: 'lead0@acme.com' });
    expect(exported.records.submissions).toHaveLength(1);
    expect(JSON.stringify(exported)).not.toMatch(/"PK"|"SK"|GSI1|emailKey/);
  });

  it('erases the lead and what points at it, keeps an anonymised consent audit entry, and answers 404 after', async () => {
    // Prepare
    const { t, refs } = await leads(2);
    const [gone, kept] = refs as [(typeof refs)[number], (typeof refs)[number]];
    await indexQualification(t.deps, gone, 'sql', t.clock.now().toISOString());
    await t.deps.due.setCursor('2026-11-01');
    t.due.add({ siteId: 'demo', emailKey: gone.emailKey, at: '2026-12-01T00:00:00.000Z', kind: 'step', sequenceId: 'ebook-nurture' });
    // Act
    await eraseLead(t.deps, KEY, gone.leadId);
    // Assess
    expect(await t.deps.leads.findById(gone.leadId)).toBeUndefined();
    expect(await t.deps.leads.findById(kept.leadId)).toBeDefined();
    expect([...t.due.checks.values()].filter((c) => c.emailKey === gone.emailKey)).toEqual([]);
    expect((await page(t)).prospects).toEqual([]);
    const audit = (t.deps.prospects as unknown as { erased: unknown[] }).erased;
    expect(audit).toEqual([
      {
        leadId: gone.leadId,
        erasedAt: t.clock.now().toISOString(),
        consent: [{ formId: 'ebook', version: '2026-11-01', granted: true, at: expect.any(String) }],
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain('@');
    await expect(eraseLead(t.deps, KEY, gone.leadId)).rejects.toBeInstanceOf(LeadNotFoundError);
  });
});
