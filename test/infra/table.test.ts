import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { createTableInput, TABLE } from '../../functions/adapters/dynamo/table.js';
import { synthTemplates } from './helpers.js';

const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: readonly T[] = []) =>
  [...items].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));

describe('stateful stack: the table', () => {
  const { stateful } = synthTemplates();
  const tables = stateful.findResources('AWS::DynamoDB::Table');
  const [tableId, table] = Object.entries(tables)[0]!;
  const props = table.Properties;

  it('is the only resource of its kind, on-demand', () => {
    expect(Object.keys(tables)).toHaveLength(1);
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.ProvisionedThroughput).toBeUndefined();
  });

  it('has the same keys, GSI and stream as the local table (createTableInput)', () => {
    const local = createTableInput('x');
    expect(props.KeySchema).toEqual(local.KeySchema);
    expect(byName(props.AttributeDefinitions)).toEqual(byName(local.AttributeDefinitions));
    expect(byName(props.GlobalSecondaryIndexes)).toEqual(byName(local.GlobalSecondaryIndexes));
    expect(props.StreamSpecification).toEqual({ StreamViewType: local.StreamSpecification!.StreamViewType });
    expect(local.StreamSpecification!.StreamEnabled).toBe(true);
    expect(props.GlobalSecondaryIndexes[0].IndexName).toBe(TABLE.gsi1.name);
  });

  it('expires items on the TTL attribute the code writes', () => {
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.ttlAttribute, Enabled: true });
  });

  it('has point-in-time recovery and KMS encryption at rest (AWS-managed key)', () => {
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    // SSEEnabled without SSEType/KMSMasterKeyId = KMS with the AWS-managed key aws/dynamodb
    // (SSEEnabled false or absent would be the AWS-owned key, invisible in CloudTrail).
    expect(props.SSESpecification).toEqual({ SSEEnabled: true });
    // No customer key: nothing for the functions' roles to be granted on KMS.
    stateful.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('is retained and deletion-protected by default', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(props.DeletionProtectionEnabled).toBe(true);
    expect(props.TableName).toBeUndefined(); // CloudFormation names it: stages never collide
  });

  it('can be made disposable for a throw-away stage (-c retainData=false)', () => {
    const { stateful: dev } = synthTemplates({ context: { retainData: 'false', stage: 'dev' } });
    const [, devTable] = Object.entries(dev.findResources('AWS::DynamoDB::Table'))[0]!;
    expect(devTable.DeletionPolicy).toBe('Delete');
    expect(devTable.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('holds the visitor-token, webhook signing and destination secrets: generated (never in the config), retained with the data', () => {
    const secrets = stateful.findResources('AWS::SecretsManager::Secret');
    const byId = (prefix: string) => Object.entries(secrets).filter(([id]) => id.startsWith(prefix));
    const [token] = byId('VisitorTokenSecret');
    expect(token![1].Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    // One per webhook endpoint of the config (the demo has one), 44 base64 letters and digits: whsec_<value>.
    const webhook = byId('WebhookSecret');
    expect(webhook.map(([id]) => id)).toEqual([expect.stringMatching(/^WebhookSecretdemocrm/)]);
    expect(webhook[0]![1].Properties.GenerateSecretString).toMatchObject({ PasswordLength: 44, ExcludePunctuation: true });
    // One per CRM destination, named for it, holding a placeholder until the operator puts the vendor's credentials there.
    expect(
      byId('DestinationSecret')
        .map(([, s]) => s.Properties.Name)
        .sort(),
    ).toEqual([
      'Funnel-prod/destinations/demo/hubspot',
      'Funnel-prod/destinations/demo/pipedrive',
      'Funnel-prod/destinations/demo/sales-channel',
      'Funnel-prod/destinations/demo/salesforce',
    ]);
    expect(Object.keys(secrets)).toHaveLength(6);
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.DeletionPolicy).toBe('Retain');
    }
  });

  it('outputs the table name', () => {
    stateful.hasOutput('TableName', { Value: { Ref: tableId } });
  });

  it('exports the table ARN and name for the stateless stack', () => {
    const outputs = stateful.findOutputs('*', { Export: Match.anyValue() });
    const values = Object.values(outputs).map((o) => JSON.stringify(o.Value));
    expect(values).toContain(JSON.stringify({ Ref: tableId }));
    expect(values).toContain(JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }));
  });
});
