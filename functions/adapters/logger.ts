export interface Logger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Structured JSON logs on stdout (CloudWatch parses them); `silent` for tests. */
export function jsonLogger(level: 'info' | 'warn' | 'error' | 'silent' = 'info'): Logger {
  const order = { info: 0, warn: 1, error: 2, silent: 3 };
  const emit = (l: 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) => {
    if (order[l] >= order[level]) console[l === 'info' ? 'log' : l](JSON.stringify({ level: l, msg, ...data }));
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
