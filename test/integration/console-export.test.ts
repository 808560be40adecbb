import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnel, type RunningFunnel } from '../../local/runtime.js';
import { signInLocally } from '../../local/oidc.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * Issue 23 (CSV export as a background job): on the local funnel, a marketer signed in through its OpenID
 * provider exports a list in the background over HTTP, as the console does: the job is queued, the export
 * function (the local queue's consumer) writes the file to the data folder's stand-in for the bucket, and
 * its link downloads the same CSV the one-answer export gives.
 */
let funnel: RunningFunnel;
let token: string;
beforeAll(async () => {
  const { endpoint, tableName } = await freshTable();
  funnel = await startFunnel({ port: 0, dynamoEndpoint: endpoint, tableName, rawConfig: testConfigFn(), logLevel: 'silent', dueCheckIntervalMs: 0 });
  for (let i = 0; i < 5; i++) {
    const body = aSubmission().withEmail(`export${i}@acme.com`).build();
    const res = await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url, 'x-forwarded-for': `203.0.113.${i}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
  }
  await funnel.settle();
  token = (await signInLocally(funnel.url, 'marketer')).access_token;
}, 120_000);
afterAll(() => funnel?.stop());

const call = (path: string, init: RequestInit = {}, bearer = token) =>
  fetch(`${funnel.url}${path}`, { ...init, headers: { authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) } });

describe('Background CSV export on the local funnel', () => {
  it('queues the export (202), writes the file, and links to it; the link downloads the list as the one-answer CSV has it', { timeout: 60_000 }, async () => {
    const started = await call('/v1/console/exports?consent=granted', { method: 'POST' });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string; status: string };
    expect(job.status).toBe('queued');
    await funnel.settle();
    const done = await call(`/v1/console/exports/${job.id}`);
    expect(done.status).toBe(200);
    const view = (await done.json()) as { status: string; rows: number; url: string };
    expect(view).toMatchObject({ status: 'done', rows: 5 });
    const file = await fetch(view.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="leads-demo-\d{4}-\d\d-\d\d\.csv"$/);
    const oneAnswer = await (await call('/v1/console/exports/leads.csv?consent=granted')).text();
    expect(await file.text()).toBe(oneAnswer);
    // The link is the capability: altered, it downloads nothing
    expect((await fetch(view.url.replace(/sig=[^&]+/, 'sig=x'))).status).toBe(403);
  });

  it('shows an export to the person who started it only; a viewer may not start one; bad filters are a 400 naming the field', { timeout: 60_000 }, async () => {
    const job = (await (await call('/v1/console/exports', { method: 'POST' })).json()) as { id: string };
    const admin = (await signInLocally(funnel.url, 'admin')).access_token;
    expect((await call(`/v1/console/exports/${job.id}`, {}, admin)).status).toBe(404);
    const viewer = (await signInLocally(funnel.url, 'viewer')).access_token;
    expect((await call('/v1/console/exports', { method: 'POST' }, viewer)).status).toBe(403);
    const bad = await call('/v1/console/exports?minScore=50&maxScore=10', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { 'query.minScore': 'must not be above maxScore' } } });
  });
});

describe('Export jobs on DynamoDB Local', () => {
  it('keeps a done job done (a late retry changes nothing), lets a failed one be done by a redrive, and expires by TTL two days on', async () => {
    const { DynamoExportJobs } = await import('../../functions/adapters/dynamo/console-store.js');
    const { DynamoDBDocumentClient, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { localClient } = await import('../../local/dynamo.js');
    const client = DynamoDBDocumentClient.from(localClient(funnel.dynamoEndpoint));
    const jobs = new DynamoExportJobs({ client, tableName: funnel.tableName });
    const job = { id: 'j-1', siteId: 'demo', query: {}, by: { sub: 's' }, createdAt: '2026-12-07T10:00:00.000Z', status: 'queued' as const };
    await jobs.create(job);
    await expect(jobs.create(job)).rejects.toThrow();
    await jobs.finish('j-1', { status: 'failed', finishedAt: '2026-12-07T10:01:00.000Z', error: 'S3 is down' });
    expect(await jobs.get('j-1')).toMatchObject({ status: 'failed', error: 'S3 is down' });
    await jobs.finish('j-1', { status: 'done', rows: 3, bytes: 30, finishedAt: '2026-12-07T10:02:00.000Z' });
    await jobs.finish('j-1', { status: 'failed', finishedAt: '2026-12-07T10:03:00.000Z', error: 'late' });
    const done = await jobs.get('j-1');
    expect(done).toMatchObject({ status: 'done', rows: 3, finishedAt: '2026-12-07T10:02:00.000Z' });
    expect(done).not.toHaveProperty('error');
    await jobs.finish('no-such-job', { status: 'done', finishedAt: '2026-12-07T10:02:00.000Z' });
    expect(await jobs.get('no-such-job')).toBeUndefined();
    const { Item } = await client.send(new GetCommand({ TableName: funnel.tableName, Key: { PK: 'EXPORT#j-1', SK: 'EXPORT' } }));
    expect(Item?.expiresAt).toBe(Date.parse(job.createdAt) / 1000 + 2 * 86_400);
  });
});
