import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from './logger.js';

/**
 * The deployed functions' logger: Powertools for AWS Lambda. Structured JSON that Lambda's JSON log format
 * takes as it is, with the service, the level, and (once `addContext` is called per invocation, which the
 * handlers do) the request id, the function and the cold-start flag. No PII is ever passed to it.
 */
export function lambdaLogger(level: 'info' | 'warn' | 'error' | 'silent'): Logger {
  const logger = new PowertoolsLogger({ serviceName: 'funnel', logLevel: level.toUpperCase() as 'INFO' | 'WARN' | 'ERROR' | 'SILENT' });
  const at = (write: (message: string, ...extra: Record<string, unknown>[]) => void) => (message: string, data?: Record<string, unknown>) =>
    data ? write.call(logger, message, data) : write.call(logger, message);
  return { info: at(logger.info), warn: at(logger.warn), error: at(logger.error), addContext: (context) => logger.addContext(context) };
}
