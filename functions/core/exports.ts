/**
 * The background export: at most `rows` leads a file; its link works for `linkSeconds` after it is asked
 * for, and the file is kept `keepHours` (the bucket's lifecycle rule deletes it after a day). The export
 * function runs one job at a time for up to `functionTimeoutSeconds`, tried `maxReceiveCount` times, each
 * try visible again only after six of its timeouts (AWS's advice for a Lambda consumer): a try is never
 * running when the next starts, and the file is written whole each time (S3 completes a multipart upload
 * at once), so a retry can neither interleave with nor half-replace a file.
 */
export const EXPORT_JOBS = { rows: 1_000_000, linkSeconds: 900, keepHours: 24, maxReceiveCount: 3, functionTimeoutSeconds: 600 } as const;

/** Where export files go in the exports bucket (its lifecycle rule deletes them after a day). */
export const EXPORT_PREFIX = 'exports/';
