import { isTestAddress } from '../core/email.js';
import type { LifecycleStage, ScoreView, StageChangedEntry } from '../core/contracts.js';
import type { LeadRef, ScoringInput, ScoreUpdate } from '../core/ports.js';
import { nextDecayCheck, nextStage, scoreLead, type ScoringRules } from '../core/scoring/index.js';
import type { Deps } from './deps.js';
import { attributionOf } from '../core/stats.js';
import { dueDay } from '../core/due.js';

export interface Rescore extends ScoreUpdate {
  score: ScoreView;
  /** The stage before and after this score (equal when nothing moved). */
  from: LifecycleStage;
  to: LifecycleStage;
}

/**
 * What re-scoring one lead decides, as a pure function of (lead, rules, now): its score, its stage (forward
 * only unless the rules allow regression), the stage change to record, and when decay could next move it.
 * @example decideRescore(input, rules, new Date()).to // 'mql'
 */
export function decideRescore(input: ScoringInput, rules: ScoringRules, now: Date): Rescore {
  const score = scoreLead({ profile: input.profile, email: input.email, events: input.events, rules, now });
  // A lead marked as not a fit keeps its score current but moves to no other stage until requalified.
  const to = input.notAFit ? input.stage : nextStage(input.stage, score, rules);
  const change: StageChangedEntry | undefined =
    to === input.stage
      ? undefined
      : { type: 'stage_changed', at: now.toISOString(), from: input.stage, to, total: score.total, fit: score.fit, rulesVersion: score.rulesVersion };
  const decayCheckAt = decayCanMoveStage(rules) ? nextDecayCheck(input.events, rules, now, score.fit) : undefined;
  return {
    score,
    from: input.stage,
    to,
    ...(change && { change }),
    ...(decayCheckAt && { decayCheckAt }),
    ...(input.decayCheckAt && { previousDecayCheckAt: input.decayCheckAt }),
  };
}

/**
 * Whether time alone can change a stage under these rules. Decay only shrinks points: positive points
 * shrinking lower the score, which moves a stage only if the rules allow regression; negative points
 * shrinking raise it, which can move a lead forward. Otherwise no decay check is ever scheduled.
 */
export const decayCanMoveStage = (rules: ScoringRules): boolean =>
  rules.regression !== 'never' || rules.engagement.some((r) => r.halfLifeDays !== undefined && r.points < 0);

/**
 * Re-score one lead from everything it did.
 * 1. load its profile, stage and events (one consistent read of its partition)
 * 2. decide score, stage and next decay check ({@link decideRescore}: pure)
 * 3. unless it is a dry run, save: a due check first when the schedule moved, then the score; a stage
 *    change is recorded on the timeline and emitted as a domain event in the same write, at most once
 * Returns undefined when the site has no scoring rules or the lead does not exist.
 */
export async function rescoreLead(
  deps: Pick<Deps, 'config' | 'leads' | 'clock' | 'stats'>,
  ref: LeadRef,
  options: { dryRun?: boolean; rules?: ScoringRules } = {},
): Promise<Rescore | undefined> {
  const rules = options.rules ?? deps.config.findSite(ref.siteId)?.scoring;
  if (!rules) return undefined;
  const input = await deps.leads.loadForScoring(ref);
  // Test data (a smoke test's lead) is never scored, so never qualified or handed to sales.
  if (!input || isTestAddress(input.email)) return undefined;
  const result = decideRescore(input, rules, deps.clock.now());
  if (options.dryRun) return result;
  const recorded = await deps.leads.saveScore(ref, result);
  // Counted by the call that recorded the change, so once; a crash between the two, or a count refused
  // (throttled), loses the count, never doubles it (a retry of this re-score records no change).
  if (recorded && result.change && result.to !== 'lead' && input.firstSource)
    await deps.stats.count(ref.siteId, attributionOf(input.firstSource), dueDay(result.change.at), { [result.to]: 1 }).catch(() => undefined);
  return result;
}
