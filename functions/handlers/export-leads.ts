import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { exportFilesFromEnvironment } from '../adapters/s3/environment.js';
import { allAreas, fromEnvironment, type AppDeps } from '../composition.js';
import * as z from '../core/zod.js';
import { EXPORT_JOBS } from '../core/exports.js';
import { runLeadsExport } from '../use-cases/exports.js';
import { sqsBatch } from './sqs-batch.js';

export const ExportJobMessage = z.strictObject({ exportId: z.string().check(z.regex(/^[\w-]{1,64}$/)) });

/**
 * The export function: an SQS consumer of export jobs, one a message (`batchSize: 1`), each writing a
 * whole list's CSV to the exports bucket. A failure is reported for redelivery; on the last receive it is
 * also recorded on the job, so the person who asked sees it failed.
 */
export const makeExportLeadsHandler =
  (deps: () => AppDeps) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) deps().log.addContext?.(context);
    return sqsBatch(
      event,
      async (record) => {
        const { exportId } = ExportJobMessage.parse(JSON.parse(record.body));
        const finalAttempt = Number(record.attributes.ApproximateReceiveCount) >= EXPORT_JOBS.maxReceiveCount;
        try {
          const outcome = await runLeadsExport(deps(), exportId, { finalAttempt });
          deps().log.info('export', { exportId, outcome });
        } catch (error) {
          deps().log.warn('export failed', { exportId, finalAttempt, error: (error as Error).name, detail: (error as Error).message });
          throw error;
        }
      },
      { parallel: false },
    );
  };

export const handler = makeExportLeadsHandler(fromEnvironment('exportLeads', (base) => allAreas(base, { exportFiles: exportFilesFromEnvironment(base.env) })));
