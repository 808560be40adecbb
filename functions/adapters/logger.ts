import type { Context } from 'aws-lambda';

export interface Logger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  /** On Lambda: every line after this carries the invocation's request id and the cold-start flag. */
  addContext?(context: Context): void;
}

/**
 * Structured logs: one JSON object per line on stdout; `silent` for tests. Written to the stream directly,
 * not through `console`, because Lambda's JSON log format would wrap a console line as a string.
 */
export function jsonLogger(
  level: 'info' | 'warn' | 'error' | 'silent' = 'info',
  write: (line: string) => void = (line) => void process.stdout.write(line),
): Logger {
  const order = { info: 0, warn: 1, error: 2, silent: 3 };
  const emit = (l: 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) => {
    if (order[l] >= order[level]) write(`${JSON.stringify({ timestamp: new Date().toISOString(), level: l.toUpperCase(), message: msg, ...data })}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
