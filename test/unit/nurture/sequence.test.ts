import { describe, expect, it } from 'vitest';
import {
  EnrolmentState,
  afterSend,
  applyDecision,
  decide,
  effectiveTimeZone,
  enrol,
  exitOf,
  localDay,
  type Decision,
  type NurtureLead,
  type Sequence,
  type SiteEmail,
} from '../../../functions/core/nurture/index.js';
import { aLead, aStep, at, siteEmail, threeSteps } from './support.js';

interface Run {
  /** Every step sent, with the instant it left. */
  sent: { stepId: string; at: string }[];
  /** Every decision, with the instant it was taken. */
  decisions: { at: string; decision: Decision }[];
  state: EnrolmentState;
}

/**
 * A scheduler on a fake clock: enrol at `start`, then wake at each `until` (or `tickMinutes` later, like a
 * drainer that runs every few minutes), decide, act, store. No sleeping: the clock jumps.
 */
function simulate(
  sequence: Sequence,
  start: Date,
  {
    site = siteEmail(),
    lead = () => aLead(),
    sentElsewhere = {},
    tickMinutes = 0,
  }: { site?: SiteEmail; lead?: (now: Date) => NurtureLead; sentElsewhere?: Record<string, number>; tickMinutes?: number } = {},
): Run {
  const run: Run = { sent: [], decisions: [], state: enrol(sequence, start, effectiveTimeZone(lead(start).timeZone, site.timeZone)) };
  const sentPerDay = new Map<string, number>(Object.entries(sentElsewhere));
  let now = start;
  for (let i = 0; i < 200; i++) {
    const current = lead(now);
    const timeZone = effectiveTimeZone(current.timeZone, site.timeZone);
    const day = localDay(now, timeZone);
    const decision = decide(run.state, sequence, current, site, now, sentPerDay.get(day) ?? 0);
    run.decisions.push({ at: now.toISOString(), decision });
    if (decision.type === 'send') {
      run.sent.push({ stepId: decision.stepId, at: now.toISOString() });
      sentPerDay.set(day, (sentPerDay.get(day) ?? 0) + 1);
      run.state = afterSend(run.state, sequence, now, timeZone);
      continue;
    }
    run.state = applyDecision(run.state, decision);
    if (decision.type !== 'wait' && decision.type !== 'defer') return run;
    const tick = tickMinutes * 60_000;
    now = new Date(tick ? Math.ceil(Date.parse(decision.until) / tick) * tick : Date.parse(decision.until));
  }
  throw new Error('the simulation did not finish');
}

// Friday 2026-11-20 16:30 in Berlin (CET, UTC+1).
const FRIDAY_AFTERNOON = at('2026-11-20T15:30:00Z');

describe('Function: enrol', () => {
  it('makes step 0 due after its delay, at the next opening of its window', () => {
    // Act
    const now = enrol(threeSteps(), FRIDAY_AFTERNOON, 'Europe/Berlin');
    const saturday = enrol(threeSteps(), at('2026-11-21T10:00:00Z'), 'Europe/Berlin');
    const delayed = enrol(threeSteps({ steps: [aStep('later', { hours: 1 })] }), FRIDAY_AFTERNOON, 'Europe/Berlin');
    // Assess
    expect(now).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 0, nextAt: '2026-11-20T15:30:00.000Z', status: 'active' });
    expect(saturday.nextAt).toBe('2026-11-23T08:00:00.000Z');
    expect(delayed.nextAt).toBe('2026-11-23T08:00:00.000Z'); // 17:30 Friday is after hours
  });
});

describe('Function: decide — a 3-step sequence on a fake clock', () => {
  it('sends each step after its delay inside office hours, then completes', () => {
    // Act
    const run = simulate(threeSteps(), FRIDAY_AFTERNOON);
    // Assess
    expect(run.sent).toEqual([
      { stepId: 'welcome', at: '2026-11-20T15:30:00.000Z' }, // Friday 16:30, at once
      { stepId: 'case-study', at: '2026-11-23T08:00:00.000Z' }, // +2 days is Sunday → Monday 09:00
      { stepId: 'offer', at: '2026-11-27T08:00:00.000Z' }, // +3 days 9 hours is Thursday 18:00 → Friday 09:00
    ]);
    expect(run.decisions.map((d) => d.decision.type)).toEqual(['send', 'wait', 'send', 'wait', 'send', 'completed']);
    expect(run.state).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 3, status: 'completed' });
  });

  it('runs across weeks and a DST change at the same local time, with a step window overriding the sequence’s', () => {
    // Prepare: Friday 2026-03-20 10:00 CET; weekly steps; the last one only on Tuesday mornings.
    const sequence = threeSteps({
      steps: [aStep('welcome', {}), aStep('week-1', { days: 7 }), aStep('week-2', { days: 7 }, { window: { days: ['tue'], hours: { from: 10, to: 12 } } })],
    });
    // Act
    const run = simulate(sequence, at('2026-03-20T09:00:00Z'));
    // Assess
    expect(run.sent).toEqual([
      { stepId: 'welcome', at: '2026-03-20T09:00:00.000Z' }, // 10:00 CET
      { stepId: 'week-1', at: '2026-03-27T09:00:00.000Z' }, // 10:00 CET
      { stepId: 'week-2', at: '2026-04-07T08:00:00.000Z' }, // Friday 3 April → Tuesday 7 April 10:00 CEST
    ]);
  });

  it('schedules in the lead’s time zone when known, the site’s otherwise', () => {
    // Act
    const berlin = simulate(threeSteps(), at('2026-11-23T07:00:00Z'));
    const newYork = simulate(threeSteps(), at('2026-11-23T07:00:00Z'), { lead: () => aLead({ timeZone: 'America/New_York' }) });
    const invalid = simulate(threeSteps(), at('2026-11-23T07:00:00Z'), { lead: () => aLead({ timeZone: 'Mars/Olympus' }) });
    // Assess
    expect(berlin.sent[0]!.at).toBe('2026-11-23T08:00:00.000Z'); // 09:00 CET
    expect(newYork.sent[0]!.at).toBe('2026-11-23T14:00:00.000Z'); // 09:00 EST
    expect(invalid.sent).toEqual(berlin.sent);
  });

  it('re-reads the window in the lead’s zone once it becomes known', () => {
    // Prepare: due Monday 09:00 in Berlin, computed before the lead's zone was known
    const state: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 1, nextAt: '2026-11-23T08:00:00.000Z', status: 'active' };
    // Act
    const decision = decide(state, threeSteps(), aLead({ timeZone: 'America/New_York' }), siteEmail(), at('2026-11-23T08:00:00Z'), 0);
    // Assess
    expect(decision).toEqual({ type: 'wait', until: '2026-11-23T14:00:00.000Z' });
  });

  it('waits for the next opening when a late run finds the window closed', () => {
    // Prepare: due Friday 16:58, the drainer comes at 17:00
    const state: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 1, nextAt: '2026-11-20T15:58:00.000Z', status: 'active' };
    // Act
    const decision = decide(state, threeSteps(), aLead(), siteEmail(), at('2026-11-20T16:00:00Z'), 0);
    // Assess
    expect(decision).toEqual({ type: 'wait', until: '2026-11-23T08:00:00.000Z' });
  });

  it('still sends every step inside the window when the scheduler runs every 5 minutes', () => {
    // Act
    const run = simulate(threeSteps(), at('2026-11-20T15:31:30Z'), { tickMinutes: 5 });
    // Assess
    expect(run.sent.map((s) => s.at)).toEqual(['2026-11-20T15:31:30.000Z', '2026-11-23T08:00:00.000Z', '2026-11-27T08:00:00.000Z']);
  });
});

describe('Function: decide — daily cap', () => {
  it('defers to the next day’s window opening once the lead had maxPerDay emails today', () => {
    // Prepare: Monday 10:00 CET, two emails from other sequences already today
    const monday = at('2026-11-23T09:00:00Z');
    // Act
    const run = simulate(threeSteps(), monday, { sentElsewhere: { '2026-11-23': 2 } });
    // Assess
    expect(run.decisions[0]!.decision).toEqual({ type: 'defer', until: '2026-11-24T08:00:00.000Z', reason: 'daily-cap' });
    expect(run.sent.map((s) => s.at)).toEqual(['2026-11-24T08:00:00.000Z', '2026-11-26T08:00:00.000Z', '2026-11-30T08:00:00.000Z']);
  });

  it('defers a Friday over the weekend, and honours a higher cap', () => {
    // Act
    const capped = decide(enrol(threeSteps(), FRIDAY_AFTERNOON, 'Europe/Berlin'), threeSteps(), aLead(), siteEmail(), FRIDAY_AFTERNOON, 2);
    const higher = decide(enrol(threeSteps(), FRIDAY_AFTERNOON, 'Europe/Berlin'), threeSteps(), aLead(), siteEmail({ maxPerDay: 3 }), FRIDAY_AFTERNOON, 2);
    // Assess
    expect(capped).toEqual({ type: 'defer', until: '2026-11-23T08:00:00.000Z', reason: 'daily-cap' });
    expect(higher).toEqual({ type: 'send', stepIndex: 0, stepId: 'welcome' });
  });

  it('counts the day in the lead’s zone: the next day starts at the lead’s midnight', () => {
    // Prepare: no window, a lead in New York, Monday 23:30 EST (Tuesday in Berlin)
    const sequence = threeSteps({ window: undefined });
    const now = at('2026-11-24T04:30:00Z');
    const state = enrol(sequence, now, 'America/New_York');
    // Act
    const decision = decide(state, sequence, aLead({ timeZone: 'America/New_York' }), siteEmail(), now, 2);
    // Assess
    expect(localDay(now, 'America/New_York')).toBe('2026-11-23');
    expect(decision).toEqual({ type: 'defer', until: '2026-11-24T05:00:00.000Z', reason: 'daily-cap' });
  });
});

describe('Function: decide — exits', () => {
  const waiting: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 1, nextAt: '2026-11-23T08:00:00.000Z', status: 'active' };
  const everything = aLead({ unsubscribed: true, suppressed: 'complained', stage: 'sql', formsSubmitted: ['ebook', 'trial'] });

  it.each([
    ['unsubscribed beats everything', everything, { type: 'exit', reason: 'unsubscribed' }],
    ['then a complaint', { ...everything, unsubscribed: false }, { type: 'exit', reason: 'complained' }],
    ['then a bounce', { ...everything, unsubscribed: false, suppressed: 'bounced' as const }, { type: 'exit', reason: 'bounced' }],
    ['then a stage reached', { ...everything, unsubscribed: false, suppressed: undefined }, { type: 'exit', reason: 'stage-reached', detail: 'sql' }],
    [
      'then a form submitted',
      { ...everything, unsubscribed: false, suppressed: undefined, stage: 'mql' as const },
      { type: 'exit', reason: 'form-submitted', detail: 'trial' },
    ],
    ['and otherwise no exit', aLead({ stage: 'mql', formsSubmitted: ['ebook', 'webinar'] }), { type: 'wait', until: '2026-11-23T08:00:00.000Z' }],
  ])('%s', (_, lead, expected) => {
    // Act: on Saturday, before the step is due: exits do not wait for it
    const decision = decide(waiting, threeSteps(), lead, siteEmail(), at('2026-11-21T12:00:00Z'), 0);
    // Assess
    expect(decision).toEqual(expected);
  });

  it('exits at a stage reached by jumping past it', () => {
    expect(exitOf(threeSteps({ exit: { stages: ['mql'] } }), aLead({ stage: 'sql' }))).toEqual({ reason: 'stage-reached', detail: 'sql' });
    expect(exitOf(threeSteps({ exit: { stages: ['sql'] } }), aLead({ stage: 'mql' }))).toBeUndefined();
    expect(exitOf(threeSteps({ exit: {} }), aLead({ stage: 'sql', formsSubmitted: ['trial'] }))).toBeUndefined();
  });

  it('exits always on unsubscribe, bounce and complaint, even with no exit configured', () => {
    const sequence = threeSteps({ exit: {} });
    expect(exitOf(sequence, aLead({ unsubscribed: true }))?.reason).toBe('unsubscribed');
    expect(exitOf(sequence, aLead({ suppressed: 'bounced' }))?.reason).toBe('bounced');
    expect(exitOf(sequence, aLead({ suppressed: 'complained' }))?.reason).toBe('complained');
  });

  it('sends no more steps once the lead unsubscribes mid-sequence', () => {
    // Act: the lead unsubscribes on Wednesday, after the second step
    const run = simulate(threeSteps(), FRIDAY_AFTERNOON, { lead: (now) => aLead({ unsubscribed: now >= at('2026-11-25T12:00:00Z') }) });
    // Assess
    expect(run.sent.map((s) => s.stepId)).toEqual(['welcome', 'case-study']);
    expect(run.decisions.at(-1)).toEqual({ at: '2026-11-27T08:00:00.000Z', decision: { type: 'exit', reason: 'unsubscribed' } });
    expect(run.state).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 2, status: 'exited', exitReason: 'unsubscribed' });
  });

  it('exits when the lead starts a trial before the next step', () => {
    // Act
    const run = simulate(threeSteps(), FRIDAY_AFTERNOON, {
      lead: (now) => aLead({ formsSubmitted: now >= at('2026-11-22T00:00:00Z') ? ['ebook', 'trial'] : ['ebook'] }),
    });
    // Assess
    expect(run.sent.map((s) => s.stepId)).toEqual(['welcome']);
    expect(run.state).toMatchObject({ status: 'exited', exitReason: 'form-submitted', exitDetail: 'trial' });
  });
});

describe('Function: decide / applyDecision / afterSend — idempotency', () => {
  const due: EnrolmentState = { sequenceId: 'ebook-nurture', stepIndex: 1, nextAt: '2026-11-23T08:00:00.000Z', status: 'active' };
  const monday = at('2026-11-23T08:00:00Z');

  it('gives the same decision for the same inputs, and `send` again until the send is recorded', () => {
    // Act
    const first = decide(due, threeSteps(), aLead(), siteEmail(), monday, 0);
    const second = decide(applyDecision(due, first), threeSteps(), aLead(), siteEmail(), monday, 0);
    // Assess
    expect(first).toEqual({ type: 'send', stepIndex: 1, stepId: 'case-study' });
    expect(second).toEqual(first);
  });

  it('gives the same wait after storing it', () => {
    // Prepare
    const saturday = at('2026-11-21T12:00:00Z');
    const wait = decide(due, threeSteps(), aLead(), siteEmail(), saturday, 0);
    // Act
    const again = decide(applyDecision(due, wait), threeSteps(), aLead(), siteEmail(), saturday, 0);
    // Assess
    expect(again).toEqual(wait);
  });

  it('keeps an exit once stored, even if the lead later looks eligible again', () => {
    // Prepare
    const exit = decide(due, threeSteps(), aLead({ stage: 'sql' }), siteEmail(), monday, 0);
    const exited = applyDecision(due, exit);
    // Act
    const again = decide(exited, threeSteps(), aLead({ stage: 'lead' }), siteEmail(), monday, 0);
    // Assess
    expect(exited).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 1, status: 'exited', exitReason: 'stage-reached', exitDetail: 'sql' });
    expect(again).toEqual(exit);
    expect(applyDecision(exited, { type: 'wait', until: '2027-01-01T00:00:00.000Z' })).toBe(exited);
  });

  it('records a permanent send failure as an exit', () => {
    expect(applyDecision(due, { type: 'exit', reason: 'send-failed', detail: 'MessageRejected' })).toEqual({
      sequenceId: 'ebook-nurture',
      stepIndex: 1,
      status: 'exited',
      exitReason: 'send-failed',
      exitDetail: 'MessageRejected',
    });
  });

  it('advances the same way from the same state, and refuses to advance a finished enrolment', () => {
    // Act
    const once = afterSend(due, threeSteps(), monday, 'Europe/Berlin');
    const twice = afterSend(due, threeSteps(), monday, 'Europe/Berlin');
    const done = afterSend({ ...due, stepIndex: 2 }, threeSteps(), monday, 'Europe/Berlin');
    // Assess
    expect(once).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 2, nextAt: '2026-11-27T08:00:00.000Z', status: 'active' });
    expect(twice).toEqual(once);
    expect(done).toEqual({ sequenceId: 'ebook-nurture', stepIndex: 3, status: 'completed' });
    expect(() => afterSend(done, threeSteps(), monday, 'Europe/Berlin')).toThrow(/completed enrolment/);
    expect(decide(done, threeSteps(), aLead({ unsubscribed: true }), siteEmail(), monday, 0)).toEqual({ type: 'completed' });
  });

  it('completes an enrolment whose sequence lost steps, and refuses another sequence', () => {
    expect(decide({ ...due, stepIndex: 5 }, threeSteps(), aLead(), siteEmail(), monday, 0)).toEqual({ type: 'completed' });
    expect(() => decide({ ...due, sequenceId: 'other' }, threeSteps(), aLead(), siteEmail(), monday, 0)).toThrow(
      /"other" decided with sequence "ebook-nurture"/,
    );
  });
});

describe('Schema: EnrolmentState', () => {
  it('accepts what the state machine stores, and refuses an exit without a reason or a bad date', () => {
    // Prepare
    const stored = [
      enrol(threeSteps(), FRIDAY_AFTERNOON, 'Europe/Berlin'),
      { sequenceId: 's', stepIndex: 1, status: 'exited', exitReason: 'bounced' },
      { sequenceId: 's', stepIndex: 3, status: 'completed' },
    ];
    // Act & Assess
    for (const state of stored) expect(EnrolmentState.parse(state)).toEqual(state);
    expect(EnrolmentState.safeParse({ sequenceId: 's', stepIndex: 1, status: 'exited' }).error?.issues[0]?.path).toEqual(['exitReason']);
    expect(EnrolmentState.safeParse({ sequenceId: 's', stepIndex: 1, status: 'active', nextAt: 'tomorrow' }).success).toBe(false);
  });
});
