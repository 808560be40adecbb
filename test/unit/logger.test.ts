import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
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

describe('Function: lambdaLogger (Powertools)', () => {
  it('writes structured JSON with the level, the service, and after addContext the request id and the cold-start flag', async () => {
    const { lambdaLogger } = await import('../../functions/adapters/lambda-logger.js');
    // In dev mode Powertools writes through the global console, which the test can watch.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const lines: string[] = [];
    const capture = (line: unknown) => void lines.push(String(line));
    const info = vi.spyOn(console, 'info').mockImplementation(capture);
    const warn = vi.spyOn(console, 'warn').mockImplementation(capture);
    try {
      const log = lambdaLogger('info');
      log.addContext?.({
        awsRequestId: 'req-42',
        functionName: 'funnel-capture',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn',
        memoryLimitInMB: '512',
      } as Context);
      log.info('request', { route: 'POST /v1/events', status: 202 });
      log.warn('slow');
    } finally {
      info.mockRestore();
      warn.mockRestore();
      vi.unstubAllEnvs();
    }
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      level: 'INFO',
      message: 'request',
      service: 'funnel',
      route: 'POST /v1/events',
      status: 202,
      function_request_id: 'req-42',
      cold_start: expect.any(Boolean),
    });
    expect(second).toMatchObject({ level: 'WARN', message: 'slow', function_request_id: 'req-42' });
  });
});
