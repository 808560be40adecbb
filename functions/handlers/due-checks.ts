import { fromEnvironment, type AppDeps } from '../composition.js';
import { runDueChecks } from '../use-cases/run-due-checks.js';

/**
 * Scheduled (every few minutes by EventBridge): re-score the leads whose decay check is due. A failed
 * check is logged at error level and retried on the next run; the function itself fails only if the
 * table cannot be read, so the schedule's retries and the error alarm see real outages.
 */
export const makeDueChecksHandler = (deps: () => AppDeps) => async (): Promise<{ rescored: number; failed: number }> => {
  const result = await runDueChecks(deps());
  for (const failure of result.failed) deps().log.error('due check failed', failure);
  if (result.rescored || result.failed.length) deps().log.info('due checks', { rescored: result.rescored, failed: result.failed.length, cursor: result.cursor });
  return { rescored: result.rescored, failed: result.failed.length };
};

export const handler = makeDueChecksHandler(fromEnvironment);
