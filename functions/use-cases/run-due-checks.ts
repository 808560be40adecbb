import { dueDay, daysBefore, nextDay } from '../core/due.js';
import type { Deps } from './deps.js';
import { rescoreLead } from './rescore-lead.js';
import { refreshLeadIndex } from './lead-index.js';

/**
 * Where a first run (no cursor yet) starts looking: far enough back that a check written long before the
 * drainer first ran is still found (a one-off cost of ~50 parallel reads of empty days).
 */
export const FIRST_RUN_LOOKBACK_DAYS = 400;
const PARALLEL_DAYS = 8;
/** Due steps queued (and their checks deleted) per round: bounds the requests in flight when thousands fall due at once. */
const STEP_CHUNK = 50;

export interface DueRunResult {
  rescored: number;
  /** Nurture steps and webhook retries handed to their senders' queues. */
  queued: number;
  failed: { siteId: string; at: string; error: string }[];
  /** The first day not yet fully drained, after this run. */
  cursor: string;
}

/**
 * Run the scheduled work that is due: nurture steps and decay re-scores (decay may have moved a lead
 * across a stage threshold).
 * 1. start at the cursor (the first day not yet fully drained; 400 days back on a first run)
 * 2. for each day up to now: queue every due nurture step for the mail sender and every due webhook retry
 *    for the webhook sender, re-score every lead whose decay check is due, and delete each check once done
 * 3. move the cursor past every day that is over and fully drained; a check that fails stays (and holds
 *    the cursor), is retried on every run and is reported, so nothing is skipped silently
 * Re-scoring schedules the lead's next check, so a lead is checked exactly when its stage could change.
 */
export async function runDueChecks(
  deps: Pick<Deps, 'config' | 'leads' | 'clock' | 'due' | 'mailQueue' | 'webhookQueue' | 'stats' | 'leadIndex' | 'prospects'>,
): Promise<DueRunResult> {
  const now = deps.clock.now();
  const until = now.toISOString();
  const start = (await deps.due.cursor()) ?? daysBefore(now, FIRST_RUN_LOOKBACK_DAYS);
  const current = dueDay(until);
  const result: DueRunResult = { rescored: 0, queued: 0, failed: [], cursor: start };
  let drainedSoFar = true;
  const days: string[] = [];
  for (let day = start; day <= current; day = nextDay(day)) days.push(day);
  // Days are read several at a time (after downtime there can be many, most of them empty), then drained
  // in order, so the cursor only ever passes days that are done.
  for (let i = 0; i < days.length; i += PARALLEL_DAYS) {
    const batch = days.slice(i, i + PARALLEL_DAYS);
    const listed = await Promise.all(batch.map((day) => deps.due.list(day, until)));
    for (const [j, day] of batch.entries()) {
      let failedHere = false;
      const checks = listed[j]!;
      const failed = (siteId: string, at: string, error: unknown) => {
        failedHere = true;
        result.failed.push({ siteId, at, error: (error as Error).message });
      };
      // Due nurture steps and webhook retries go to their sender's queue a chunk at a time; each check is
      // deleted once its job is queued (a crash in between queues it again next run: both senders are idempotent).
      const queued = [
        {
          checks: checks.filter((c) => c.kind === 'webhook-retry'),
          enqueue: (c: typeof checks) =>
            deps.webhookQueue.enqueue(
              c.flatMap((x) => (x.kind === 'webhook-retry' ? [{ siteId: x.siteId, emailKey: x.emailKey, endpointId: x.endpointId }] : [])),
            ),
        },
        {
          checks: checks.filter((c) => c.kind === 'step'),
          enqueue: (c: typeof checks) =>
            deps.mailQueue.enqueue(
              c.flatMap((x) => (x.kind === 'step' ? [{ type: 'step' as const, siteId: x.siteId, emailKey: x.emailKey, sequenceId: x.sequenceId }] : [])),
            ),
        },
      ];
      for (const { checks: due, enqueue } of queued) {
        for (let k = 0; k < due.length; k += STEP_CHUNK) {
          const chunk = due.slice(k, k + STEP_CHUNK);
          try {
            await enqueue(chunk);
            await Promise.all(chunk.map((c) => deps.due.done(c)));
            result.queued += chunk.length;
          } catch (error) {
            failed(chunk[0]!.siteId, chunk[0]!.at, error);
          }
        }
      }
      for (const check of checks.filter((c) => c.kind === 'decay')) {
        try {
          await rescoreLead(deps, check);
          // Decay moved the score (the lead item only: no insert for the stream): the lists follow here.
          await refreshLeadIndex(deps, check).catch(() => undefined);
          await deps.due.done(check);
          result.rescored++;
        } catch (error) {
          failed(check.siteId, check.at, error);
        }
      }
      drainedSoFar &&= !failedHere;
      if (drainedSoFar && day < current) result.cursor = nextDay(day);
    }
  }
  if (result.cursor !== start) await deps.due.setCursor(result.cursor);
  return result;
}
