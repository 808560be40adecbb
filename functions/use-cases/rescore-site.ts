import type { LifecycleStage } from '../core/contracts.js';
import type { LeadRef } from '../core/ports.js';
import type { Deps } from './deps.js';
import { rescoreLead } from './rescore-lead.js';
import { refreshLeadIndex } from './lead-index.js';

/** A lead as a site-wide listing finds it: its partition, and what its stored score says. */
export interface ListedLead extends LeadRef {
  stage: LifecycleStage;
  /** Rules version of the stored score; absent when never scored. */
  rulesVersion?: string;
  total?: number;
}

/**
 * Port: every lead of a site, page by page (in production a parallel Scan, `DynamoLeadScan`). Each page
 * says the read units it cost, so a run can report them.
 */
export interface LeadLister {
  leadsOf(siteId: string): AsyncIterable<{ leads: ListedLead[]; readUnits: number }>;
}

/** `lead→mql`, `mql→sql`, … */
export type Transition = `${LifecycleStage}→${LifecycleStage}`;

export interface RescoreSiteOptions {
  siteId: string;
  /** Decide every lead's score and stage, write nothing: a backtest of the rules before going live. */
  dryRun?: boolean;
  /** Leads re-scored at once (default 16). */
  concurrency?: number;
  /** Called after each lead, with the counts so far. */
  onProgress?: (progress: RescoreProgress) => void;
}

export interface RescoreProgress {
  /** Leads the listing has produced so far. */
  listed: number;
  /** Leads finished (re-scored, missing or failed). */
  done: number;
  failed: number;
}

export interface RescoreFailure {
  ref: LeadRef;
  error: string;
}

export interface RescoreSummary {
  siteId: string;
  /** The version of the rules every score of this run was computed with. */
  rulesVersion: string;
  dryRun: boolean;
  /** Leads the listing found. */
  leads: number;
  /** Leads scored (and, unless a dry run, saved). */
  rescored: number;
  /** Stage changes made, or with `dryRun` that would be made, by transition. */
  stageChanges: Partial<Record<Transition, number>>;
  /** Leads re-scored whose stage stays. */
  unchanged: number;
  /** Leads whose total differs from the stored one (or that had no score). */
  scoreChanged: number;
  /** How many of the stored scores each rules version had produced before this run (`none`: unscored). */
  previousVersions: Record<string, number>;
  /** Listed, then gone before they could be re-scored (deleted meanwhile). */
  missing: number;
  failed: number;
  /** The first {@link MAX_REPORTED_FAILURES} failures, with the lead they concern. */
  failures: RescoreFailure[];
  /** Read units the listing consumed (the rest of a run's cost is measured on the client). */
  listReadUnits: number;
}

export const MAX_REPORTED_FAILURES = 100;

/** A site that cannot be re-scored: unknown, or without scoring rules. */
export class NothingToRescoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToRescoreError';
  }
}

/**
 * Re-score every lead of a site with the site's current rules: replay each lead's stored events through
 * them (after a rules change, a new `version`).
 * 1. take the site's rules from the config (one version for the whole run)
 * 2. list the site's leads (a paginated, parallel listing; pages are worked on as they arrive)
 * 3. re-score each lead with {@link rescoreLead}, at most `concurrency` at once: a consistent read of its
 *    partition, the pure decision, then (unless `dryRun`) the save, which records the rules version on the
 *    score and a stage change at most once, so a second run changes no stage twice
 * 4. bring the lead's entries in the console's lists in line (leads stored before the console existed get
 *    theirs here: the upgrade's backfill), unless `dryRun`
 * 5. count what moved (`lead→mql`: n) from each result's `from`/`to`; a lead that fails is counted and
 *    reported with its ref, and the run goes on (re-running retries it: re-scoring is idempotent)
 * @example const summary = await rescoreSite({ ...deps, lister }, { siteId: 'demo', dryRun: true });
 *          summary.stageChanges['lead→mql'] // 42 leads would become MQLs
 * @throws NothingToRescoreError when the site is unknown or has no scoring rules
 */
export async function rescoreSite(
  deps: Pick<Deps, 'config' | 'leads' | 'clock' | 'stats' | 'leadIndex' | 'prospects'> & { lister: LeadLister },
  options: RescoreSiteOptions,
): Promise<RescoreSummary> {
  const site = deps.config.findSite(options.siteId);
  if (!site) throw new NothingToRescoreError(`No site "${options.siteId}"`);
  const rules = site.scoring;
  if (!rules) throw new NothingToRescoreError(`Site "${options.siteId}" has no scoring rules`);
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1');
  const dryRun = options.dryRun ?? false;

  const summary: RescoreSummary = {
    siteId: site.id,
    rulesVersion: rules.version,
    dryRun,
    leads: 0,
    rescored: 0,
    stageChanges: {},
    unchanged: 0,
    scoreChanged: 0,
    previousVersions: {},
    missing: 0,
    failed: 0,
    failures: [],
    listReadUnits: 0,
  };
  let done = 0;

  const pages = deps.lister.leadsOf(site.id);
  async function* listed(): AsyncGenerator<ListedLead> {
    for await (const page of pages) {
      summary.listReadUnits += page.readUnits;
      summary.leads += page.leads.length;
      yield* page.leads;
    }
  }
  // One shared iterator: an async generator queues concurrent next() calls, so each lead goes to one worker.
  const queue = listed();

  const rescoreOne = async (lead: ListedLead) => {
    const ref: LeadRef = { siteId: lead.siteId, emailKey: lead.emailKey };
    try {
      const result = await rescoreLead(deps, ref, { rules, ...(dryRun && { dryRun }) });
      if (!result) {
        summary.missing++;
        return;
      }
      summary.rescored++;
      if (!dryRun) await refreshLeadIndex(deps, ref);
      const version = lead.rulesVersion ?? 'none';
      summary.previousVersions[version] = (summary.previousVersions[version] ?? 0) + 1;
      if (lead.total !== result.score.total || lead.rulesVersion === undefined) summary.scoreChanged++;
      if (result.to === result.from) summary.unchanged++;
      else {
        const transition: Transition = `${result.from}→${result.to}`;
        summary.stageChanges[transition] = (summary.stageChanges[transition] ?? 0) + 1;
      }
    } catch (error) {
      summary.failed++;
      if (summary.failures.length < MAX_REPORTED_FAILURES) summary.failures.push({ ref, error: (error as Error).message ?? String(error) });
    } finally {
      done++;
      options.onProgress?.({ listed: summary.leads, done, failed: summary.failed });
    }
  };

  const worker = async () => {
    for (;;) {
      const next = await queue.next();
      if (next.done) return;
      await rescoreOne(next.value);
    }
  };
  // If the listing fails, the leads in flight finish before the error is thrown: nothing is left half done.
  const workers = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  const broken = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (broken) throw broken.reason;
  return summary;
}
