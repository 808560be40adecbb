/**
 * Nurture, the pure core: email settings and sequences in the config (`config.ts`), templates
 * (`templates.ts`), send windows and time zones (`schedule.ts`) and the sequence state machine
 * (`sequence.ts`). No AWS, no I/O, no `process.env`.
 */
export {
  DEFAULT_CONFIRMATION,
  Delay,
  EmailTemplate,
  FormEmail,
  InvalidNurtureConfigError,
  SendWindow,
  Sequence,
  SequenceExit,
  SequenceStep,
  SiteEmail,
  TimeZone,
  Weekday,
  formEmailIssues,
  formEmailTemplates,
  parseFormEmail,
  parseMailbox,
  parseSequence,
  parseSiteEmail,
  senderOf,
  windowOf,
} from './config.js';
export type { FormEmailInput, FormFacts, Mailbox, SequenceInput, SiteEmailInput } from './config.js';
export {
  WEEKDAYS,
  addDelay,
  canonicalTimeZone,
  effectiveTimeZone,
  instantAt,
  isInWindow,
  isValidTimeZone,
  localDay,
  localTime,
  nextSendTime,
  startOfNextDay,
} from './schedule.js';
export type { LocalTime, WallTime, Window } from './schedule.js';
export {
  MERGE_FIELDS,
  MERGE_FILTERS,
  SAMPLE_MERGE_VALUES,
  TemplateError,
  escapeHtml,
  parseTemplate,
  renderEmail,
  templateFields,
  templateProblems,
} from './templates.js';
export type { EmailFooter, EmailTemplateParts, MergeField, MergeFilter, MergeValues, RenderedEmail, TemplateNode } from './templates.js';
export { EnrolmentState, EnrolmentStatus, ExitReason, afterSend, applyDecision, decide, enrol, exitOf } from './sequence.js';
export type { Decision, NurtureLead } from './sequence.js';
