import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { InvalidSettingError } from '../../infra/funnel-app.js';
import { MAIL_EVENTS_QUEUE, REPUTATION_ALARMS, SEND_QUEUE } from '../../infra/stateless-stack.js';
import { actionsOf, dynamoStatements, FUNCTION_CONSTRUCT, functionId, infraConfig, statementsOf, synthTemplates } from './helpers.js';

const sorted = (a: readonly string[]) => [...a].sort();

describe('Infra: SES sending identity and events (stateful stack)', () => {
  const { stateful } = synthTemplates();

  it('verifies the sender domain from the config (acme.com) with Easy DKIM, tied to the configuration set', () => {
    expect(Object.keys(stateful.findResources('AWS::SES::EmailIdentity'))).toEqual([expect.stringMatching(/^SenderIdentityAcmeCom/)]);
    // Assess
    stateful.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'acme.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    const outputs = Object.keys(stateful.findOutputs('*'));
    expect(outputs.filter((o) => o.startsWith('SenderIdentityAcmeComDkimRecord'))).toHaveLength(3);
    expect(outputs).toContain('ConfigurationSetName');
  });

  it('sends through a configuration set with reputation metrics, TLS required and bounce/complaint suppression', () => {
    stateful.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });

  it('publishes only what the SES-events consumer reads: deliveries, bounces and complaints (no tracking unless a site asks)', () => {
    const destinations = Object.values(stateful.findResources('AWS::SES::ConfigurationSetEventDestination'));
    expect(destinations).toHaveLength(1);
    expect(destinations[0]!.Properties.EventDestination).toMatchObject({
      Enabled: true,
      SnsDestination: { TopicARN: { Ref: expect.stringMatching(/^MailEventsTopic/) } },
    });
    expect(sorted(destinations[0]!.Properties.EventDestination.MatchingEventTypes)).toEqual(['bounce', 'complaint', 'delivery']);
  });

  it('gives each tracking choice a site makes its configuration set (opens and/or clicks), and the sender its name', () => {
    const tracked = infraConfig((c) => (c.sites[0]!.email!.tracking = { opens: false, clicks: true }));
    const { stateful: s, stateless: l } = synthTemplates({ config: tracked });
    const types = Object.values(s.findResources('AWS::SES::ConfigurationSetEventDestination')).map((d) =>
      sorted(d.Properties.EventDestination.MatchingEventTypes).join('+'),
    );
    expect(sorted(types)).toEqual(['bounce+click+complaint+delivery', 'bounce+complaint+delivery']);
    const env = l.findResources('AWS::Lambda::Function')[functionId(l, 'SendEmail')]!.Properties.Environment.Variables;
    expect(JSON.stringify(env.SES_TRACKED_CONFIGURATION_SETS)).toContain('clicks');
    const sends = statementsOf(l, functionId(l, 'SendEmail')).filter((st) => actionsOf([st]).includes('ses:SendEmail'));
    expect(JSON.stringify(sends[0]!.Resource).match(/configuration-set\//g)).toHaveLength(2);
  });

  it('lets a second stage (or a domain verified in the console) use an identity that exists instead of creating it again', () => {
    // SES keeps one identity per domain per account and region: a second stage creating it fails its deploy.
    const second = synthTemplates({ context: { stage: 'staging', existingIdentities: 'acme.com' } });
    second.stateful.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const sends = statementsOf(second.stateless, functionId(second.stateless, 'SendEmail')).filter((s) => actionsOf([s]).includes('ses:SendEmail'));
    expect(JSON.stringify((sends[0] as { Condition?: unknown }).Condition)).toContain('*@acme.com');
    synthTemplates({ context: { existingIdentities: '*' } }).stateful.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });

  it('gives every site its sender identity, and fails synth on a sender no managed identity covers, naming its path', () => {
    const twoSites = infraConfig((c) => {
      const other = structuredClone(c.sites[0]!);
      other.id = 'news';
      other.email!.from = 'News <news@mail.acme.org>';
      // Form and sequence ids are unique across sites.
      for (const form of other.forms) {
        form.id = `news-${form.id}`;
        if (form.email?.sequence) {
          form.email.sequence.id = `news-${form.email.sequence.id}`;
          delete form.email.sequence.exit;
        }
      }
      c.sites.push(other);
    });
    const { stateful, stateless } = synthTemplates({ config: twoSites });
    expect(Object.values(stateful.findResources('AWS::SES::EmailIdentity')).map((r) => r.Properties.EmailIdentity)).toEqual(['acme.com', 'mail.acme.org']);
    const sends = statementsOf(stateless, functionId(stateless, 'SendEmail')).filter((s) => actionsOf([s]).includes('ses:SendEmail'));
    expect(JSON.stringify((sends[0] as { Condition?: unknown }).Condition)).toContain('*@mail.acme.org');
    expect(() => synthTemplates({ config: twoSites, context: { senderDomains: 'acme.com' } })).toThrow(
      /sites\[id=news\]\.email\.from: News <news@mail\.acme\.org> is not on a domain this deployment sends from \(acme\.com\)/,
    );
    // A subdomain sends under its parent's identity, as SES allows.
    const sub = infraConfig((c) => (c.sites[0]!.email!.from = 'Acme <hello@mail.acme.com>'));
    expect(() => synthTemplates({ config: sub, context: { senderDomains: 'acme.com' } })).not.toThrow();
  });

  it('lets SES publish to the events topic (its policy replaces the default one), from this account only', () => {
    const [policy] = Object.values(stateful.findResources('AWS::SNS::TopicPolicy'));
    const statements = policy!.Properties.PolicyDocument.Statement as {
      Effect: string;
      Principal?: { Service?: string };
      Action: string;
      Condition?: unknown;
    }[];
    const ses = statements.find((s) => s.Principal?.Service === 'ses.amazonaws.com')!;
    expect(ses).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
  });

  it('keeps the SES identity (its DKIM keys), the configuration set and the events topic when the stack is deleted, unless retainData=false', () => {
    const policies = (t: typeof stateful) =>
      ['AWS::SES::EmailIdentity', 'AWS::SES::ConfigurationSet', 'AWS::SNS::Topic'].map((type) => Object.values(t.findResources(type))[0]!.DeletionPolicy);
    expect(policies(stateful)).toEqual(['Retain', 'Retain', 'Retain']);
    expect(policies(synthTemplates({ context: { retainData: 'false' } }).stateful)).toEqual(['Delete', 'Delete', 'Delete']);
  });

  it('takes the sender domains from context, and refuses a bad one naming the key', () => {
    const two = synthTemplates({ context: { senderDomains: 'Acme.COM,news.acme.com' } }).stateful;
    const identities = Object.values(two.findResources('AWS::SES::EmailIdentity')).map((r) => r.Properties.EmailIdentity);
    expect(identities).toEqual(['acme.com', 'news.acme.com']);
    expect(Object.keys(two.findOutputs('*')).filter((o) => o.includes('DkimRecord'))).toHaveLength(6);
    expect(() => synthTemplates({ context: { senderDomains: 'not a domain' } })).toThrow(InvalidSettingError);
    expect(() => synthTemplates({ context: { senderDomains: 'not a domain' } })).toThrow('"senderDomains"');
    const noEmail = infraConfig((c) => {
      for (const site of c.sites) {
        delete site.email;
        for (const form of site.forms) delete form.email;
      }
    });
    // No site sends email and no -c senderDomains: no identity, and the sender may send nothing.
    const { stateful, stateless } = synthTemplates({ config: noEmail });
    stateful.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(JSON.stringify(stateless.findResources('AWS::IAM::Policy'))).not.toContain('ses:SendEmail');
  });
});

describe('Infra: the mail queue, the sender and the SES events consumer (stateless stack)', () => {
  const { stateless } = synthTemplates();
  const functions = stateless.findResources('AWS::Lambda::Function');
  const env = (group: string) => functions[functionId(stateless, group)]!.Properties.Environment.Variables;
  const mappingOf = (group: string) =>
    Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find((m) => m.Properties.FunctionName.Ref === functionId(stateless, group))!;
  const queues = stateless.findResources('AWS::SQS::Queue');

  it('feeds the sender from the send queue: batches of 10, item failures reported, at most 2 environments at once', () => {
    expect(mappingOf('SendEmail').Properties).toMatchObject({
      BatchSize: SEND_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^SendQueue/), 'Arn'] },
    });
    expect(env('SendEmail').SEND_CONCURRENCY).toBe('2');
  });

  it('retries a mail job 10 times, 3 minutes apart, then keeps it 14 days in a dead-letter queue (encrypted, TLS only)', () => {
    const send = Object.entries(queues).find(([id]) => id.startsWith('SendQueue'))![1];
    expect(send.Properties).toMatchObject({
      VisibilityTimeout: 6 * SEND_QUEUE.functionTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: SEND_QUEUE.maxReceiveCount, deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^SendDlq/), 'Arn'] } },
    });
    const dlq = Object.entries(queues).find(([id]) => id.startsWith('SendDlq'))![1];
    expect(dlq.Properties).toMatchObject({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
  });

  it('subscribes the SES events queue to the topic with raw delivery, consumed in batches with item failures and its own DLQ', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      TopicArn: { 'Fn::ImportValue': Match.stringLikeRegexp('MailEventsTopic') },
    });
    expect(mappingOf('MailEvents').Properties).toMatchObject({ BatchSize: MAIL_EVENTS_QUEUE.batchSize, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const events = Object.entries(queues).find(([id]) => id.startsWith('MailEventsQueue'))![1];
    expect(events.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: MAIL_EVENTS_QUEUE.maxReceiveCount });
  });

  it('makes an SES event visible again after 6x its consumer timeout (10 s, 60 s), as AWS recommends', () => {
    const events = Object.entries(queues).find(([id]) => id.startsWith('MailEventsQueue'))![1];
    expect(functions[functionId(stateless, 'MailEvents')]!.Properties.Timeout).toBe(MAIL_EVENTS_QUEUE.functionTimeoutSeconds);
    expect(events.Properties.VisibilityTimeout).toBe(6 * MAIL_EVENTS_QUEUE.functionTimeoutSeconds);
  });

  it('keeps every dead-letter queue when the stack is deleted (work not yet done), unless retainData=false', () => {
    const dlqPolicies = (t: typeof stateless) =>
      Object.entries(t.findResources('AWS::SQS::Queue'))
        .filter(([id]) => /Dlq/.test(id))
        .map(([, q]) => q.DeletionPolicy);
    expect(dlqPolicies(stateless)).toEqual(['Retain', 'Retain', 'Retain', 'Retain']);
    expect(new Set(dlqPolicies(synthTemplates({ context: { retainData: 'false' } }).stateless))).toEqual(new Set(['Delete']));
  });

  it('grants only the calls made: GetSecretValue (not DescribeSecret), SendMessage alone to a producer (not queue attributes or URL)', () => {
    const statements = Object.values(stateless.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(new Set(actionsOf(statements).filter((a) => a.startsWith('secretsmanager:')))).toEqual(new Set(['secretsmanager:GetSecretValue']));
    // Consumers' statements (receive, delete, attributes) are Lambda's event source mapping's, made with the function's role.
    // A consumer that also produces (the sender holds its own jobs) has both in one statement; beyond what
    // Lambda's event source mapping needs, only SendMessage.
    const consume = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
    const sends = statements.filter((s) => actionsOf([s]).includes('sqs:SendMessage'));
    expect(sends.length).toBeGreaterThan(0);
    for (const s of sends) expect(actionsOf([s]).filter((a) => !consume.includes(a))).toEqual(['sqs:SendMessage']);
    for (const group of ['LeadActivity', 'DueChecks']) {
      for (const s of statementsOf(stateless, functionId(stateless, group)).filter((s) => actionsOf([s]).some((a) => a.startsWith('sqs:'))))
        expect(actionsOf([s])).toEqual(['sqs:SendMessage']);
    }
  });

  it('gives the sender its configuration set, the API URL for links, the table and the signing secret', () => {
    expect(env('SendEmail')).toMatchObject({
      TABLE_NAME: expect.anything(),
      TOKEN_SECRET_ARN: expect.anything(),
      SES_CONFIGURATION_SET: { 'Fn::ImportValue': expect.stringMatching(/ConfigurationSet/) },
      PUBLIC_API_URL: expect.anything(),
    });
    expect(JSON.stringify(env('SendEmail').PUBLIC_API_URL)).toContain('HttpApi');
    for (const producer of ['LeadActivity', 'DueChecks']) expect(env(producer).SEND_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^SendQueue/) });
  });

  it('least privilege: only the sender and the console (test emails) may send email, from its domains, through its configuration set, and to sandbox recipients', () => {
    for (const group of ['Capture', 'OpenApi', 'MailLinks', 'LeadActivity', 'DueChecks', 'MailEvents']) {
      expect(actionsOf(statementsOf(stateless, functionId(stateless, group))).filter((a) => a.startsWith('ses:'))).toEqual([]);
    }
    for (const group of ['SendEmail', 'Leads']) {
      const sends = statementsOf(stateless, functionId(stateless, group)).filter((s) => actionsOf([s]).includes('ses:SendEmail'));
      expect(actionsOf(sends)).toEqual(['ses:SendEmail']);
      // identity/*: in the SES sandbox the recipient's (verified) identity is authorised too; the From condition keeps it to our domains.
      const resources = JSON.stringify(sends[0]!.Resource);
      expect(resources).toContain(':identity/*');
      expect(resources).toContain('configuration-set/');
      expect((sends[0] as { Condition?: unknown }).Condition).toEqual({
        StringLike: { 'ses:FromAddress': ['*@acme.com', '*.acme.com', '*@acme.com>', '*.acme.com>'] },
      });
    }
    // The console sends through the untracked set only: a test's events find no lead, and count nowhere.
    const consoleSend = statementsOf(stateless, functionId(stateless, 'Leads')).find((s) => actionsOf([s]).includes('ses:SendEmail'))!;
    expect(JSON.stringify(consoleSend.Resource).match(/configuration-set\//g)).toHaveLength(1);
  });

  it("the console reads SES's account and the sender identities, reads the suppression list and may remove from it: nothing else of SES", () => {
    const ses = statementsOf(stateless, functionId(stateless, 'Leads')).filter((s) =>
      actionsOf([s]).some((a) => a.startsWith('ses:') && a !== 'ses:SendEmail'),
    );
    expect(sorted(actionsOf(ses))).toEqual(
      sorted(['ses:GetEmailIdentity', 'ses:GetAccount', 'ses:ListSuppressedDestinations', 'ses:GetSuppressedDestination', 'ses:DeleteSuppressedDestination']),
    );
    const identity = ses.find((s) => actionsOf([s]).includes('ses:GetEmailIdentity'))!;
    expect(JSON.stringify(identity.Resource)).toContain(':identity/acme.com');
  });

  it('least privilege: table access per mail function, deletes only what an erasure it raced left, no Scan', () => {
    const actions = (group: string) => sorted(actionsOf(dynamoStatements(statementsOf(stateless, functionId(stateless, group)))));
    expect(actions('SendEmail')).toEqual(
      sorted(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']),
    );
    expect(actions('MailEvents')).toEqual(sorted(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    // The links find the lead by id (GSI1) and read its partition (Query): no GetItem.
    expect(actions('MailLinks')).toEqual(sorted(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    const deleteOf = dynamoStatements(statementsOf(stateless, functionId(stateless, 'SendEmail'))).find((s) =>
      actionsOf([s]).includes('dynamodb:DeleteItem'),
    ) as { Condition?: unknown };
    expect(deleteOf.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*', 'DUE#*', 'PROSPECTS#*', 'WHLOG#*'] } });
  });

  it('lets only the stream consumer, the scheduler and the sender itself (holding a job SES cannot send yet) put jobs on the send queue', () => {
    const sendQueueId = Object.keys(stateless.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('SendQueue'))!;
    const senders = Object.values(stateless.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).some(
        (st) => [st.Action].flat().includes('sqs:SendMessage') && JSON.stringify(st.Resource).includes(sendQueueId),
      ),
    );
    const roles = senders.flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref.replace(/Role.*$/, ''))).sort();
    expect(roles).toEqual(['DueChecks', 'LeadActivity', 'SendEmail']);
    expect(env('SendEmail').SEND_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^SendQueue/) });
  });
});

describe('Infra: alarms', () => {
  const { stateless } = synthTemplates();
  const alarms = stateless.findResources('AWS::CloudWatch::Alarm');
  const alarm = (prefix: string) => Object.entries(alarms).find(([id]) => id.startsWith(prefix))![1].Properties;

  it('alarms on any message in each dead-letter queue', () => {
    for (const [prefix, dlq] of [
      ['SendDlqAlarm', 'SendDlq'],
      ['MailEventsDlqAlarm', 'MailEventsDlq'],
    ]) {
      expect(alarm(prefix!)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${dlq}`)), 'QueueName'] } }],
      });
    }
  });

  it(`alarms on an SES bounce rate over ${REPUTATION_ALARMS.bounceRate * 100}% and a complaint rate over ${REPUTATION_ALARMS.complaintRate * 100}%`, () => {
    expect(alarm('BounceRateAlarm')).toMatchObject({ Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: 0.05 });
    expect(alarm('ComplaintRateAlarm')).toMatchObject({ Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Threshold: 0.001 });
  });

  it('alarms on an API 5xx rate of 1% and on any error or throttle of each function', () => {
    const api = alarm('Api5xxRateAlarm');
    expect(api.Threshold).toBe(1);
    const expr = api.Metrics.find((m: { Expression?: string }) => m.Expression)!;
    expect(expr.Expression).toBe('100 * FILL(errors, 0) / IF(FILL(requests, 0) > 0, FILL(requests, 0), 1)');
    const byId = Object.fromEntries(api.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric.MetricName]));
    expect(byId).toEqual({ errors: '5xx', requests: 'Count' });
    for (const fn of Object.values(FUNCTION_CONSTRUCT)) {
      const a = alarm(`${fn}ErrorsAlarm`);
      expect(a.Threshold).toBe(1);
      // A period with errors and no throttle datapoint still breaches.
      expect(a.Metrics.find((m: { Expression?: string }) => m.Expression).Expression).toBe('FILL(errors, 0) + FILL(throttles, 0)');
      const names = a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);
      expect(names.sort()).toEqual(['Errors', 'Throttles']);
    }
  });

  it('draws the funnel on one dashboard: captures → leads → MQL → SQL, emails, deliveries, API errors and latency, function errors, dead letters', () => {
    const [dashboard] = Object.values(stateless.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const metric of [
      'Captures',
      'NewLeads',
      'MQLs',
      'SQLs',
      'EmailsSent',
      'EmailsSuppressed',
      'WebhooksDelivered',
      'WebhooksDeadLettered',
      '5xx',
      'Latency',
      'Errors',
      'Throttles',
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(body).toContain(`\\"${metric}\\"`);
  });

  it('lets CloudWatch alarms publish to the alarm topic (its TLS-only policy replaces the default one), from this account', () => {
    const [policy] = Object.values(stateless.findResources('AWS::SNS::TopicPolicy')).filter((p) => JSON.stringify(p.Properties.Topics).includes('AlarmTopic'));
    const statements = policy!.Properties.PolicyDocument.Statement as {
      Effect: string;
      Principal?: { Service?: string };
      Action: string;
      Condition?: unknown;
    }[];
    expect(statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com')).toMatchObject({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });

  it('sends every alarm to one topic, emailed to alarmEmail only when given (a bad address fails synth naming the key)', () => {
    for (const a of Object.values(alarms)) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    // The stream's failures, 4 DLQs, 2 SES reputation rates, the API's 5xx rate, 11 functions' errors and throttles.
    expect(Object.keys(alarms)).toHaveLength(1 + 4 + 2 + 1 + 11);
    stateless.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
    synthTemplates({ context: { alarmEmail: 'ops@acme.example' } }).stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@acme.example',
    });
    expect(() => synthTemplates({ context: { alarmEmail: 'ops' } })).toThrow('"alarmEmail"');
  });
});

describe('Infra: sales webhooks', () => {
  const { stateless } = synthTemplates();
  const functions = stateless.findResources('AWS::Lambda::Function');
  const env = (group: string) => functions[functionId(stateless, group)]!.Properties.Environment.Variables;

  it('feeds the webhook sender from its queue (batches of 10, item failures, 5 at once) with a dead-letter queue that alarms', () => {
    const mapping = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === functionId(stateless, 'DeliverWebhooks'),
    )!;
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 5 } });
    const queue = Object.entries(stateless.findResources('AWS::SQS::Queue')).find(([id]) => id.startsWith('WebhookQueue'))![1];
    expect(queue.Properties).toMatchObject({ VisibilityTimeout: 360, RedrivePolicy: { maxReceiveCount: 10 } });
    const alarm = Object.entries(stateless.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('WebhookDlqAlarm'))![1];
    expect(alarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  });

  it('gives the sender the signing secret of each endpoint (read access to those only), its queue and dead-letter queue', () => {
    expect(JSON.parse(env('DeliverWebhooks').WEBHOOK_SECRET_IDS)).toEqual({ 'demo/crm': 'Funnel-prod/webhooks/demo/crm' });
    expect(env('DeliverWebhooks')).toMatchObject({
      WEBHOOK_QUEUE_URL: { Ref: expect.stringMatching(/^WebhookQueue/) },
      WEBHOOK_DLQ_URL: { Ref: expect.stringMatching(/^WebhookDlq/) },
    });
    const reads = statementsOf(stateless, functionId(stateless, 'DeliverWebhooks')).filter((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue'));
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]!.Resource)).toContain(':secret:Funnel-prod/webhooks/demo/crm-??????');
    for (const group of ['Capture', 'Leads', 'LeadActivity', 'SendEmail', 'WebhooksApi']) {
      expect(JSON.stringify(statementsOf(stateless, functionId(stateless, group)))).not.toContain('/webhooks/');
    }
  });

  it('names each endpoint secret, so removing an endpoint never deletes an export the other stack still imports', () => {
    const { stateful: withEndpoint } = synthTemplates();
    const secret = Object.entries(withEndpoint.findResources('AWS::SecretsManager::Secret')).find(([id]) => id.startsWith('WebhookSecret'))![1];
    expect(secret.Properties.Name).toBe('Funnel-prod/webhooks/demo/crm');
    // No export or import carries a webhook secret between the stacks.
    expect(JSON.stringify(withEndpoint.findOutputs('*'))).not.toContain('WebhookSecret');
    expect(JSON.stringify(stateless.toJSON())).not.toMatch(/ImportValue[^}]*WebhookSecret/);
    // Without the endpoint, both stacks synthesize; the stateless stack no longer names its secret.
    const none = synthTemplates({
      config: infraConfig((c) => {
        delete c.sites[0]!.webhooks;
        delete c.sites[0]!.destinations;
      }),
    });
    none.stateful.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(JSON.stringify(none.stateless.toJSON())).not.toContain('/webhooks/demo/crm');
  });

  it('refuses to deploy an http or private-address endpoint, naming its path', () => {
    const local = infraConfig((c) => void (c.sites[0]!.webhooks![0]!.url = 'http://localhost:3000/demo/webhooks/crm'));
    expect(() => synthTemplates({ config: local })).toThrow(
      /sites\[id=demo\]\.webhooks\[id=crm\]\.url: http:\/\/localhost:3000\/demo\/webhooks\/crm points at this machine/,
    );
    const metadata = infraConfig((c) => void (c.sites[0]!.webhooks![0]!.url = 'https://169.254.169.254/latest'));
    expect(() => synthTemplates({ config: metadata })).toThrow(
      /sites\[id=demo\]\.webhooks\[id=crm\]\.url: https:\/\/169\.254\.169\.254\/latest points at this machine or a private network/,
    );
  });
});
