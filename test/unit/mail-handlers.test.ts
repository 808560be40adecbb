import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { emailKey } from '../../functions/core/email.js';
import type { MailJob } from '../../functions/core/ports.js';
import { makeLeadActivityHandler } from '../../functions/handlers/lead-activity.js';
import { makeMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { makeMailLinksHandler } from '../../functions/handlers/mail-links.js';
import { makeSendEmailHandler } from '../../functions/handlers/send-email.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { aSubmission, apiEvent, fakeMailDeps, ORIGIN } from '../support/builders.js';

const JANE = 'jane.doe@acme.com';
const ref = { siteId: 'demo', emailKey: emailKey(JANE) };
const ctx = { awsRequestId: 'req-1' } as never;
const sqsEvent = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:0:q',
    awsRegion: 'local',
  })) as never,
});

async function submitted(t: ReturnType<typeof fakeMailDeps>) {
  const body = aSubmission().build();
  await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
  return { type: 'submitted', ...ref, submissionId: body.submissionId as string } satisfies MailJob;
}

describe('Handler: lead activity queues mail jobs (the stream is the outbox)', () => {
  const record = (sk: string, seq: string) => ({
    eventName: 'INSERT',
    dynamodb: { Keys: { PK: { S: keys.leadPartition('demo', ref.emailKey) }, SK: { S: sk } }, SequenceNumber: seq },
  });

  it('queues a job per inserted submission and opt-in, and none for other items', async () => {
    // Prepare
    const t = fakeMailDeps();
    const handler = makeLeadActivityHandler(() => t.deps);
    const event = {
      Records: [record('SUB#s1', '1'), record('EV#e1', '2'), record('OPTIN#s0', '3'), record('SEND#delivery#s1', '4'), record('LOG#x#unsubscribed', '5')],
    } as unknown as DynamoDBStreamEvent;
    // Act
    const result = await handler(event);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(t.queue.take()).toEqual([
      { type: 'submitted', ...ref, submissionId: 's1' },
      { type: 'confirmed', ...ref, submissionId: 's0' },
    ]);
  });

  it('queues the emails even when the console lists cannot be refreshed (a read model never holds them up)', async () => {
    // Prepare: every refresh fails
    const t = fakeMailDeps();
    await submitted(t);
    vi.spyOn(t.deps.leadIndex, 'refresh').mockRejectedValue(new Error('the index is broken'));
    const handler = makeLeadActivityHandler(() => t.deps);
    // Act
    const result = await handler({ Records: [record('SUB#s1', '1')] } as unknown as DynamoDBStreamEvent);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(t.queue.take()).toEqual([{ type: 'submitted', ...ref, submissionId: 's1' }]);
  });

  it('reports the first record with a job when the queue is down, so the stream retries from there', async () => {
    // Prepare
    const t = fakeMailDeps();
    vi.spyOn(t.queue, 'enqueue').mockRejectedValueOnce(new Error('SQS unavailable'));
    const handler = makeLeadActivityHandler(() => t.deps);
    // Act
    const result = await handler({ Records: [record('EV#e1', '7'), record('SUB#s1', '8')] } as unknown as DynamoDBStreamEvent);
    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '8' }] });
  });
});

describe('Handler: send-email (SQS consumer)', () => {
  it('handles each job and reports only the failed ones for redelivery', async () => {
    // Prepare
    const t = fakeMailDeps();
    const job = await submitted(t);
    t.mailer.failNext('transient');
    const other = { ...job, submissionId: 'no-such-submission' };
    const handler = makeSendEmailHandler(() => t.deps);
    // Act
    const first = await handler(sqsEvent([JSON.stringify(job), JSON.stringify(other)]));
    const again = await handler(sqsEvent([JSON.stringify(job)]));
    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(t.mailer.outbox).toHaveLength(1);
  });

  it('sends a message that is not a mail job to the dead-letter queue (reported as failed)', async () => {
    const t = fakeMailDeps();
    const handler = makeSendEmailHandler(() => t.deps);
    const result = await handler(sqsEvent(['not json', JSON.stringify({ type: 'step', siteId: 'demo', emailKey: 'x' })]));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m0', 'm1']);
  });
});

describe('Handler: mail-events (SES events through SQS)', () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`../fixtures/ses/${name}.json`, import.meta.url), 'utf8').replace(/4f2a9c1e[0-9a-f]{56}/, ref.emailKey);

  it('suppresses on a recorded hard bounce, ignores deliveries, and retries what fails', async () => {
    // Prepare
    const t = fakeMailDeps();
    await submitted(t);
    const handler = makeMailEventsHandler(() => t.deps);
    // Act
    const result = await handler(sqsEvent([fixture('delivery'), fixture('bounce-permanent'), '{broken']));
    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect((await t.deps.nurture.load(ref))?.suppressed).toBe('bounced');
  });
});

describe('Handler: mail links (confirm, unsubscribe)', () => {
  async function unsubscribeToken(t: ReturnType<typeof fakeMailDeps>) {
    const job = await submitted(t);
    const { handleMailJob } = await import('../../functions/use-cases/send-mail.js');
    await handleMailJob(t.deps, job);
    return new URL(t.mailer.outbox[0]!.headers['List-Unsubscribe']!.slice(1, -1)).searchParams.get('token')!;
  }

  it('GET shows the page and unsubscribes nobody; POST (one-click) unsubscribes', async () => {
    // Prepare
    const t = fakeMailDeps();
    const token = await unsubscribeToken(t);
    const handler = makeMailLinksHandler(() => t.deps);
    // Act
    const page = await handler(apiEvent('GET /v1/unsubscribe', { query: { token }, headers: { accept: 'text/html' } }), ctx);
    const before = (await t.deps.nurture.load(ref))?.unsubscribedAt;
    const post = await handler(
      apiEvent('POST /v1/unsubscribe', {
        query: { token },
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      ctx,
    );
    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Unsubscribe</button>');
    expect(before).toBeUndefined();
    expect(post).toMatchObject({ statusCode: 200, body: JSON.stringify({ status: 'unsubscribed' }) });
    const view = await t.deps.leads.findByEmail('demo', ref.emailKey);
    expect(view!.timeline.filter((e) => e.type === 'unsubscribed')).toEqual([expect.objectContaining({ method: 'one-click' })]);
  });

  it.each([
    ['missing', undefined, 400, { token: 'is required' }],
    ['forged', 'u1.ZGVtby54.AAAA', 400, { token: 'is not a valid link token' }],
    ['hostile', '<script>alert(1)</script>', 400, { token: 'is not a valid link token' }],
    ['oversized', 'u1.'.padEnd(5000, 'a'), 400, { token: 'is not a valid link token' }],
  ])('answers a %s token with a 4xx naming the field, never a 5xx', async (_name, token, status, fields) => {
    const t = fakeMailDeps();
    const handler = makeMailLinksHandler(() => t.deps);
    for (const routeKey of ['GET /v1/confirm', 'GET /v1/unsubscribe', 'POST /v1/unsubscribe']) {
      const res = await handler(apiEvent(routeKey, token === undefined ? {} : { query: { token } }), ctx);
      expect(res.statusCode).toBe(status);
      expect(JSON.parse(res.body!)).toEqual({ error: { code: 'invalid_token', message: expect.any(String), fields } });
    }
  });

  it('refuses a body over 16 KB with 413', async () => {
    const t = fakeMailDeps();
    const token = await unsubscribeToken(t);
    const res = await makeMailLinksHandler(() => t.deps)(apiEvent('POST /v1/unsubscribe', { query: { token }, body: 'x'.repeat(17 * 1024) }), ctx);
    expect(res.statusCode).toBe(413);
    expect((await t.deps.nurture.load(ref))?.unsubscribedAt).toBeUndefined();
  });

  it('shows people an HTML error page (escaped), scripts a JSON error', async () => {
    const t = fakeMailDeps();
    const res = await makeMailLinksHandler(() => t.deps)(
      apiEvent('GET /v1/confirm', { query: { token: 'c1.bm9wZQ.AAAA' }, headers: { accept: 'text/html' } }),
      ctx,
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<h1>Link not valid</h1>');
  });
});

describe('Handler: lead activity raises webhooks (the stream is the outbox)', () => {
  const stageRecord = (seq: string) => ({
    eventName: 'INSERT',
    dynamodb: {
      Keys: { PK: { S: keys.leadPartition('demo', ref.emailKey) }, SK: { S: 'STAGE#sql' } },
      NewImage: {
        entry: {
          M: {
            type: { S: 'stage_changed' },
            at: { S: '2026-11-22T10:00:00.000Z' },
            from: { S: 'mql' },
            to: { S: 'sql' },
            total: { N: '90' },
            fit: { N: '30' },
            rulesVersion: { S: 'x' },
          },
        },
      },
      SequenceNumber: seq,
    },
  });

  it('a crash between recording the qualification and queueing its delivery loses nothing and doubles nothing', async () => {
    // Prepare: the lead qualified; queueing the webhook job fails once (the process "dies")
    const t = fakeMailDeps();
    await submitted(t);
    vi.spyOn(t.webhookQueue, 'enqueue').mockRejectedValueOnce(new Error('SQS unavailable'));
    const handler = makeLeadActivityHandler(() => t.deps);
    const event = { Records: [stageRecord('21')] } as unknown as DynamoDBStreamEvent;
    // Act: the event source mapping retries the failed record
    const first = await handler(event);
    const retry = await handler(event);
    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: '21' }] });
    expect(retry).toEqual({ batchItemFailures: [] });
    // One delivery to the webhook endpoint and to each destination taking prospect.ready, each queued once.
    expect([...t.webhooks.deliveries.values()].map((d) => `${d.endpointId} ${d.type}`).sort()).toEqual(
      ['crm', 'hubspot', 'pipedrive', 'sales-channel', 'salesforce'].map((e) => `${e} prospect.ready`),
    );
    expect(t.webhookQueue.take()).toEqual(['crm', 'hubspot', 'salesforce', 'pipedrive', 'sales-channel'].map((endpointId) => ({ ...ref, endpointId })));
    const listed = await t.deps.prospects.entriesAfter('demo', 'sql', {}, 10);
    expect(listed.map((e) => e.seq)).toEqual([1]);
  });
});
