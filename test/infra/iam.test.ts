import { describe, expect, it } from 'vitest';
import { actionsOf, dynamoStatements, functionId, funnelResources, statementsOf, synthTemplates } from './helpers.js';

/** Active tracing: what Lambda needs to send its X-Ray segments (no resource-level permission exists). */
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const SES_ACCOUNT = ['ses:GetAccount', 'ses:ListSuppressedDestinations', 'ses:GetSuppressedDestination', 'ses:DeleteSuppressedDestination'];
const sorted = (a: readonly string[]) => [...a].sort();

describe('IAM: least privilege per function', () => {
  const { stateless, stateful } = synthTemplates();
  const tableId = Object.keys(stateful.findResources('AWS::DynamoDB::Table'))[0]!;
  const statements = (group: string) => statementsOf(stateless, functionId(stateless, group));
  /** The imported table ARN, as the stateless template references it. */
  const tableArnImport = { 'Fn::ImportValue': expect.stringContaining(`${tableId}Arn`) };

  it('capture: get/put/update on the table (no Query: nothing reads a range), query on GSI1 (a page view finds its lead by id), no Scan, no Delete', () => {
    const dynamo = dynamoStatements(statements('Capture'));
    const onTable = dynamo.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(tableArnImport) || (s.Resource as any)['Fn::ImportValue']);
    expect(sorted(actionsOf(onTable))).toEqual(sorted(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    for (const s of onTable) expect(s.Resource).toEqual(tableArnImport);
    const onIndex = dynamo.filter((s) => !onTable.includes(s));
    expect(actionsOf(onIndex)).toEqual(['dynamodb:Query']);
    expect(onIndex.map((s) => s.Resource)).toEqual([{ 'Fn::Join': ['', [tableArnImport, '/index/GSI1']] }]);
    const all = actionsOf(statements('Capture'));
    expect(all).not.toContain('dynamodb:Scan');
    expect(all).not.toContain('dynamodb:DeleteItem');
  });

  it('leads: reads, claims and console actions under named leading keys, queries GSI1 and GSI2 only (not index/*); deletes only under the erasable leading keys and due checks; no Scan', () => {
    const dynamo = dynamoStatements(statements('Leads'));
    expect(actionsOf(dynamo)).not.toContain('dynamodb:Scan');
    const deletes = dynamo.filter((s) => actionsOf([s]).includes('dynamodb:DeleteItem'));
    expect(deletes.map((s) => [sorted(actionsOf([s])), (s as { Condition?: unknown }).Condition])).toEqual([
      // A requalification's re-score replaces the lead's decay check
      [['dynamodb:DeleteItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DUE#*'] } }],
      [
        ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*', 'DUE#*', 'PROSPECTS#*', 'WHLOG#*', 'ERASED#*'] } },
      ],
    ]);
    const rest = dynamo.filter((s) => !deletes.includes(s));
    const onTable = rest.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::ImportValue': (s.Resource as any)['Fn::ImportValue'] }));
    expect([...new Set(sorted(actionsOf(onTable)))]).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const s of onTable) expect(s.Resource).toEqual(tableArnImport);
    // Writes only under leads, the erasure log, due checks, counters, the audit log, API keys, export jobs and
    // endpoint state (a replay re-enables): never a rate counter, spam or prospect index.
    const writes = onTable.filter((s) => actionsOf([s]).some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem'));
    expect(writes.map((s) => [sorted(actionsOf([s])), (s as { Condition?: unknown }).Condition])).toEqual([
      [
        ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['SITE#*', 'ERASED#*', 'DUE#*', 'STATS#*', 'APIKEY#*', 'APIKEYS', 'EXPORT#*', 'WHEP#*', 'WHLOG#*', 'RATE#emailtest#*'],
          },
        },
      ],
      // The audit log is added to, never changed
      [['dynamodb:PutItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } }],
    ]);
    const onIndex = rest.filter((s) => !onTable.includes(s));
    expect(actionsOf(onIndex)).toEqual(['dynamodb:Query']);
    expect(onIndex.map((s) => s.Resource)).toEqual([
      [{ 'Fn::Join': ['', [tableArnImport, '/index/GSI1']] }, { 'Fn::Join': ['', [tableArnImport, '/index/GSI2']] }],
    ]);
  });

  it('export function: queries GSI2 only, reads and finishes export jobs only (EXPORT#), writes only export files; the leads function signs links to them', () => {
    const all = statements('ExportLeads');
    const dynamo = dynamoStatements(all);
    expect(dynamo.map((s) => [sorted(actionsOf([s])), s.Resource, (s as { Condition?: unknown }).Condition])).toEqual([
      [['dynamodb:Query'], { 'Fn::Join': ['', [tableArnImport, '/index/GSI2']] }, undefined],
      [['dynamodb:GetItem', 'dynamodb:UpdateItem'], tableArnImport, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXPORT#*'] } }],
    ]);
    const bucket = Object.keys(stateless.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('Exports'))!;
    const files = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/exports/*']] };
    const s3 = (group: string) => statements(group).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(s3('ExportLeads').map((s) => [sorted(actionsOf([s])), s.Resource])).toEqual([[['s3:AbortMultipartUpload', 's3:PutObject'], files]]);
    expect(s3('Leads').map((s) => [actionsOf([s]), s.Resource])).toEqual([[['s3:GetObject'], files]]);
    // It consumes its queue (Lambda's mapping) and sends to none
    expect(actionsOf(all)).not.toContain('sqs:SendMessage');
  });

  it('leads: manages the console pool’s people (list, invite, groups, remove) on that pool only, and with an external issuer not at all', () => {
    const cognito = (t: typeof stateless) => statementsOf(t, functionId(t, 'Leads')).filter((s) => actionsOf([s]).some((a) => a.startsWith('cognito-idp:')));
    const [statement, ...others] = cognito(stateless);
    expect(others).toEqual([]);
    expect(sorted(actionsOf([statement!]))).toEqual(
      sorted([
        'cognito-idp:ListUsers',
        'cognito-idp:ListUsersInGroup',
        'cognito-idp:AdminListGroupsForUser',
        'cognito-idp:AdminCreateUser',
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminRemoveUserFromGroup',
        'cognito-idp:AdminDeleteUser',
      ]),
    );
    expect(statement!.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/ConsoleUsersPool.*Arn/) });
    const external = synthTemplates({ context: { consoleIssuer: 'https://login.acme.com/oidc', consoleAudience: 'funnel' } }).stateless;
    expect(cognito(external)).toEqual([]);
  });

  it.each(['SendEmail', 'LeadActivity', 'DeliverWebhooks'])(
    '%s: deletes only under the leading keys of a lead and what points at it (sweeping a raced erasure)',
    (group) => {
      const deletes = dynamoStatements(statements(group)).filter((s) => actionsOf([s]).includes('dynamodb:DeleteItem'));
      expect(deletes).toHaveLength(1);
      expect(sorted(actionsOf(deletes))).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']);
      expect((deletes[0] as { Condition?: unknown }).Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*', 'DUE#*', 'PROSPECTS#*', 'WHLOG#*'] },
      });
    },
  );

  it.each(['OpenApi'])('%s: no DynamoDB permission at all, nothing but its own logs', (group) => {
    expect(dynamoStatements(statements(group))).toEqual([]);
    expect(actionsOf(statements(group)).filter((a) => !a.startsWith('logs:'))).toEqual([]);
  });

  it('traces every function with X-Ray only when asked (-c tracing=true): about $5 per million traces', () => {
    const traced = synthTemplates({ context: { tracing: 'true' } }).stateless;
    for (const fn of Object.values(funnelResources(traced, 'AWS::Lambda::Function'))) expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
    expect(sorted(actionsOf(statementsOf(traced, functionId(traced, 'OpenApi'))).filter((a) => !a.startsWith('logs:')))).toEqual(XRAY);
    for (const fn of Object.values(stateless.findResources('AWS::Lambda::Function'))) expect(fn.Properties.TracingConfig).toBeUndefined();
  });

  it('every function may write only to its own log group', () => {
    for (const group of ['Capture', 'Leads', 'OpenApi']) {
      const logStatements = statements(group).filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
      expect(sorted(actionsOf(logStatements))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const fn = stateless.findResources('AWS::Lambda::Function')[functionId(stateless, group)]!;
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      for (const s of logStatements) expect(s.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    }
  });

  it('roles have no managed policies (AWSLambdaBasicExecutionRole grants logs on "*")', () => {
    for (const role of Object.values(funnelResources(stateless, 'AWS::IAM::Role'))) {
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('no statement anywhere has a wildcard action or a "*" resource (except ListStreams, X-Ray and SES account reads, which IAM cannot scope)', () => {
    for (const template of [stateless, stateful]) {
      const docs = [
        ...Object.values(funnelResources(template, 'AWS::IAM::Policy')).map((p) => p.Properties!.PolicyDocument),
        ...Object.values(funnelResources(template, 'AWS::IAM::Role')).flatMap((r) => (r.Properties!.Policies ?? []).map((p: any) => p.PolicyDocument)),
      ];
      for (const doc of docs) {
        for (const s of doc.Statement) {
          for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
          const actions = [s.Action].flat();
          // dynamodb:ListStreams supports no resource-level permission; Lambda's stream polling needs it.
          // Nor do X-Ray's PutTraceSegments and PutTelemetryRecords (active tracing).
          // Nor SES's GetAccount and account-level suppression list (the console's deliverability page).
          const unscopable = actions.every((a) => a === 'dynamodb:ListStreams' || XRAY.includes(a) || SES_ACCOUNT.includes(a));
          for (const resource of [s.Resource].flat()) if (!unscopable) expect(resource).not.toBe('*');
          expect(s.NotAction).toBeUndefined();
          expect(s.NotResource).toBeUndefined();
        }
      }
    }
  });

  it('only capture, the mail links and the sender may read the visitor-token secret (it signs tokens and links), and only that secret', () => {
    const secretId = Object.keys(stateful.findResources('AWS::SecretsManager::Secret'))[0]!;
    const reads = (group: string) => statements(group).filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')));
    // GetSecretValue only: what the secrets extension calls (CDK's grantRead would add DescribeSecret).
    expect(sorted(actionsOf(reads('Capture')))).toEqual(['secretsmanager:GetSecretValue']);
    for (const s of reads('Capture')) expect(JSON.stringify(s.Resource)).toContain(secretId);
    for (const group of ['Leads', 'OpenApi', 'LeadActivity', 'DueChecks']) expect(reads(group)).toEqual([]);
    const env = stateless.findResources('AWS::Lambda::Function')[functionId(stateless, 'Capture')]!.Properties.Environment.Variables;
    expect(JSON.stringify(env.TOKEN_SECRET_ARN)).toContain(secretId);
  });

  /** The one DeleteItem statement a function has: it must be limited to `DUE#` partition keys. */
  const deleteStatement = (group: string) => {
    const deletes = dynamoStatements(statements(group)).filter((s) => actionsOf([s]).includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(actionsOf(deletes)).toEqual(['dynamodb:DeleteItem']);
    return deletes[0] as (typeof deletes)[0] & { Condition?: unknown };
  };

  it('due checks: re-score writes, its cursor, and deletes only on DUE# keys; no Scan', () => {
    const dynamo = dynamoStatements(statements('DueChecks'));
    expect(sorted(actionsOf(dynamo))).toEqual(sorted(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']));
    for (const s of dynamo) expect(s.Resource).toEqual(tableArnImport);
    expect(deleteStatement('DueChecks').Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DUE#*'] } });
  });

  it('lead activity: reads partitions, writes scores (deletes replaced due checks and what a raced erasure left), reads only its table stream', () => {
    const st = statements('LeadActivity');
    expect(
      actionsOf(dynamoStatements(st))
        .filter((a) => a.startsWith('dynamodb:') && !/Stream|GetRecords|GetShardIterator/.test(a))
        .sort(),
    ).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const streamRead = st.find((x) => [x.Action].flat().includes('dynamodb:GetRecords'))!;
    expect(JSON.stringify(streamRead.Resource)).toContain('StreamArn');
    expect(actionsOf(st)).not.toContain('dynamodb:Scan');
    // Its failed batches go to the StreamFailures bucket (put only), its jobs to the queues.
    expect(actionsOf(st)).toContain('sqs:SendMessage');
    expect(
      actionsOf(st)
        .filter((a) => a.startsWith('s3:'))
        .sort(),
    ).toEqual(['s3:ListBucket', 's3:PutObject']);
  });
});
