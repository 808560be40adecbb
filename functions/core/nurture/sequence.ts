import * as z from '../zod.js';
import type { LifecycleStage } from '../contracts.js';
import { windowOf, type Sequence, type SiteEmail } from './config.js';
import { addDelay, effectiveTimeZone, nextSendTime, startOfNextDay } from './schedule.js';

/**
 * The nurture sequence state machine, pure: (enrolment state, sequence, lead, site settings, now, emails
 * sent today) → what to do. No clock, no I/O: the use case reads the inputs, asks {@link decide}, acts,
 * and stores {@link applyDecision} (or {@link afterSend} once an email left).
 *
 * ```
 *            enrol ──► active(step 0, nextAt) ──decide──► wait(until) / defer(until, daily-cap) ──┐
 *                         ▲          │                                                           │
 *                         │          ├─ send(step i) ──afterSend──► active(step i+1, nextAt) ────┘
 *                         │          │                      └─────► completed (after the last step)
 *                         └──────────┴─ exit(reason) ──► exited      (terminal states stay terminal)
 * ```
 */

export const EnrolmentStatus = { Active: 'active', Completed: 'completed', Exited: 'exited' } as const;
export type EnrolmentStatus = (typeof EnrolmentStatus)[keyof typeof EnrolmentStatus];

/**
 * Why a lead left a sequence, highest precedence first. The first four come from {@link decide}; a use
 * case records `send-failed` when SES refuses an address for good (invalid, suppressed).
 */
export const ExitReason = {
  Unsubscribed: 'unsubscribed',
  Complained: 'complained',
  Bounced: 'bounced',
  StageReached: 'stage-reached',
  FormSubmitted: 'form-submitted',
  SendFailed: 'send-failed',
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

/** A lead's place in one sequence, as stored. */
export const EnrolmentState = z
  .strictObject({
    sequenceId: z.string().check(z.minLength(1)),
    /** The next step to send (= the number of steps sent). */
    stepIndex: z.int().check(z.gte(0)),
    /** When the next step is due (already inside its send window), while active. */
    nextAt: z.optional(z.iso.datetime()),
    status: z.enum([EnrolmentStatus.Active, EnrolmentStatus.Completed, EnrolmentStatus.Exited]),
    exitReason: z.optional(z.enum(Object.values(ExitReason) as [ExitReason, ...ExitReason[]])),
    /** The stage reached, the form submitted or the send error, for the timeline. */
    exitDetail: z.optional(z.string()),
  })
  .check(
    z.refine((s) => (s.status === EnrolmentStatus.Exited) === (s.exitReason !== undefined), {
      path: ['exitReason'],
      message: 'is set exactly when the status is "exited"',
    }),
  );
export type EnrolmentState = z.infer<typeof EnrolmentState>;

/** What the state machine needs to know about the lead, read fresh before each decision. */
export interface NurtureLead {
  readonly stage: LifecycleStage;
  readonly unsubscribed: boolean;
  /** Set when the address is on the suppression list: a hard (or repeated soft) bounce, or a complaint. */
  readonly suppressed?: 'bounced' | 'complained' | undefined;
  /** Ids of every form the lead has submitted. */
  readonly formsSubmitted: readonly string[];
  /** The lead's IANA zone when known (an invalid one is ignored: the site's applies). */
  readonly timeZone?: string | undefined;
}

export type Decision =
  /** Nothing to do before `until` (ISO): ask again then. */
  | { readonly type: 'wait'; readonly until: string }
  /** Send this step now, then store {@link afterSend}. */
  | { readonly type: 'send'; readonly stepIndex: number; readonly stepId: string }
  /** Leave the sequence; nothing more is sent. */
  | { readonly type: 'exit'; readonly reason: ExitReason; readonly detail?: string }
  /** Every step was sent. */
  | { readonly type: 'completed' }
  /** Due, but the lead already got `maxPerDay` emails today: ask again at the next day's window opening. */
  | { readonly type: 'defer'; readonly until: string; readonly reason: 'daily-cap' };

const STAGE_RANK: Record<LifecycleStage, number> = { lead: 0, mql: 1, sql: 2 };

/**
 * Whether the lead must leave the sequence, by precedence: unsubscribed > complained > bounced > a stage
 * reached (at or past one of `exit.stages`) > a form submitted (one of `exit.formsSubmitted`).
 * @example exitOf(sequence, { stage: 'sql', unsubscribed: true, formsSubmitted: [] }) // { reason: 'unsubscribed' }
 */
export function exitOf(sequence: Pick<Sequence, 'exit'>, lead: NurtureLead): { reason: ExitReason; detail?: string } | undefined {
  if (lead.unsubscribed) return { reason: ExitReason.Unsubscribed };
  if (lead.suppressed === 'complained') return { reason: ExitReason.Complained };
  if (lead.suppressed === 'bounced') return { reason: ExitReason.Bounced };
  if (sequence.exit.stages?.some((s) => STAGE_RANK[lead.stage] >= STAGE_RANK[s])) return { reason: ExitReason.StageReached, detail: lead.stage };
  const form = sequence.exit.formsSubmitted?.find((id) => lead.formsSubmitted.includes(id));
  if (form !== undefined) return { reason: ExitReason.FormSubmitted, detail: form };
  return undefined;
}

/** When step `index` is due after `from`: its delay, then its window, in the zone. */
const dueAt = (sequence: Sequence, index: number, from: Date, timeZone: string): Date | undefined => {
  const step = sequence.steps[index];
  return step && nextSendTime(addDelay(from, step.delay, timeZone), windowOf(sequence, step), timeZone);
};

const checkSequence = (state: EnrolmentState, sequence: Sequence): void => {
  if (state.sequenceId !== sequence.id) throw new Error(`Enrolment in "${state.sequenceId}" decided with sequence "${sequence.id}"`);
};

/**
 * Enrol a lead: step 0 is due after its delay from `now`, at the next opening of its window in `timeZone`
 * (the lead's zone when known, else the site's: see `effectiveTimeZone`).
 * @example enrol(sequence, new Date('2026-11-20T16:00:00Z'), 'Europe/Berlin') // { sequenceId, stepIndex: 0, nextAt: '…', status: 'active' }
 */
export function enrol(sequence: Sequence, now: Date, timeZone: string): EnrolmentState {
  const nextAt = dueAt(sequence, 0, now, timeZone);
  if (!nextAt) return { sequenceId: sequence.id, stepIndex: 0, status: EnrolmentStatus.Completed };
  return { sequenceId: sequence.id, stepIndex: 0, nextAt: nextAt.toISOString(), status: EnrolmentStatus.Active };
}

/**
 * What to do now for one enrolment. Pure and idempotent: the same inputs always give the same decision,
 * and a terminal state always gives its terminal decision again.
 *
 * 1. A completed or exited enrolment stays so.
 * 2. Exit conditions are checked first, whether or not a step is due (see {@link exitOf} for precedence).
 * 3. Past the last step (the sequence lost steps since): completed.
 * 4. The step is due at the first instant ≥ both `nextAt` and `now` inside its window, in the lead's zone
 *    when known, else the site's (so a lead whose zone became known, or a late run that missed the
 *    window's close, waits for the next opening): before that, `wait`.
 * 5. Due, but `sentToday` (emails to this lead today, all sequences, counted by `localDay` in the same
 *    zone) has reached `maxPerDay`: `defer` to the next day's window opening.
 * 6. Otherwise `send`.
 * @throws Error when the state belongs to another sequence
 */
export function decide(
  state: EnrolmentState,
  sequence: Sequence,
  lead: NurtureLead,
  siteEmail: Pick<SiteEmail, 'timeZone' | 'maxPerDay'>,
  now: Date,
  sentToday: number,
): Decision {
  checkSequence(state, sequence);
  if (state.status === EnrolmentStatus.Completed) return { type: 'completed' };
  if (state.status === EnrolmentStatus.Exited) {
    // (`EnrolmentState` requires the reason; a hand-made state without one keeps the lead out anyway.)
    const reason = state.exitReason ?? exitOf(sequence, lead)?.reason ?? ExitReason.SendFailed;
    return state.exitDetail === undefined ? { type: 'exit', reason } : { type: 'exit', reason, detail: state.exitDetail };
  }
  const exit = exitOf(sequence, lead);
  if (exit) return { type: 'exit', ...exit };
  const step = sequence.steps[state.stepIndex];
  if (!step) return { type: 'completed' };

  const timeZone = effectiveTimeZone(lead.timeZone, siteEmail.timeZone);
  const window = windowOf(sequence, step);
  const nextAt = state.nextAt === undefined ? now.getTime() : Date.parse(state.nextAt);
  const due = nextSendTime(new Date(Math.max(nextAt, now.getTime())), window, timeZone);
  if (due.getTime() > now.getTime()) return { type: 'wait', until: due.toISOString() };

  if (sentToday >= siteEmail.maxPerDay) {
    return { type: 'defer', until: nextSendTime(startOfNextDay(now, timeZone), window, timeZone).toISOString(), reason: 'daily-cap' };
  }
  return { type: 'send', stepIndex: state.stepIndex, stepId: step.id };
}

/**
 * The state to store after a decision other than `send` (a `send` changes nothing until the email left:
 * then store {@link afterSend}). `wait` and `defer` move `nextAt` to when to ask again; `exit` and
 * `completed` end the enrolment. A terminal state is returned unchanged.
 * @example applyDecision(state, { type: 'exit', reason: 'send-failed', detail: 'MessageRejected' }).status // 'exited'
 */
export function applyDecision(state: EnrolmentState, decision: Decision): EnrolmentState {
  if (state.status !== EnrolmentStatus.Active) return state;
  const { nextAt: _, ...rest } = state;
  switch (decision.type) {
    case 'send':
      return state;
    case 'wait':
    case 'defer':
      return { ...state, nextAt: decision.until };
    case 'completed':
      return { ...rest, status: EnrolmentStatus.Completed };
    case 'exit':
      return { ...rest, status: EnrolmentStatus.Exited, exitReason: decision.reason, ...(decision.detail !== undefined && { exitDetail: decision.detail }) };
  }
}

/**
 * The state after step `state.stepIndex` was sent at `sentAt`: the next step is due after its delay from
 * `sentAt`, at its window's next opening in `timeZone`; after the last step the enrolment is completed.
 * Apply it once per sent step (store it conditionally on the `stepIndex` it advances from: a retry then
 * cannot skip a step).
 * @example afterSend(state, sequence, new Date('2026-11-23T08:00:00Z'), 'Europe/Berlin') // { stepIndex: 1, nextAt: '…', status: 'active', … }
 * @throws Error when the enrolment is not active or belongs to another sequence
 */
export function afterSend(state: EnrolmentState, sequence: Sequence, sentAt: Date, timeZone: string): EnrolmentState {
  checkSequence(state, sequence);
  if (state.status !== EnrolmentStatus.Active) throw new Error(`Cannot advance a ${state.status} enrolment in "${state.sequenceId}"`);
  const stepIndex = state.stepIndex + 1;
  const nextAt = dueAt(sequence, stepIndex, sentAt, timeZone);
  if (!nextAt) return { sequenceId: state.sequenceId, stepIndex: Math.min(stepIndex, sequence.steps.length), status: EnrolmentStatus.Completed };
  return { sequenceId: state.sequenceId, stepIndex, nextAt: nextAt.toISOString(), status: EnrolmentStatus.Active };
}
