import { describe, expect, it } from 'vitest';
import type { InMemoryLeadRepository } from '../../functions/adapters/memory.js';
import { ConfigIndex, parseConfig, type FunnelConfigInput, localEnv } from '../../functions/core/config.js';
import type { LifecycleStage, ScoreView } from '../../functions/core/contracts.js';
import type { LeadRef } from '../../functions/core/ports.js';
import { NothingToRescoreError, rescoreSite, type LeadLister, type ListedLead } from '../../functions/use-cases/rescore-site.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';

/** The in-memory listing: every lead of the fake repository, in pages of `pageSize`. */
class InMemoryLeadLister implements LeadLister {
  constructor(
    private readonly repo: InMemoryLeadRepository,
    private readonly pageSize = 2,
    /** Lister fails after yielding this many pages (to test a broken listing). */
    private readonly failAfterPages = Infinity,
  ) {}
  async *leadsOf(siteId: string): AsyncIterable<{ leads: ListedLead[]; readUnits: number }> {
    const all: ListedLead[] = [];
    for (const [partition, lead] of this.repo.leads) {
      const [site, emailKey] = partition.split('#') as [string, string];
      if (site !== siteId) continue;
      const score = lead.score as ScoreView | undefined;
      all.push({
        siteId: site,
        emailKey,
        stage: (lead.stage as LifecycleStage | undefined) ?? 'lead',
        ...(score && { rulesVersion: score.rulesVersion, total: score.total }),
      });
    }
    for (let i = 0, pages = 0; i < all.length; i += this.pageSize, pages++) {
      if (pages >= this.failAfterPages) throw new Error('listing broke');
      await Promise.resolve();
      yield { leads: all.slice(i, i + this.pageSize), readUnits: 0.5 };
    }
  }
}

/** The demo rules with a new version and a lower MQL bar: what an operator changes before a re-score. */
const loweredBar = (c: FunnelConfigInput) => {
  const scoring = c.sites[0]!.scoring!;
  scoring.version = '2026-12-01';
  scoring.thresholds = { mql: { score: 20, fit: 10 }, sql: { score: 80, fit: 25 } };
};

/**
 * Three demo leads, scored with the shipped rules: a VP at acme.com (fit 35, total 45: MQL), an engineer at
 * acme.com (fit 10, total 20: lead) and a student on gmail.com (total 10: lead).
 */
async function seeded() {
  const fake = fakeDeps({ rawConfig: testConfig() });
  const emails = { vp: 'vp@acme.com', engineer: 'engineer@acme.com', student: 'student@gmail.com' };
  await submitForm(fake.deps, input(aSubmission().withEmail(emails.vp).withField('jobTitle', 'VP Marketing').build()));
  await submitForm(fake.deps, input(aSubmission().withEmail(emails.engineer).withField('jobTitle', 'Software Engineer').build()));
  await submitForm(fake.deps, input(aSubmission().withEmail(emails.student).withField('jobTitle', 'Student').build()));
  const lister = new InMemoryLeadLister(fake.leads);
  await rescoreSite({ ...fake.deps, lister }, { siteId: 'demo' });
  return { ...fake, lister, emails };
}

const input = (body: unknown) => ({ formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7', userAgent: 'vitest' });
const withConfig = (deps: ReturnType<typeof fakeDeps>['deps'], raw: FunnelConfigInput) => ({ ...deps, config: new ConfigIndex(parseConfig(raw, localEnv())) });
/** `n` leads on the demo site (the rate limiter is out of the way). */
async function manyLeads(n: number) {
  const fake = fakeDeps();
  fake.deps.rateLimiter = { hit: async () => ({ allowed: true, undo: async () => undefined }) };
  for (let i = 0; i < n; i++) await submitForm(fake.deps, input(aSubmission().withEmail(`reader${i}@acme.com`).build()));
  return fake;
}
const stageOf = (leads: InMemoryLeadRepository, email: string) => [...leads.leads.values()].find((l) => l.email === email)?.stage ?? 'lead';

describe('Use case: rescoreSite', () => {
  it('with dryRun counts the stage changes new rules would make and writes nothing', async () => {
    // Prepare
    const { deps, leads, due, lister, emails } = await seeded();
    const before = structuredClone({ leads: [...leads.leads], stages: [...leads.stageChanges], due: [...due.checks] });
    // Act
    const summary = await rescoreSite({ ...withConfig(deps, testConfig(loweredBar)), lister }, { siteId: 'demo', dryRun: true });
    // Assess
    expect(summary).toMatchObject({
      siteId: 'demo',
      rulesVersion: '2026-12-01',
      dryRun: true,
      leads: 3,
      rescored: 3,
      stageChanges: { 'lead→mql': 1 },
      unchanged: 2,
      failed: 0,
      missing: 0,
    });
    expect(summary.previousVersions).toEqual({ '2026-11-01': 3 });
    expect(summary.listReadUnits).toBe(1); // two pages of 0.5
    expect({ leads: [...leads.leads], stages: [...leads.stageChanges], due: [...due.checks] }).toEqual(before);
    expect(stageOf(leads, emails.engineer)).toBe('lead');
  });

  it('applies the new rules: scores record the new version, each stage change is recorded once however often it runs', async () => {
    const { deps, leads, lister, emails } = await seeded();
    expect(stageOf(leads, emails.vp)).toBe('mql');
    const changed = withConfig(deps, testConfig(loweredBar));

    const first = await rescoreSite({ ...changed, lister }, { siteId: 'demo' });
    const second = await rescoreSite({ ...changed, lister }, { siteId: 'demo' });

    expect(first.stageChanges).toEqual({ 'lead→mql': 1 });
    expect(first.dryRun).toBe(false);
    expect(second.stageChanges).toEqual({});
    expect(second).toMatchObject({ unchanged: 3, scoreChanged: 0, previousVersions: { '2026-12-01': 3 } });
    expect(stageOf(leads, emails.engineer)).toBe('mql');
    for (const lead of leads.leads.values()) expect((lead.score as ScoreView).rulesVersion).toBe('2026-12-01');
    const recorded = [...leads.stageChanges.values()].flat();
    expect(recorded.map((c) => `${c.from}→${c.to}@${c.rulesVersion}`).sort()).toEqual(['lead→mql@2026-11-01', 'lead→mql@2026-12-01']);
  });

  it('counts and reports a lead that fails, with its ref, and re-scores the others', async () => {
    const { deps, leads, lister, emails } = await seeded();
    const broken = [...leads.leads.entries()].find(([, l]) => l.email === emails.engineer)![0].split('#')[1]!;
    const load = leads.loadForScoring.bind(leads);
    leads.loadForScoring = async (ref: LeadRef) => {
      if (ref.emailKey === broken) throw new Error('ProvisionedThroughputExceededException');
      return load(ref);
    };

    const summary = await rescoreSite({ ...withConfig(deps, testConfig(loweredBar)), lister }, { siteId: 'demo', concurrency: 1 });

    expect(summary).toMatchObject({ leads: 3, rescored: 2, failed: 1, unchanged: 2, stageChanges: {} });
    expect(summary.failures).toEqual([{ ref: { siteId: 'demo', emailKey: broken }, error: 'ProvisionedThroughputExceededException' }]);
    expect([...leads.leads.values()].filter((l) => (l.score as ScoreView).rulesVersion === '2026-12-01')).toHaveLength(2);
  });

  it('never has more than `concurrency` leads in flight, and uses all of them', async () => {
    const fake = await manyLeads(20);
    let inFlight = 0;
    let most = 0;
    const load = fake.leads.loadForScoring.bind(fake.leads);
    fake.leads.loadForScoring = async (ref: LeadRef) => {
      most = Math.max(most, ++inFlight);
      for (let tick = 0; tick < 5; tick++) await new Promise((ok) => setImmediate(ok));
      inFlight--;
      return load(ref);
    };
    const progress: number[] = [];

    const summary = await rescoreSite(
      { ...fake.deps, lister: new InMemoryLeadLister(fake.leads, 3) },
      { siteId: 'demo', concurrency: 4, onProgress: (p) => progress.push(p.done) },
    );

    expect(summary.rescored).toBe(20);
    expect(most).toBe(4);
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('counts a lead that is gone by the time it is re-scored as missing', async () => {
    const { deps, leads, lister } = await seeded();
    const load = leads.loadForScoring.bind(leads);
    let calls = 0;
    leads.loadForScoring = async (ref: LeadRef) => (++calls === 1 ? undefined : load(ref));
    const summary = await rescoreSite({ ...deps, lister }, { siteId: 'demo', concurrency: 1 });
    expect(summary).toMatchObject({ leads: 3, rescored: 2, missing: 1, failed: 0 });
  });

  it('finishes the leads in flight, then fails, when the listing itself breaks', async () => {
    const fake = await manyLeads(6);
    const saved: string[] = [];
    const save = fake.leads.saveScore.bind(fake.leads);
    fake.leads.saveScore = async (ref, update) => {
      await new Promise((ok) => setImmediate(ok));
      saved.push(ref.emailKey);
      return save(ref, update);
    };
    const run = rescoreSite({ ...fake.deps, lister: new InMemoryLeadLister(fake.leads, 2, 2) }, { siteId: 'demo', concurrency: 3 });
    await expect(run).rejects.toThrow('listing broke');
    expect(saved).toHaveLength(4);
  });

  it('refuses an unknown site and a site without scoring rules', async () => {
    const { deps, leads } = fakeDeps({ rawConfig: testConfig((c) => delete c.sites[0]!.scoring) });
    const lister = new InMemoryLeadLister(leads);
    await expect(rescoreSite({ ...deps, lister }, { siteId: 'nope' })).rejects.toThrow(new NothingToRescoreError('No site "nope"'));
    await expect(rescoreSite({ ...deps, lister }, { siteId: 'demo' })).rejects.toThrow('Site "demo" has no scoring rules');
    await expect(rescoreSite({ ...fakeDeps().deps, lister }, { siteId: 'demo', concurrency: 0 })).rejects.toThrow(RangeError);
  });
});
