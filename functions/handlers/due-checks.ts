import type { Context } from 'aws-lambda';
import { mailQueueFromEnvironment, webhookQueueFromEnvironment } from '../adapters/sqs/environment.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import { runDueChecks } from '../use-cases/run-due-checks.js';

/**
 * Scheduled (every minute by EventBridge): queue the nurture steps that are due and re-score the leads whose decay check is due. A failed
 * check is logged at error level and retried on the next run; the function itself fails only if the
 * table cannot be read, so the schedule's retries and the error alarm see real outages.
 */
export const makeDueChecksHandler =
  (deps: () => AppDeps) =>
  async (_event?: unknown, context?: Context): Promise<{ rescored: number; queued: number; failed: number }> => {
    if (context) deps().log.addContext?.(context);
    const result = await runDueChecks(deps());
    for (const failure of result.failed) deps().log.error('due check failed', failure);
    if (result.rescored || result.queued || result.failed.length)
      deps().log.info('due checks', { rescored: result.rescored, queued: result.queued, failed: result.failed.length, cursor: result.cursor });
    return { rescored: result.rescored, queued: result.queued, failed: result.failed.length };
  };

export const handler = makeDueChecksHandler(
  fromEnvironment('dueChecks', (base) =>
    allAreas(base, { mailQueue: mailQueueFromEnvironment(base.env), webhookQueue: webhookQueueFromEnvironment(base.env) }),
  ),
);
