import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { TABLE } from '../functions/adapters/dynamo/table.js';
import { ConsoleUsers } from './console-users.js';
import { acknowledge } from './nag.js';
import { eventTypesOf, type TrackingVariant } from '../functions/adapters/ses/tracking.js';

export interface StatefulStackProps extends StackProps {
  /**
   * Keep the data when the stack (or the table resource) goes away: deletion protection on and
   * `RemovalPolicy.RETAIN`. Turn off only for throw-away stages.
   * @default true
   */
  readonly retainData?: boolean;
  /** The domains whose SES identity this stage creates (Easy DKIM); domains other stages made are only used. */
  readonly senderDomains?: readonly string[];
  /** The tracked variants (opens, clicks, both) the deployed sites use: each gets its configuration set. */
  readonly trackedVariants?: readonly Exclude<TrackingVariant, 'none'>[];
  /** Every webhook endpoint of the config, with the name its signing secret gets (`webhookSecretName`). */
  /** The console's people in a Cognito user pool (absent: an external OpenID provider signs them in). */
  readonly consoleUsers?: { readonly adminEmail?: string };
  readonly webhookEndpoints?: readonly { siteId: string; endpointId: string; secretName: string }[];
  /** Every CRM destination of the config, with the name its credentials secret gets (`destinationSecretName`). */
  readonly destinations?: readonly { siteId: string; destinationId: string; kind: string; secretName: string }[];
}

/** SES's event type of each name `eventTypesOf` gives: only what the SES-events consumer reads. */
const SES_EVENT = {
  delivery: ses.EmailSendingEvent.DELIVERY,
  bounce: ses.EmailSendingEvent.BOUNCE,
  complaint: ses.EmailSendingEvent.COMPLAINT,
  open: ses.EmailSendingEvent.OPEN,
  click: ses.EmailSendingEvent.CLICK,
};

/**
 * What must outlive a deploy: the one DynamoDB table, the token secret, and the SES sending identity with
 * its configuration set (a domain's sending reputation and DKIM keys must not be recreated by a deploy). Its shape comes from `TABLE`, the same constants the
 * local runtime's `createTableInput` uses, so local and production cannot drift (see test/infra).
 */
/** A construct id per sender domain (`acme.com` → `SenderIdentityAcmeCom`), stable across deploys. */
export const identityId = (domain: string): string =>
  `SenderIdentity${domain
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')}`;

/** The name of an endpoint's signing secret: deterministic, so the stateless stack names it without an export. */
export const webhookSecretName = (stackPrefix: string, siteId: string, endpointId: string): string => `${stackPrefix}/webhooks/${siteId}/${endpointId}`;

/** The name of a destination's credentials secret: deterministic, like the signing secrets'. */
export const destinationSecretName = (stackPrefix: string, siteId: string, destinationId: string): string =>
  `${stackPrefix}/destinations/${siteId}/${destinationId}`;

/** The SSM parameter that names a tracked variant's configuration set (read by the stateless stack at deploy time). */
export const trackedSetParameter = (statefulStackName: string, variant: TrackingVariant) => `/${statefulStackName}/ses/configuration-set/${variant}`;

export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  /** Signs visitor tokens. Stateful: rotating it logs every tracked visitor out of tracking. */
  readonly visitorTokenSecret: secretsmanager.Secret;
  /** The sending domains' identities this stage created, by domain. */
  readonly senderIdentities: Readonly<Record<string, ses.EmailIdentity>> = {};
  /** Every untracked email goes through it: reputation metrics, suppression, bounces and complaints published. */
  readonly configurationSet: ses.ConfigurationSet;
  /** The configuration set of each tracked variant a site uses: as above, plus opens and/or clicks. */
  readonly trackedSets: Readonly<Partial<Record<TrackingVariant, ses.ConfigurationSet>>> = {};
  /** SES publishes the events of every email here (bounces, complaints, opens, clicks…). */
  readonly mailEventsTopic: sns.Topic;
  /** The signing secret of each webhook endpoint, by `site/endpoint`: generated here, never in the config. */
  readonly webhookSecrets: Readonly<Record<string, secretsmanager.Secret>> = {};
  /** The console's people (Cognito), unless an external provider signs them in. */
  readonly consoleUsers?: ConsoleUsers;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
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
    // The console's lead lists. One index added per deploy (DynamoDB builds one at a time): existing tables gain it in place.
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.gsi2.name,
      partitionKey: { name: TABLE.gsi2.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.gsi2.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.visitorTokenSecret = new secretsmanager.Secret(this, 'VisitorTokenSecret', {
      description: 'Funnel: HMAC key that signs visitor tokens (behaviour tracking)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.visitorTokenSecret,
      'AwsSolutions-SMG4',
      'Rotating it ends the tracking of every known visitor and voids every confirm and unsubscribe link in sent emails: an operator rotates it on purpose (docs/deploy.md), not on a schedule.',
    );

    // The sending reputation lives with the identity and the configuration sets, the DKIM keys with the
    // identity: they outlive a stack deletion as the table does (each resource takes its own policy).
    const keep = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Not KMS-encrypted: SES can publish only to a topic whose key policy lets it use a customer key, and the
    // topic holds events for seconds on their way to an encrypted queue (stateless stack).
    this.mailEventsTopic = new sns.Topic(this, 'MailEventsTopic', { displayName: 'Funnel SES events', enforceSSL: true });
    // enforceSSL gives the topic a policy, which replaces the default one: SES must be let in to publish.
    this.mailEventsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesEventsPublish',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.mailEventsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.mailEventsTopic.applyRemovalPolicy(keep);
    const configurationSet = (id: string, variant: TrackingVariant) => {
      const set = new ses.ConfigurationSet(this, id, {
        reputationMetrics: true,
        sendingEnabled: true,
        // Addresses that hard-bounce or complain are kept off every later send by SES itself, too.
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      });
      set.applyRemovalPolicy(keep);
      set.addEventDestination('ToMailEventsTopic', {
        destination: ses.EventDestination.snsTopic(this.mailEventsTopic),
        events: eventTypesOf(variant).map((e) => SES_EVENT[e]),
      });
      return set;
    };
    this.configurationSet = configurationSet('ConfigurationSet', 'none');
    const tracked: Partial<Record<TrackingVariant, ses.ConfigurationSet>> = {};
    for (const variant of props.trackedVariants ?? []) {
      tracked[variant] = configurationSet(`ConfigurationSet-${variant}`, variant);
      // Its name reaches the stateless stack through a parameter, not an export: a site turning tracking
      // off removes the set, which an export still imported by the deployed stateless stack would forbid.
      new ssm.StringParameter(this, `ConfigurationSetParameter-${variant}`, {
        parameterName: trackedSetParameter(this.stackName, variant),
        stringValue: tracked[variant].configurationSetName,
        description: `Funnel: the SES configuration set of emails tracked for ${variant.replace('-', ' and ')}`,
      });
      // The export a stateless stack of an earlier version imports, kept while the set exists, so that
      // upgrading deploys (the stateful stack first): nothing imports it any more.
      this.exportValue(tracked[variant].configurationSetName);
      new CfnOutput(this, `ConfigurationSetName-${variant}`, {
        value: tracked[variant].configurationSetName,
        description: `The SES configuration set of emails tracked for ${variant.replace('-', ' and ')}`,
      });
    }
    this.trackedSets = tracked;
    const identities: Record<string, ses.EmailIdentity> = {};
    for (const domain of props.senderDomains ?? []) {
      const id = identityId(domain);
      const identity = new ses.EmailIdentity(this, id, { identity: ses.Identity.domain(domain), configurationSet: this.configurationSet });
      identity.applyRemovalPolicy(keep);
      for (const [i, record] of identity.dkimRecords.entries()) {
        new CfnOutput(this, `${id}DkimRecord${i + 1}`, {
          value: `${record.name} CNAME ${record.value}`,
          description: `DKIM CNAME record ${i + 1} of 3 to publish in the DNS of ${domain}`,
        });
      }
      identities[domain] = identity;
    }
    this.senderIdentities = identities;
    new CfnOutput(this, 'ConfigurationSetName', {
      value: this.configurationSet.configurationSetName,
      description: 'The SES configuration set every email goes through',
    });

    // 44 letters and digits are valid base64: the secret is `whsec_` + this, as Standard Webhooks expects.
    const secrets: Record<string, secretsmanager.Secret> = {};
    for (const { siteId, endpointId, secretName } of props.webhookEndpoints ?? []) {
      secrets[`${siteId}/${endpointId}`] = new secretsmanager.Secret(this, `WebhookSecret-${siteId}-${endpointId}`, {
        secretName,
        description: `Funnel: signing secret of webhook endpoint ${siteId}/${endpointId} (give it to the receiver as whsec_<value>)`,
        generateSecretString: { passwordLength: 44, excludePunctuation: true, includeSpace: false },
        removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      acknowledge(
        secrets[`${siteId}/${endpointId}`]!,
        'AwsSolutions-SMG4',
        'The receiver verifies signatures with this secret: a rotation is agreed with it and done by hand (docs/deploy.md), or its deliveries would fail verification.',
      );
    }
    this.webhookSecrets = secrets;

    // A destination's credentials are the vendor's (a token, client credentials, a hook URL): the secret is
    // made with a random placeholder for the operator to replace (docs/hand-off.md); until then its
    // deliveries are retried with "credentials refused" in their log, never lost.
    for (const { siteId, destinationId, kind, secretName } of props.destinations ?? []) {
      const secret = new secretsmanager.Secret(this, `DestinationSecret-${siteId}-${destinationId}`, {
        secretName,
        description: `Funnel: credentials of ${kind} destination ${siteId}/${destinationId} (set them: docs/hand-off.md)`,
        generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
        removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      acknowledge(
        secret,
        'AwsSolutions-SMG4',
        "The vendor issues these credentials: they are rotated in the vendor's app and put here by hand (docs/hand-off.md).",
      );
    }

    if (props.consoleUsers)
      this.consoleUsers = new ConsoleUsers(this, 'ConsoleUsers', {
        retain,
        ...(props.consoleUsers.adminEmail && { adminEmail: props.consoleUsers.adminEmail }),
      });

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The Funnel DynamoDB table' });
  }
}
