import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleBaseline, bundleLikeLambda } from '../../bench/bundle.js';
import { DEFAULT_ENTRIES } from '../../infra/funnel-app.js';

/** The AWS clients each function may carry: its entry file passes the ones it uses (the `environment.ts` files under `functions/adapters/`). */
const CLIENTS = [
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-sesv2',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-cognito-identity-provider',
  '@aws-sdk/client-secrets-manager',
];
const ALLOWED: Partial<Record<keyof typeof DEFAULT_ENTRIES, string[]>> = {
  // SQS: it queues background exports; S3: it signs their download links; Cognito: the people page;
  // SES v2: the console's test emails and deliverability page.
  leads: ['@aws-sdk/client-sqs', '@aws-sdk/client-sesv2', '@aws-sdk/client-s3', '@aws-sdk/client-cognito-identity-provider'],
  webhooks: ['@aws-sdk/client-sqs'],
  leadActivity: ['@aws-sdk/client-sqs'],
  dueChecks: ['@aws-sdk/client-sqs'],
  deliverWebhooks: ['@aws-sdk/client-sqs'],
  // SQS: a job SES cannot send yet is queued again (held).
  sendEmail: ['@aws-sdk/client-sqs', '@aws-sdk/client-sesv2'],
  exportLeads: ['@aws-sdk/client-s3'],
};

describe('function bundles (as the stack bundles them)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'funnel-bundles-'));
  it.each(Object.keys(DEFAULT_ENTRIES) as (keyof typeof DEFAULT_ENTRIES)[])(
    '%s carries only the AWS clients it uses (no Secrets Manager client anywhere)',
    { timeout: 60_000 },
    async (name) => {
      const { packages } = await bundleLikeLambda(DEFAULT_ENTRIES[name], join(dir, `${name}.mjs`));
      expect(packages.has('@aws-sdk/client-dynamodb') || name === 'openapi').toBe(true);
      expect(CLIENTS.filter((c) => packages.has(c))).toEqual(ALLOWED[name] ?? []);
    },
  );

  it('the capture function carries only the capture area: within 1.6x the bytes of a DynamoDB-client-only function', { timeout: 60_000 }, async () => {
    const baseline = await bundleBaseline(dir);
    const capture = await bundleLikeLambda(DEFAULT_ENTRIES.capture, join(dir, 'capture-alone.mjs'));
    const otherAreas = [...capture.files].filter((f) => /nurture-store|prospect-store|webhook-store|adapters\/webhooks\/|mail-links|throttle/.test(f));
    expect(otherAreas).toEqual([]);
    expect(capture.packages.has('zod')).toBe(true); // through zod/mini: the classic API would add ~60 KB
    // 1.5x until the form's numbers, impressions and progressive profiling came into the capture area (1.51x then).
    expect(capture.bytes / baseline.bytes).toBeLessThanOrEqual(1.6);
    expect(capture.gzip / baseline.gzip).toBeLessThanOrEqual(1.6);
  });
});
