import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_TTL_MS, secretReader } from '../../functions/adapters/secrets.js';

/** A stand-in for the Parameters and Secrets extension: answers as it does, counts what it is asked. */
const asked: { path: string; token: string | undefined }[] = [];
let answer: { status: number; body: string } = { status: 200, body: JSON.stringify({ SecretString: 's3cret' }) };
const server = createServer((req, res) => {
  asked.push({ path: req.url ?? '', token: req.headers['x-aws-parameters-secrets-token'] as string | undefined });
  res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
});

beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String((server.address() as AddressInfo).port);
  process.env.AWS_SESSION_TOKEN = 'session-token';
});
afterAll(() => {
  delete process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
  server.close();
});

describe('Adapter: secrets through the Parameters and Secrets extension', () => {
  it('asks the extension with the session token, keeps the secret for its TTL, then asks again', async () => {
    let now = 1_000_000;
    const read = secretReader('arn:aws:secretsmanager:eu-west-1:1:secret:token', () => now);
    expect(await read()).toBe('s3cret');
    expect(await read()).toBe('s3cret');
    expect(asked).toEqual([
      {
        path: `/secretsmanager/get?secretId=${encodeURIComponent('arn:aws:secretsmanager:eu-west-1:1:secret:token')}&versionStage=AWSCURRENT`,
        token: 'session-token',
      },
    ]);
    now += SECRET_TTL_MS + 1;
    await read();
    expect(asked).toHaveLength(2);
  });

  it('does not keep a failed read: the next call asks again', async () => {
    asked.length = 0;
    const read = secretReader('arn:x');
    answer = { status: 500, body: '{}' };
    await expect(read()).rejects.toThrow(/extension answered 500/);
    answer = { status: 200, body: JSON.stringify({ SecretString: 'again' }) };
    expect(await read()).toBe('again');
    expect(asked).toHaveLength(2);
  });

  it('reads the version a rotation replaced by its stage, and none (kept) for a secret never rotated', async () => {
    asked.length = 0;
    const previous = secretReader('arn:edge', Date.now, 'AWSPREVIOUS');
    answer = { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException' }) };
    expect(await previous()).toBe('');
    expect(await previous()).toBe('');
    expect(asked.map((a) => a.path)).toEqual([`/secretsmanager/get?secretId=arn%3Aedge&versionStage=AWSPREVIOUS`]);
    // Any other refusal (access, throttling) is a failure, not "none": it is not kept
    answer = { status: 400, body: JSON.stringify({ __type: 'AccessDeniedException' }) };
    await expect(secretReader('arn:edge2', Date.now, 'AWSPREVIOUS')()).rejects.toThrow(/answered 400/);
    answer = { status: 200, body: JSON.stringify({ SecretString: 's3cret' }) };
  });
});
