import { resolveConfig, localEnv } from '../functions/core/config.js';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import rawConfig from '../test/support/config.js';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { FakeClock } from '../functions/adapters/memory.js';
import type { FunnelConfigInput } from '../functions/core/config.js';
import { emailKey } from '../functions/core/email.js';
import type { StoredEnrolment } from '../functions/core/ports.js';
import { startDynamoLocal } from '../local/dynamo.js';
import { startFunnel } from '../local/runtime.js';
import { printTable } from './stats.js';

/**
 * Nurture dispatch: BENCH_DISPATCH_N (default 10,000) leads whose first sequence step is due, each with
 * its enrolment and due item in DynamoDB Local. One scheduler run queues them; the sender (the real
 * handler behind the local SQS stand-in: batches of 10, 2 batches at once) claims, renders, hands each
 * to the SES emulator and advances the enrolment. Baselines in the same run, against the same emulator:
 * a bare loop of SendEmail calls, one at a time and 20 at a time (the sender's own parallelism).
 */
const SITE = 'demo';
const TABLE = 'bench-dispatch';
// Tuesday 10:00 in New York: inside the demo sequence's Mon–Fri 9–17 window.
const NOW = new Date('2026-11-24T15:00:00.000Z');

// Long by design: a benchmark reads top to bottom (set up, measure, print).
export async function benchDispatch(): Promise<void> {
  const n = Number(process.env.BENCH_DISPATCH_N ?? 10_000);
  const config: FunnelConfigInput = resolveConfig(rawConfig, localEnv());
  const site = config.sites.find((s) => s.id === SITE)!;
  site.email!.sendRatePerSecond = 10_000; // measure the machinery, not the configured limit
  const dynamo = await startDynamoLocal();
  const funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: dynamo.endpoint,
    tableName: TABLE,
    rawConfig: config,
    clock: new FakeClock(NOW),
    dueCheckIntervalMs: 0,
    logLevel: 'silent',
  });
  try {
    const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
    let started = performance.now();
    await seed(doc, n);
    console.log(`\nseeded ${n} leads with a due step in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const email = (i: number) =>
      new SendEmailCommand({
        FromEmailAddress: '"Acme" <hello@acme.example>',
        Destination: { ToAddresses: [`loop${i}@acme.example`] },
        Content: {
          Simple: {
            Subject: { Data: 'Three ideas from the playbook you can use this week' },
            Body: { Html: { Data: '<p>Hi Jane,</p><p>Chapter 2 of the playbook …</p>' }, Text: { Data: 'Hi Jane, Chapter 2 of the playbook …' } },
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
      });
    // Warm up the emulator and its connections (JIT) before anything is timed.
    for (let i = 0; i < 200; i++) await funnel.ses.client.send(email(-i - 1));
    const before = (await funnel.ses.emails()).length;

    started = performance.now();
    const queued = await funnel.runDueChecks();
    const schedulerSeconds = (performance.now() - started) / 1000;
    await funnel.settle();
    const pipelineSeconds = (performance.now() - started) / 1000;
    const sent = (await funnel.ses.emails()).length - before;
    if (queued.queued !== n || sent !== n) throw new Error(`expected ${n} steps queued and sent, got ${queued.queued} queued and ${sent} sent`);

    started = performance.now();
    for (let i = 0; i < n; i++) await funnel.ses.client.send(email(i));
    const loopSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < n) await funnel.ses.client.send(email(next++));
      }),
    );
    const loop20Seconds = (performance.now() - started) / 1000;

    console.log(`the scheduler run (list + queue + delete ${n} due items) took ${schedulerSeconds.toFixed(1)} s of it`);
    // The same table I/O the sender does per email (read the partition; claim; mark; schedule the next
    // step; advance; unschedule), with the SendEmail in the middle and no logic: the design's floor here.
    started = performance.now();
    next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < n) {
          const i = next++;
          const PK = `BENCH#${i}`;
          await doc.send(
            new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': PK }, ConsistentRead: true }),
          );
          await doc.send(new PutCommand({ TableName: TABLE, Item: { PK, SK: 'SEND#x', status: 'sending' }, ConditionExpression: 'attribute_not_exists(PK)' }));
          await funnel.ses.client.send(email(i));
          await doc.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: { PK, SK: 'SEND#x' },
              UpdateExpression: 'SET #s = :s',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':s': 'sent' },
            }),
          );
          await doc.send(new PutCommand({ TableName: TABLE, Item: { PK: `BENCHDUE#${i}`, SK: 'x' } }));
          await doc.send(new PutCommand({ TableName: TABLE, Item: { PK, SK: 'ENROL#x', stepIndex: 1 } }));
          await doc.send(new DeleteCommand({ TableName: TABLE, Key: { PK: `BENCHDUE#${i}`, SK: 'x' } }));
        }
      }),
    );
    const floorSeconds = (performance.now() - started) / 1000;

    printTable(
      `Nurture dispatch: ${n} due steps, scheduler → queue → sender → SES emulator (sendRatePerSecond lifted)`,
      ['', 'seconds', 'emails/s', 'ratio to 1-at-a-time loop'],
      [
        ['scheduler run + sender (the real pipeline)', pipelineSeconds, n / pipelineSeconds, n / pipelineSeconds / (n / loopSeconds)],
        ['bare SendEmail loop, 1 at a time (baseline)', loopSeconds, n / loopSeconds, 1],
        ['bare SendEmail loop, 20 at a time', loop20Seconds, n / loop20Seconds, n / loop20Seconds / (n / loopSeconds)],
        ['same table I/O + SendEmail, no logic, 20 at a time', floorSeconds, n / floorSeconds, n / floorSeconds / (n / loopSeconds)],
      ],
    );
    console.log(`pipeline / same-I/O floor: ${(pipelineSeconds / floorSeconds).toFixed(2)}× the time`);
  } finally {
    await funnel.stop();
    await dynamo.stop();
  }
}

/**
 * N demo-site lead items as capture stores them, enrolled in the ebook sequence with step 1 due. No
 * submission items: their inserts would reach the stream consumer and send N delivery emails first.
 */
async function seed(doc: DynamoDBDocumentClient, n: number): Promise<void> {
  const due = new Date(NOW.getTime() - 60_000).toISOString();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const email = `reader${i}@acme-${i % 97}.example`;
    const ref = { siteId: SITE, emailKey: emailKey(email) };
    const at = '2026-11-22T10:00:00.000Z';
    const enrolment: StoredEnrolment = { state: { sequenceId: 'ebook-nurture', stepIndex: 0, nextAt: due, status: 'active' }, formId: 'ebook', enrolledAt: at };
    const leadId = crypto.randomUUID();
    items.push(
      {
        ...keys.lead(SITE, ref.emailKey),
        ...keys.leadById(leadId),
        entity: 'lead',
        leadId,
        siteId: SITE,
        email,
        firstName: 'Jane',
        company: `Acme ${i % 97}`,
        createdAt: at,
        updatedAt: at,
        consentMarketing: { granted: true, text: 'Send me the occasional email', version: '2026-11-01', formId: 'ebook', at },
      },
      { ...keys.enrolment(SITE, ref.emailKey, 'ebook-nurture'), entity: 'enrolment', ...enrolment },
      { ...keys.due(due, SITE, ref.emailKey, 'ebook-nurture'), entity: 'due', siteId: SITE },
    );
  }
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
          pending = (out.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
        }
      }
    }),
  );
}
