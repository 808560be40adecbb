import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE } from '../functions/adapters/dynamo/table.js';

export interface StatefulStackProps extends StackProps {
  /**
   * Keep the data when the stack (or the table resource) goes away: deletion protection on and
   * `RemovalPolicy.RETAIN`. Turn off only for throw-away stages.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * What must outlive a deploy: the one DynamoDB table. Its shape comes from `TABLE`, the same constants the
 * local runtime's `createTableInput` uses, so local and production cannot drift (see test/infra).
 */
export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  /** Signs visitor tokens. Stateful: rotating it logs every tracked visitor out of tracking. */
  readonly visitorTokenSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const retain = props.retainData ?? true;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS with the AWS-managed key (aws/dynamodb): every use is in CloudTrail, no key policy to own,
      // no grants for the functions. A customer key only pays off for cross-account access or revocation.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE.ttlAttribute,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.gsi1.name,
      partitionKey: { name: TABLE.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.visitorTokenSecret = new secretsmanager.Secret(this, 'VisitorTokenSecret', {
      description: 'Funnel: HMAC key that signs visitor tokens (behaviour tracking)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The Funnel DynamoDB table' });
  }
}
