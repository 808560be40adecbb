/**
 * How the table stream is fed to the lead-activity consumer: by the event source mapping on AWS
 * (infra/stateless-stack.ts) and by the local stream poller alike, so both retry the same way: a failed
 * batch is retried `retryAttempts` times (bisected on errors), then dead-lettered.
 */
export const STREAM_CONSUMER = { batchSize: 100, retryAttempts: 5, maxBatchingWindowSeconds: 1 } as const;
