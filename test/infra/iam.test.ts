import { describe, expect, it } from 'vitest';
import { actionsOf, dynamoStatements, functionId, statementsOf, synthTemplates } from './helpers.js';

const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:TransactWriteItems'];
const sorted = (a: readonly string[]) => [...a].sort();

describe('IAM: least privilege per function', () => {
  const { stateless, stateful } = synthTemplates();
  const tableId = Object.keys(stateful.findResources('AWS::DynamoDB::Table'))[0]!;
  const statements = (group: string) => statementsOf(stateless, functionId(stateless, group));
  /** The imported table ARN, as the stateless template references it. */
  const tableArnImport = { 'Fn::ImportValue': expect.stringContaining(`${tableId}Arn`) };

  it('capture: get/put/update/query on the table only, no Scan, no Delete', () => {
    const dynamo = dynamoStatements(statements('Capture'));
    expect(sorted(actionsOf(dynamo))).toEqual(sorted(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    for (const s of dynamo) expect(s.Resource).toEqual(tableArnImport);
    const all = actionsOf(statements('Capture'));
    expect(all).not.toContain('dynamodb:Scan');
    expect(all).not.toContain('dynamodb:DeleteItem');
  });

  it('leads: read-only, on the table and on GSI1 only (not index/*)', () => {
    const dynamo = dynamoStatements(statements('Leads'));
    const all = actionsOf(dynamo);
    for (const write of WRITES) expect(all).not.toContain(write);
    expect(all).not.toContain('dynamodb:Scan');
    const onTable = dynamo.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::ImportValue': (s.Resource as any)['Fn::ImportValue'] }));
    expect(sorted(actionsOf(onTable))).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    for (const s of onTable) expect(s.Resource).toEqual(tableArnImport);
    const onIndex = dynamo.filter((s) => !onTable.includes(s));
    expect(actionsOf(onIndex)).toEqual(['dynamodb:Query']);
    expect(onIndex.map((s) => s.Resource)).toEqual([{ 'Fn::Join': ['', [tableArnImport, '/index/GSI1']] }]);
  });

  it.each(['OpenApi', 'Widget'])('%s: no DynamoDB permission at all, nothing but its own logs', (group) => {
    expect(dynamoStatements(statements(group))).toEqual([]);
    expect(actionsOf(statements(group)).filter((a) => !a.startsWith('logs:'))).toEqual([]);
  });

  it('every function may write only to its own log group', () => {
    for (const group of ['Capture', 'Leads', 'OpenApi', 'Widget']) {
      const logStatements = statements(group).filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
      expect(sorted(actionsOf(logStatements))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const fn = stateless.findResources('AWS::Lambda::Function')[functionId(stateless, group)]!;
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      for (const s of logStatements) expect(s.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    }
  });

  it('roles have no managed policies (AWSLambdaBasicExecutionRole grants logs on "*")', () => {
    for (const role of Object.values(stateless.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('no statement anywhere has a wildcard action or a "*" resource (except ListStreams, which IAM cannot scope)', () => {
    for (const template of [stateless, stateful]) {
      const docs = [
        ...Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties.PolicyDocument),
        ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) => (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument)),
      ];
      for (const doc of docs) {
        for (const s of doc.Statement) {
          for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
          const actions = [s.Action].flat();
          // dynamodb:ListStreams supports no resource-level permission; Lambda's stream polling needs it.
          const unscopable = actions.length === 1 && actions[0] === 'dynamodb:ListStreams';
          for (const resource of [s.Resource].flat()) if (!unscopable) expect(resource).not.toBe('*');
          expect(s.NotAction).toBeUndefined();
          expect(s.NotResource).toBeUndefined();
        }
      }
    }
  });

  it('lead activity: reads partitions, writes scores, reads only its table stream, sends only to its DLQ', () => {
    const st = statements('LeadActivity');
    expect(actionsOf(dynamoStatements(st)).filter((a) => !/Stream|GetRecords|GetShardIterator/.test(a)).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const streamRead = st.find((x) => [x.Action].flat().includes('dynamodb:GetRecords'))!;
    expect(JSON.stringify(streamRead.Resource)).toContain('StreamArn');
    expect(actionsOf(st)).not.toContain('dynamodb:Scan');
    expect(actionsOf(st)).not.toContain('dynamodb:DeleteItem');
    expect(actionsOf(st)).toContain('sqs:SendMessage');
  });
});
