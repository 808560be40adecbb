/**
 * Lead scoring: rules (validated data) and the pure scoring function. Config validation should import
 * `./rules.js` directly: only `score.ts` (through `domains.ts`) loads the big email-domain lists.
 */
export { domainOf, emailDomainType } from './domains.js';
export {
  EmailDomainType,
  EngagementRule,
  EngagementWhen,
  FitRule,
  FitWhen,
  InvalidScoringRulesError,
  PathPattern,
  Regression,
  SENIORITY_KEYWORDS,
  ScoringRules,
  Seniority,
  SeniorityLevel,
  defineScoringRules,
  parseScoringRules,
  seniorityOf,
} from './rules.js';
export type { FitWhenInput, ScoringRulesInput } from './rules.js';
export {
  DECAY_HORIZON_DAYS,
  EventType,
  Stage,
  globToRegExp,
  nextDecayCheck,
  nextStage,
  pagePath,
  qualifiedStage,
  scoreLead,
} from './score.js';
export type { BreakdownItem, LeadScore, ScoreLeadInput, ScoringEvent } from './score.js';
