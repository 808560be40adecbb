import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../functions/adapters/logger.js';

describe('Function: jsonLogger', () => {
  it('writes one JSON object per line at or above its level, and nothing when silent', () => {
    const lines: string[] = [];
    const log = jsonLogger('warn', (l) => lines.push(l));
    log.info('ignored');
    log.warn('slow', { ms: 120 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'WARN', message: 'slow', ms: 120, timestamp: expect.any(String) });
    const quiet: string[] = [];
    jsonLogger('silent', (l) => quiet.push(l)).error('x');
    expect(quiet).toEqual([]);
  });
});
