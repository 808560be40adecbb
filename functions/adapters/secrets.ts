import { request } from 'node:http';

/**
 * Secrets read through the AWS Parameters and Secrets Lambda Extension (a layer the stack adds to the
 * functions that read secrets): a GET on localhost, authenticated by the function's session token. The
 * extension caches each secret (its TTL is set in the stack) and keeps the Secrets Manager client out of
 * every bundle; this process keeps a secret for {@link SECRET_TTL_MS} on top, so a warm request pays
 * nothing and a rotated secret is picked up within minutes.
 */
export const SECRET_TTL_MS = 5 * 60_000;

const DEFAULT_PORT = 2773;

/** A version of a secret by its stage: the current one, or the one a rotation replaced (`''` where there is none). */
export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

function fetchSecret(secretId: string, stage: VersionStage): Promise<string> {
  const port = Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? DEFAULT_PORT);
  const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionStage=${stage}`;
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' }, timeout: 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // A secret never rotated has no previous version: Secrets Manager's ResourceNotFound, passed on by
          // the extension. Any other refusal (throttling, access) is a failure, not "none".
          if (stage === 'AWSPREVIOUS' && res.statusCode !== 200 && /ResourceNotFound/.test(text)) return ok('');
          if (res.statusCode !== 200) return fail(new Error(`secret ${secretId}: the secrets extension answered ${res.statusCode}`));
          const secret = (JSON.parse(text) as { SecretString?: string }).SecretString;
          if (!secret) return fail(new Error(`secret ${secretId} is empty`));
          ok(secret);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`secret ${secretId}: the secrets extension did not answer`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * A secret by ARN, cached in this process for {@link SECRET_TTL_MS}; a failed read is not cached.
 * @example const tokenSecret = secretReader(process.env.TOKEN_SECRET_ARN!); await tokenSecret()
 */
export function secretReader(secretId: string, now: () => number = Date.now, stage: VersionStage = 'AWSCURRENT'): () => Promise<string> {
  let cached: { value: Promise<string>; until: number } | undefined;
  return () => {
    if (cached && cached.until > now()) return cached.value;
    const value = fetchSecret(secretId, stage);
    cached = { value, until: now() + SECRET_TTL_MS };
    value.catch(() => {
      cached = undefined;
    });
    return value;
  };
}
