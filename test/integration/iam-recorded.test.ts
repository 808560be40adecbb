import { CONSOLE_TEST_ADDRESS, emailKey } from '../../functions/core/email.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SesMailer } from '../../functions/adapters/ses/mailer.js';
import type { Mailer, MailQueue, WebhookQueue } from '../../functions/core/ports.js';
import { SqsMailQueue } from '../../functions/adapters/sqs/mail-queue.js';
import { SqsWebhookQueue } from '../../functions/adapters/sqs/webhook-queue.js';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../functions/adapters/dynamo/api-key-store.js';
import { InMemoryMailer, InMemoryMailQueue } from '../../functions/adapters/memory-mail.js';
import { InMemoryWebhookQueue, RecordingTransport, RecordingDestinations, StaticWebhookSecrets } from '../../functions/adapters/memory-webhooks.js';
import { type AppDeps, compose } from '../../functions/composition.js';
import { localEnv, resolveConfig } from '../../functions/core/config.js';
import { makeDeliverWebhooksHandler } from '../../functions/handlers/deliver-webhooks.js';
import { makeDueChecksHandler } from '../../functions/handlers/due-checks.js';
import { makeFormsHandler } from '../../functions/handlers/forms.js';
import { makeLeadActivityHandler } from '../../functions/handlers/lead-activity.js';
import { makeLeadsHandler } from '../../functions/handlers/leads.js';
import { makeMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { makeMailLinksHandler } from '../../functions/handlers/mail-links.js';
import { makeSendEmailHandler } from '../../functions/handlers/send-email.js';
import { makeWebhooksApiHandler } from '../../functions/handlers/webhooks-api.js';
import { hashApiKey } from '../../functions/use-cases/read-leads.js';
import rawConfig from '../support/config.js';
import { localClient } from '../../local/dynamo.js';
import { localStreamsClient, startStreamPoller } from '../../local/stream-poller.js';
import { actionsOf, FUNCTION_CONSTRUCT, functionId, statementsOf, synthTemplates, type Statement } from '../infra/helpers.js';
import { API_KEY, apiEvent, aSubmission, PUBLIC_API_URL, TOKEN_SECRET, WEBHOOK_SECRET } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/** One DynamoDB call as IAM authorises it: the action, table or index, and the partition keys it touches. */
interface Call {
  fn: string;
  action: string;
  resource: 'table' | 'index';
  leadingKeys: string[];
}

/** A key attribute, marshalled (`{ S }`) or not yet (the document client marshals batch requests later). */
const S = (v: unknown) => (typeof v === 'string' ? v : (v as { S?: string } | undefined)?.S);

/**
 * What IAM checks for a request: TransactWriteItems is authorised item by item (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem); the batch calls as themselves; every key's partition key is a leading key.
 */
function callsOf(fn: string, command: string, input: Record<string, any>): Call[] {
  const name = command.replace(/Command$/, '');
  if (name === 'TransactWriteItems')
    return (input.TransactItems as Record<string, any>[]).map((t) => {
      const [op, body] = Object.entries(t)[0]!;
      const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[op]!;
      return { fn, action: `dynamodb:${action}`, resource: 'table', leadingKeys: [S((body.Item ?? body.Key).PK)!] };
    });
  if (name === 'BatchGetItem' || name === 'BatchWriteItem') {
    const requests = Object.values(input.RequestItems as Record<string, any>).flatMap((r) => (name === 'BatchGetItem' ? r.Keys : r));
    const pks = requests.map((r: any) => S((r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? r).PK)!);
    return [{ fn, action: `dynamodb:${name}`, resource: 'table', leadingKeys: pks }];
  }
  const pk = S(input.Key?.PK ?? input.Item?.PK) ?? S(input.ExpressionAttributeValues?.[':pk']);
  return [{ fn, action: `dynamodb:${name}`, resource: input.IndexName ? 'index' : 'table', leadingKeys: pk && !input.IndexName ? [pk] : [] }];
}

/** A DynamoDB client of its own for one function, recording every call it makes. */
function recordingClient(endpoint: string, fn: string, sink: Call[]): DynamoDBClient {
  const client = localClient(endpoint);
  client.middlewareStack.add(
    (next, ctx) => async (args) => {
      sink.push(...callsOf(fn, String(ctx.commandName), args.input as Record<string, any>));
      return next(args);
    },
    { step: 'initialize', name: `record-${fn}` },
  );
  return client;
}

/** One SQS or SES call as IAM authorises it. */
interface EdgeCall {
  fn: string;
  /** `sqs:SendMessage` (SendMessage and SendMessageBatch alike) or `ses:SendEmail`. */
  action: string;
  /** SQS: the queue, by the URL its function was given. */
  queueUrl?: string;
  /** SES: the From address and configuration set of the email. */
  from?: string;
  configurationSet?: string;
}

/** The queue URLs each function is given in this run, by the queue's construct id in the stack. */
const QUEUE_URLS = {
  SendQueue: 'https://sqs.local/000000000000/send',
  WebhookQueue: 'https://sqs.local/000000000000/webhooks',
  WebhookDlq: 'https://sqs.local/000000000000/webhooks-dlq',
};
const CONFIGURATION_SETS = {
  configurationSetName: 'funnel-untracked',
  trackedSets: { opens: 'funnel-opens', clicks: 'funnel-clicks', 'opens-clicks': 'funnel-opens-clicks' },
};

/**
 * An SQS or SES client of its own for one function: every call is recorded and answered as AWS answers a
 * success, without leaving the process (the in-memory queue and mailer beside it carry the run's data).
 */
function recordingEdgeClient<C extends SQSClient | SESv2Client>(client: C, fn: string, sink: EdgeCall[]): C {
  (client.middlewareStack as SQSClient['middlewareStack']).add(
    () => async (args) => {
      const input = args.input as Record<string, any>;
      if ('QueueUrl' in input) {
        sink.push({ fn, action: 'sqs:SendMessage', queueUrl: input.QueueUrl });
        const output = input.Entries
          ? { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })), Failed: [] }
          : { MessageId: 'm' };
        return { output: { ...output, $metadata: {} }, response: {} } as never;
      }
      sink.push({ fn, action: 'ses:SendEmail', from: input.FromEmailAddress, configurationSet: input.ConfigurationSetName });
      return { output: { MessageId: `ses-${sink.length}`, $metadata: {} }, response: {} } as never;
    },
    { step: 'initialize', name: `record-${fn}` },
  );
  return client;
}

/** Both adapters get every job: the real one (recorded) and the in-memory one the run reads back. */
const both = <T extends object>(recorded: T, memory: T): T =>
  new Proxy(memory, {
    get: (target, name) => {
      const own = (target as Record<string | symbol, unknown>)[name];
      if (typeof own !== 'function' || !(name in recorded)) return own;
      return async (...args: unknown[]) => {
        await (recorded as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
        return (own as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });

/** Permissions this run does not reach, and why (each is exercised by the test named). */
const NOT_EXERCISED: Record<string, string> = {
  'LeadActivity dynamodb:BatchWriteItem': 'sweeping what an erasure that raced the consumer left (test/integration/erasure-race.test.ts)',
  'LeadActivity dynamodb:DeleteItem': 'the same sweep',
  'SendEmail dynamodb:BatchWriteItem': 'the same sweep, by the sender',
  'SendEmail dynamodb:DeleteItem': 'the same sweep, by the sender',
  'DeliverWebhooks dynamodb:BatchWriteItem': 'the same sweep, by the webhook sender',
  'DeliverWebhooks dynamodb:DeleteItem': 'the same sweep, and unscheduling a retry an erasure raced',
  'DeliverWebhooks dynamodb:PutItem': 'a retry later than 15 minutes, scheduled as a due item (the receiver here answers 200)',
  'DueChecks dynamodb:UpdateItem': 're-scoring a lead whose decay check is due (no clock moves days here)',
  'DueChecks dynamodb:DeleteItem': 'deleting a due check that ran (none is due yet here)',
  'MailEvents dynamodb:UpdateItem': 'counting a soft bounce and suppressing an address (an open is recorded here)',
  'DueChecks sqs:SendMessage SendQueue': 'queueing a nurture step that came due (no clock moves days here; test/integration/nurture-runtime.test.ts)',
  'DueChecks sqs:SendMessage WebhookQueue': 'queueing a webhook retry that came due (the receiver here answers 200)',
  'SendEmail sqs:SendMessage SendQueue': 'holding an email SES cannot send yet, on its own queue (test/unit/nurture/send-mail.test.ts)',
  'DeliverWebhooks sqs:SendMessage WebhookQueue': 'a retry due within 15 minutes, queued again with a delay (test/integration/webhooks-runtime.test.ts)',
  'DeliverWebhooks sqs:SendMessage WebhookDlq':
    'reporting a delivery that ran out of tries (test/unit/webhooks/deliver.test.ts; the receiver here answers 200)',
};

/** The made-up access token of the console's person in this run. */
const PERSON_TOKEN = 'iam-person-token';

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Whether one of the function's synthesized statements allows the call (action, table or index, leading keys). */
function allowed(call: Call, statements: Statement[]): boolean {
  return statements.some((s) => {
    if (!actionsOf([s]).includes(call.action)) return false;
    const onIndex = JSON.stringify(s.Resource).includes('/index/');
    if (onIndex !== (call.resource === 'index')) return false;
    const condition = (s as { Condition?: Record<string, Record<string, string[]>> }).Condition;
    const patterns = condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
    // A call whose partition keys the recorder could not read fails a leading-key condition instead of passing it.
    return !patterns || (call.leadingKeys.length > 0 && call.leadingKeys.every((k) => patterns.some((p) => glob(p).test(k))));
  });
}

describe('Least privilege, proven: every DynamoDB, SQS and SES call each function makes in a whole funnel run is allowed by its synthesized policy', () => {
  const calls: Call[] = [];
  let table: Awaited<ReturnType<typeof freshTable>>;
  const mailer = new InMemoryMailer();
  const mailQueue = new InMemoryMailQueue();
  const webhookQueue = new InMemoryWebhookQueue();
  const transport = new RecordingTransport();
  const config = resolveConfig(rawConfig, localEnv());
  const edgeCalls: EdgeCall[] = [];
  const depsOf = (fn: string): AppDeps => {
    const sqsClient = recordingEdgeClient(new SQSClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), fn, edgeCalls);
    const sesClient = recordingEdgeClient(new SESv2Client({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), fn, edgeCalls);
    return compose({
      tableName: table.tableName,
      dynamo: recordingClient(table.endpoint, fn, calls),
      rawConfig: config,
      tokenSecret: async () => TOKEN_SECRET,
      logLevel: 'silent',
      mailer: both<Mailer>(new SesMailer({ client: sesClient, ...CONFIGURATION_SETS }), mailer),
      mailQueue: both<MailQueue>(new SqsMailQueue({ client: sqsClient, queueUrl: QUEUE_URLS.SendQueue }), mailQueue),
      publicApiUrl: PUBLIC_API_URL,
      webhookQueue: both<WebhookQueue>(
        new SqsWebhookQueue({ client: sqsClient, queueUrl: QUEUE_URLS.WebhookQueue, deadLetterQueueUrl: QUEUE_URLS.WebhookDlq }),
        webhookQueue,
      ),
      webhookSecrets: new StaticWebhookSecrets(WEBHOOK_SECRET),
      webhookTransport: transport,
      destinations: new RecordingDestinations(),
      // The console's person: an admin of every site, whose token this run makes up (sign-in is proven elsewhere).
      people: { verify: async (token) => (token === PERSON_TOKEN ? { sub: 'iam-admin', email: 'ada@acme.com', roles: ['admin'], siteIds: ['*'] } : undefined) },
    });
  };

  beforeAll(async () => {
    table = await freshTable();
  });

  it('records the run, then holds each call against the policy of the function that made it', async () => {
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    await new DynamoApiKeyStore({ client: DynamoDBDocumentClient.from(localClient(table.endpoint)), tableName: table.tableName }).save(
      hashApiKey(API_KEY),
      { name: 'iam', siteIds: ['*'] },
      new Date().toISOString(),
    );
    const auth = { authorization: `Bearer ${API_KEY}` };
    const sqs = (bodies: unknown[]): SQSEvent => ({
      Records: bodies.map((b, i) => ({ messageId: `m-${i}`, body: JSON.stringify(b), attributes: { ApproximateReceiveCount: '1' } }) as never),
    });

    // Capture: a reader submits the ebook form with consent, then views the pricing page.
    const forms = makeFormsHandler(() => depsOf('Capture'));
    const body = aSubmission().withEmail('iam@acme.com').build();
    const created = await forms(apiEvent('POST /v1/forms/{formId}/submissions', { path: { formId: 'ebook' }, body: JSON.stringify(body) }), {} as never);
    expect(created.statusCode).toBe(202);
    const { visitorToken } = JSON.parse(created.body!);
    const { leadId } = (await depsOf('Leads').leads.findByEmail('demo', emailKey('iam@acme.com')))!;
    const view = await forms(
      apiEvent('POST /v1/events', {
        body: JSON.stringify({ visitorToken, eventId: crypto.randomUUID(), type: 'page_viewed', url: 'http://localhost:3000/pricing' }),
      }),
      {} as never,
    );
    expect(view.statusCode).toBe(202);
    // The widget's impression beacon (the form's counters, with the proof its definition came with) and
    // progressive profiling's question.
    const definition = await forms(apiEvent('GET /v1/forms/{formId}', { path: { formId: 'ebook' } }), {} as never);
    const { proof } = JSON.parse(definition.body!);
    const beacon = await forms(
      apiEvent('POST /v1/impressions', {
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ impressions: [{ formId: 'ebook', page: '/posts/funnels', campaign: 'q4', proof }] }),
      }),
      {} as never,
    );
    expect(beacon.statusCode).toBe(204);
    const known = await forms(apiEvent('POST /v1/forms/{formId}/known', { path: { formId: 'ebook' }, body: JSON.stringify({ visitorToken }) }), {} as never);
    expect(JSON.parse(known.body!).known).toContain('firstName');

    // The table stream's consumer: re-scores, queues the delivery email, indexes the qualification, raises its webhook.
    const leadActivity = makeLeadActivityHandler(() => depsOf('LeadActivity'));
    const poller = await startStreamPoller({
      dynamo: localClient(table.endpoint),
      streams: localStreamsClient(table.endpoint),
      tableName: table.tableName,
      handler: leadActivity,
      pollIntervalMs: 20,
    });
    await poller.idle();
    // The sender, the webhook sender, the scheduler.
    expect((await makeSendEmailHandler(() => depsOf('SendEmail'))(sqs(mailQueue.take()))).batchItemFailures).toEqual([]);
    expect(mailer.outbox.length).toBeGreaterThan(0);
    const hooks = await makeDeliverWebhooksHandler(() => depsOf('DeliverWebhooks'))(sqs(webhookQueue.jobs.splice(0).map(({ delaySeconds: _, ...job }) => job)));
    expect(hooks.batchItemFailures).toEqual([]);
    expect(transport.requests.length).toBeGreaterThan(0);
    await makeDueChecksHandler(() => depsOf('DueChecks'))();
    await poller.idle();
    // SES events: a complaint about the delivery email.
    const sent = mailer.outbox[0]!;
    await makeMailEventsHandler(() => depsOf('MailEvents'))(
      sqs([
        {
          eventType: 'Open',
          open: { timestamp: new Date().toISOString(), ipAddress: '192.0.2.1', userAgent: 'x' },
          mail: {
            timestamp: new Date().toISOString(),
            messageId: sent.messageId,
            tags: Object.fromEntries(Object.entries(sent.tags).map(([k, v]) => [k, [v]])),
          },
        },
      ]),
    );
    // The sales API: read, list prospects, claim, export; the webhook log and a replay; the email's unsubscribe link; erasure.
    const leads = makeLeadsHandler(() => depsOf('Leads'));
    const webhooksApi = makeWebhooksApiHandler(() => depsOf('WebhooksApi'));
    expect((await leads(apiEvent('GET /v1/leads/{leadId}', { path: { leadId }, headers: auth }), {} as never)).statusCode).toBe(200);
    expect((await leads(apiEvent('GET /v1/leads', { query: { email: 'iam@acme.com' }, headers: auth }), {} as never)).statusCode).toBe(200);
    expect((await leads(apiEvent('GET /v1/prospects', { query: { site: 'demo', stage: 'mql' }, headers: auth }), {} as never)).statusCode).toBe(200);
    const stats = await leads(apiEvent('GET /v1/forms/{formId}/stats', { path: { formId: 'ebook' }, query: { by: 'campaign' }, headers: auth }), {} as never);
    expect(JSON.parse(stats.body!).totals).toContainEqual(expect.objectContaining({ key: 'q4', impressions: 1, submissions: 1 }));
    await leads(apiEvent('POST /v1/prospects/{leadId}/claim', { path: { leadId }, body: JSON.stringify({ rep: 'ada@acme.com' }), headers: auth }), {} as never);
    expect((await leads(apiEvent('GET /v1/leads/{leadId}/export', { path: { leadId }, headers: auth }), {} as never)).statusCode).toBe(200);
    const log = await webhooksApi(apiEvent('GET /v1/webhooks/deliveries', { query: { endpoint: 'crm' }, headers: auth }), {} as never);
    const deliveries = JSON.parse(log.body!).deliveries as { deliveryId: string }[];
    expect(deliveries.length).toBeGreaterThan(0);
    const replayed = await webhooksApi(
      apiEvent('POST /v1/webhooks/deliveries/{deliveryId}/replay', { path: { deliveryId: deliveries[0]!.deliveryId }, headers: auth }),
      {} as never,
    );
    expect(replayed.statusCode).toBeLessThan(300);
    // The smoke test's webhook: a test lead's test event, queued by the webhooks API.
    const testLead = await forms(
      apiEvent('POST /v1/forms/{formId}/submissions', {
        path: { formId: 'ebook' },
        body: JSON.stringify(aSubmission().withEmail('success+iam@simulator.amazonses.com').build()),
      }),
      {} as never,
    );
    expect(testLead.statusCode).toBe(202);
    const testLeadId = (await depsOf('Leads').leads.findByEmail('demo', emailKey('success+iam@simulator.amazonses.com')))!.leadId;
    const tested = await webhooksApi(
      apiEvent('POST /v1/webhooks/test', { body: JSON.stringify({ lead: testLeadId, endpoint: 'crm' }), headers: auth }),
      {} as never,
    );
    expect(tested.statusCode).toBe(202);
    // The console, as an admin: the emails page, a test email, the desk's log and its test event.
    const person = { authorization: `Bearer ${PERSON_TOKEN}` };
    expect((await leads(apiEvent('GET /v1/console/emails', { headers: person }), {} as never)).statusCode).toBe(200);
    const testEmail = await leads(
      apiEvent('POST /v1/console/emails/test', { headers: person, body: JSON.stringify({ email: 'delivery#ebook', to: 'ada@acme.com' }) }),
      {} as never,
    );
    expect(testEmail.statusCode).toBe(200);
    await forms(
      apiEvent('POST /v1/forms/{formId}/submissions', {
        path: { formId: 'ebook' },
        body: JSON.stringify(aSubmission().withEmail(CONSOLE_TEST_ADDRESS).build()),
      }),
      {} as never,
    );
    expect(
      (await leads(apiEvent('POST /v1/console/handoff/{endpointId}/test', { path: { endpointId: 'crm' }, headers: person }), {} as never)).statusCode,
    ).toBe(202);
    expect((await leads(apiEvent('GET /v1/console/handoff/{endpointId}', { path: { endpointId: 'crm' }, headers: person }), {} as never)).statusCode).toBe(200);
    const unsubscribe = new URL(sent.headers['List-Unsubscribe']!.slice(1, -1));
    await makeMailLinksHandler(() => depsOf('MailLinks'))(
      apiEvent('POST /v1/unsubscribe', {
        query: { token: unsubscribe.searchParams.get('token')! },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      }),
      {} as never,
    );
    expect((await leads(apiEvent('DELETE /v1/leads/{leadId}', { path: { leadId }, headers: auth }), {} as never)).statusCode).toBe(204);
    await poller.idle();
    await poller.stop();

    // Assess: every call allowed by its function's statements in the synthesized stack.
    const { stateless } = synthTemplates();
    const byFunction = new Map<string, Call[]>();
    for (const call of calls) byFunction.set(call.fn, [...(byFunction.get(call.fn) ?? []), call]);
    const denied: string[] = [];
    for (const [fn, made] of byFunction) {
      const statements = statementsOf(stateless, functionId(stateless, fn));
      for (const call of made) if (!allowed(call, statements)) denied.push(`${fn}: ${call.action} on ${call.resource} ${call.leadingKeys.join(',')}`);
    }
    expect([...new Set(denied)]).toEqual([]);
    // The run exercised every function that touches the table.
    expect([...byFunction.keys()].sort()).toEqual([
      'Capture',
      'DeliverWebhooks',
      'DueChecks',
      'LeadActivity',
      'Leads',
      'MailEvents',
      'MailLinks',
      'SendEmail',
      'WebhooksApi',
    ]);
    // Every permission granted was used, or is listed here with why this run does not reach it.
    const used = new Set(calls.map((c) => `${c.fn} ${c.action}`));
    const unused = [...byFunction.keys()].flatMap((fn) =>
      actionsOf(statementsOf(stateless, functionId(stateless, fn)).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:'))))
        .filter((a) => a.startsWith('dynamodb:') && !/Stream|GetRecords|GetShardIterator/.test(a) && !used.has(`${fn} ${a}`))
        .map((a) => `${fn} ${a}`),
    );
    // (A sweep may or may not run here: it depends on whether the consumer sees the lead before or after its erasure.)
    expect([...new Set(unused)].filter((p) => !(p in NOT_EXERCISED))).toEqual([]);

    // SQS and SES: every call allowed by a statement of its function, for that queue, or for SES with the
    // email's configuration set and From address (the synthesized config is the run's with its local names
    // made deployable: acme.example becomes acme.com, test/infra/helpers.ts).
    const resources = stateless.toJSON().Resources as Record<string, { Type: string }>;
    const queueOf = (url: string) => {
      const construct = Object.entries(QUEUE_URLS).find(([, u]) => u === url)![0];
      return Object.keys(resources).find((id) => id.startsWith(construct) && resources[id]!.Type === 'AWS::SQS::Queue')!;
    };
    const allowsEdge = (call: EdgeCall, s: Statement) => {
      if (!actionsOf([s]).includes(call.action)) return false;
      const on = JSON.stringify(s.Resource);
      if (call.queueUrl) return on.includes(`"${queueOf(call.queueUrl)}"`);
      const from = call.from!.replaceAll('acme.example', 'acme.com');
      const patterns = (s as { Condition?: { StringLike?: Record<string, string[]> } }).Condition?.StringLike?.['ses:FromAddress'] ?? [];
      return on.includes('identity/*') && (!call.configurationSet || on.includes('configuration-set/')) && patterns.some((p) => glob(p).test(from));
    };
    const deniedEdge = edgeCalls.filter((c) => !statementsOf(stateless, functionId(stateless, c.fn)).some((s) => allowsEdge(c, s)));
    expect(deniedEdge.map((c) => `${c.fn}: ${c.action} ${c.queueUrl ?? c.from}`)).toEqual([]);
    // Who sends where, as made: and every SQS and SES grant is used, or listed with why it is not reached here.
    const made = new Set(edgeCalls.map((c) => `${c.fn} ${c.action}${c.queueUrl ? ` ${queueOf(c.queueUrl).replace(/[0-9A-F]{8}$/, '')}` : ''}`));
    expect([...made].sort()).toEqual([
      'LeadActivity sqs:SendMessage SendQueue',
      'LeadActivity sqs:SendMessage WebhookQueue',
      // The console's test email.
      'Leads ses:SendEmail',
      // An erasure queues the person's erasure at the demo's CRM destinations; the desk's test event.
      'Leads sqs:SendMessage WebhookQueue',
      'SendEmail ses:SendEmail',
      'WebhooksApi sqs:SendMessage WebhookQueue',
    ]);
    const granted = Object.values(FUNCTION_CONSTRUCT).flatMap((fn) =>
      statementsOf(stateless, functionId(stateless, fn)).flatMap((s) => [
        ...(actionsOf([s]).includes('ses:SendEmail') ? [`${fn} ses:SendEmail`] : []),
        ...(actionsOf([s]).includes('sqs:SendMessage')
          ? Object.keys(QUEUE_URLS)
              .filter((q) => JSON.stringify(s.Resource).includes(`"${queueOf(QUEUE_URLS[q as keyof typeof QUEUE_URLS])}"`))
              .map((q) => `${fn} sqs:SendMessage ${q}`)
          : []),
      ]),
    );
    expect(granted.filter((g) => !made.has(g) && !(g in NOT_EXERCISED))).toEqual([]);
  }, 120_000);
});
