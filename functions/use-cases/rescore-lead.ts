import type { ScoreView, StageChangedEntry } from '../core/contracts.js';
import { nextStage, scoreLead } from '../core/scoring/index.js';
import type { Deps } from './deps.js';

export interface RescoreResult {
  score: ScoreView;
  change?: StageChangedEntry;
}

/**
 * Re-score one lead from everything it did.
 * 1. load its profile, stage and events (one consistent read of its partition)
 * 2. score them with the site's rules (pure: same inputs, same score)
 * 3. decide the stage (forward only unless the rules allow regression)
 * 4. save the score; a stage change is recorded on the timeline and emitted as a domain event in the
 *    same write, at most once per stage
 * Returns undefined when the site has no scoring rules or the lead does not exist.
 */
export async function rescoreLead(deps: Pick<Deps, 'config' | 'leads' | 'clock'>, ref: { siteId: string; emailKey: string }): Promise<RescoreResult | undefined> {
  const rules = deps.config.findSite(ref.siteId)?.scoring;
  if (!rules) return undefined;
  const input = await deps.leads.loadForScoring(ref.siteId, ref.emailKey);
  if (!input) return undefined;
  const now = deps.clock.now();
  const score = scoreLead({ profile: input.profile, email: input.email, events: input.events, rules, now });
  const stage = nextStage(input.stage, score, rules);
  const change: StageChangedEntry | undefined =
    stage === input.stage ? undefined : { type: 'stage_changed', at: now.toISOString(), from: input.stage, to: stage, total: score.total, fit: score.fit, rulesVersion: score.rulesVersion };
  await deps.leads.saveScore(ref.siteId, ref.emailKey, score, change);
  return { score, ...(change && { change }) };
}
