import { resolveConfig, localEnv } from '../../../functions/core/config.js';
import rawConfig from '../../support/config.js';
import { parseScoringRules, type ScoringEvent, type ScoringRules, type ScoringRulesInput } from '../../../functions/core/scoring/index.js';

export const NOW = new Date('2026-11-20T12:00:00.000Z');
export const DAY_MS = 86_400_000;

/** Rules with the given fit and engagement rules and thresholds that stay out of the way unless given. */
export const rulesWith = (over: Partial<ScoringRulesInput>): ScoringRules =>
  parseScoringRules({ version: 'test-1', thresholds: { mql: { score: 1000 }, sql: { score: 2000 } }, ...over });

let seq = 0;
/** An event `daysAgo` days before NOW (negative: in the future). */
export const anEvent = (type: ScoringEvent['type'], daysAgo = 0, extra: Partial<ScoringEvent> = {}): ScoringEvent => ({
  id: `e${String(++seq).padStart(6, '0')}`,
  type,
  at: new Date(NOW.getTime() - daysAgo * DAY_MS).toISOString(),
  ...extra,
});

/** The demo site's rules (local/demo/site.ts), from the tests' own config (test/support/config.ts). */
export const DEMO_RULES: ScoringRulesInput = resolveConfig(rawConfig, localEnv()).sites[0]!.scoring!;
