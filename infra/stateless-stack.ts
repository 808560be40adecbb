import { ArnFormat, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel as BundlingLogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { acknowledge, nagResource } from './nag.js';
import { SES_THRESHOLDS } from '../functions/core/email-stats.js';
import { TEST_EMAIL_RATE_SCOPE } from '../functions/core/limits.js';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { STREAM_CONSUMER } from '../functions/adapters/dynamo/stream.js';
import { METRICS_NAMESPACE } from '../functions/adapters/metrics.js';
import type { MetricName } from '../functions/core/ports.js';
import { TABLE } from '../functions/adapters/dynamo/table.js';
import { EXPORT_JOBS, EXPORT_PREFIX } from '../functions/core/exports.js';
import { ENDPOINTS, PREFLIGHT_ROUTES, ROUTES, type RouteGroup, type Traffic } from '../functions/handlers/endpoints/index.js';
import { type CustomDomain, WidgetCdn } from './widget-cdn.js';
import { ConsoleSite, type ConsoleSiteProps } from './console-site.js';
import { CONSOLE_PATH } from '../console/build.js';
import { ApiEdge } from './api-edge.js';

/**
 * Lambda entry files: one per route group (each serves the routes of its group in the endpoint table,
 * `functions/handlers/endpoints.ts`) and one per consumer. Each exports `handler`.
 */
export interface HandlerEntries extends Readonly<Record<RouteGroup, string>> {
  /** Table stream consumer: re-scores a lead when it does something. */
  readonly leadActivity: string;
  /** Scheduled (every minute): queues due nurture steps and webhook retries, re-scores leads whose decay check is due. */
  readonly dueChecks: string;
  /** SQS consumer of the mail queue: sends each email once. */
  readonly sendEmail: string;
  /** SQS consumer of SES events: bounces, complaints, opens, clicks. */
  readonly mailEvents: string;
  /** SQS consumer of webhook jobs: signs and POSTs each lead's events in order. */
  readonly deliverWebhooks: string;
  /** SQS consumer of export jobs: writes a whole lead list's CSV to the exports bucket. */
  readonly exportLeads: string;
}

/** The sending side, from the stateful stack. */
export interface MailResources {
  /** The domains the sender may send from (their SES identities). None: the sender may send nothing. */
  readonly senderDomains?: readonly string[];
  readonly configurationSetName: string;
  /**
   * The SSM parameter naming the configuration set of each tracked variant (opens, clicks, both) a site
   * uses, by variant: read at deploy time, so no export ties the stacks to a variant a config may drop.
   */
  readonly trackedSetParameters?: Readonly<Record<string, string>>;
  /** SES publishes the configuration set's events here. */
  readonly eventsTopic: sns.ITopic;
  /** Alarms notify this address (an SNS email subscription to confirm once). */
  readonly alarmEmail?: string;
}

export interface ApiThrottle {
  /** Steady-state requests per second across the whole API (default stage). */
  readonly rateLimit: number;
  /** Bucket size: requests allowed in a burst. */
  readonly burstLimit: number;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

export interface StatelessStackProps extends StackProps {
  /** The table from the stateful stack. */
  readonly table: dynamodb.ITable;
  /** Signs visitor tokens (stateful stack); the capture function reads it. */
  readonly visitorTokenSecret: secretsmanager.ISecret;
  readonly entries: HandlerEntries;
  readonly mail: MailResources;
  /** Webhook signing secrets by `site/endpoint` (stateful stack). */
  /**
   * The signing secret of each webhook endpoint (`site/endpoint`), by its name: referenced by name, not by
   * a cross-stack export, so removing an endpoint from the config never blocks a deploy on an export in use.
   */
  readonly webhookSecrets: Readonly<Record<string, string>>;
  /** Each CRM destination's credentials secret, by `site/destination` (names, made by the stateful stack). */
  readonly destinationSecrets?: Readonly<Record<string, string>>;
  /** Directory holding `package-lock.json` and `node_modules` (the repo root). */
  readonly projectRoot: string;
  /** The built widget (`npm run build:widget` writes `dist/widget/`), served from S3 behind CloudFront. */
  readonly widgetDirectory: string;
  /** The widget's own domain name (its certificate in us-east-1, as CloudFront requires). */
  readonly widgetDomain?: CustomDomain;
  /** The API's own domain name (its certificate in the stack's region; in us-east-1 with a firewall, on CloudFront). */
  readonly apiDomain?: CustomDomain;
  /** AWS WAF (`-c waf=true`): its web ACL (FirewallStack) stands before the widget and, through CloudFront, the API. */
  readonly firewall?: { readonly webAclArn: string; readonly edgeSecretVersion?: string };
  /** Keep the dead-letter queues when the stack is deleted. @default true */
  readonly retainData?: boolean;
  /** The sales API's routes (API key), and the stage's default. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: ApiThrottle;
  /** `LOG_LEVEL` of every function. @default 'info' */
  readonly logLevel?: LogLevel;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 512 */
  readonly memorySize?: number;
  /** X-Ray active tracing of every function (about $5 per million traces: opt in). @default false */
  readonly tracing?: boolean;
  /**
   * The console: its built files, and who signs in: the stateful stack's Cognito pool, or an external
   * provider (`-c consoleIssuer -c consoleAudience [-c consoleClientId]`) with the audience its access
   * tokens name. The console routes get the HTTP API's JWT authorizer for that issuer and audience, and the
   * leads function the same values, for the same checks (and the roles claim).
   */
  readonly console: {
    readonly directory: string;
    readonly signIn: ConsoleSiteProps['signIn'];
    /** The audience an external issuer's access tokens name, when it is not the console's client id. */
    readonly audience?: string;
    readonly rolesClaim?: string;
  };
}

/** The Parameters and Secrets extension the functions read secrets through: the one version aws-cdk-lib maps per region. */
export const PARAMS_AND_SECRETS_VERSION = lambda.ParamsAndSecretsVersions.V1_0_103;

export const DEFAULT_THROTTLE: ApiThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * Requests per second (and burst) per route, by its traffic class (the endpoint table's `traffic`), so a
 * post that goes viral (every page view asks for its form, and the tracker reports it) cannot take the
 * capacity submissions and the sales API need: each route has its own token bucket. Sized so that 1,000
 * impressions and 1,000 submissions a second pass (docs/scale.md); the API's class is the `apiThrottleRate`
 * setting. All under the account's 10,000 requests a second per region.
 */
export const ROUTE_THROTTLES: Record<Exclude<Traffic, 'api'>, ApiThrottle> = {
  pageView: { rateLimit: 2000, burstLimit: 4000 },
  submission: { rateLimit: 1000, burstLimit: 2000 },
  link: { rateLimit: 100, burstLimit: 200 },
};

/** DynamoDB actions each function may call: nothing more (no Scan, no wildcard; DeleteItem only on due checks). */
export const TABLE_ACTIONS = {
  // The capture transaction (put, update), the rate-limit counters (update), a page view (get the lead, put the event).
  capture: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // A page view finds its lead by id (the visitor token carries the id, not the address).
  captureIndex: ['dynamodb:Query'],
  // Read leads and the prospect index; export; the sales desk's delivery logs (pointers, then BatchGetItem).
  // Claims, erasure and replays write under the leading keys below.
  leadsTable: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  // Claim (UpdateItem of the lead + the timeline entry), the erasure's audit record, and the console's
  // actions (unsubscribe, not a fit, requalify with its re-score, API keys, the audit log): only under
  // the leading keys of `LEADS_WRITE_KEYS`.
  leadsWrites: ['dynamodb:UpdateItem', 'dynamodb:PutItem'],
  leadsIndex: ['dynamodb:Query'],
  // Reads a lead's partition, writes its score (a stage change is a transaction of an update and a put),
  // numbers a qualification (GetItem of its stage item, the counter) and records webhook deliveries.
  leadActivity: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'],
  // Re-scores (as above), reads and moves its cursor.
  dueChecks: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  // Confirm and unsubscribe links: find the lead by id (GSI1), read its partition, record the opt-in or the
  // unsubscribe (and count it on the last email's counter).
  mailTable: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  mailIndex: ['dynamodb:Query'],
  // The sender: reads the lead's partition, claims and marks sends, moves enrolments, schedules steps, and
  // checks the lead is still there before an email leaves (GetItem), counts what it sent.
  sendEmail: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
  // SES events: suppression and soft-bounce count on the lead, timeline entries, engagement events, the
  // email counters (a transaction of the event's mark, a put, and the counter's update).
  mailEvents: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // The webhook sender: reads pending deliveries and endpoint state, logs tries, schedules retries.
  deliverWebhooks: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // The delivery log and replay: a lead's, an endpoint's (pointers, then BatchGetItem), one by id (GSI1).
  webhooksApiTable: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  webhooksApiIndex: ['dynamodb:Query'],
} as const;

/**
 * Where the leads function writes: leads (claims, the console's actions, a replayed delivery), erased
 * leads' audit entries, a re-score's due checks, the form counters (hand-offs, stages), API keys (the
 * console's admins), export jobs, an endpoint's state (a replay re-enables it), a test event's log
 * pointer, and the count of each person's test emails.
 */
export const LEADS_WRITE_KEYS = [
  'SITE#*',
  'ERASED#*',
  `${keys.duePrefix}*`,
  'STATS#*',
  'APIKEY#*',
  'APIKEYS',
  'EXPORT#*',
  'WHEP#*',
  // The desk's test event: its delivery's log pointer. The console's test emails: each person's hourly count.
  'WHLOG#*',
  `RATE#${TEST_EMAIL_RATE_SCOPE}#*`,
];
/** The audit log: added to, never changed (PutItem of a new key only; no UpdateItem, no DeleteItem). */
export const AUDIT_WRITE_KEYS = ['AUDIT#*'];

/**
 * The most executions the asynchronous side runs at once: the sender, the webhook sender and the SES
 * events consumer (each capped), the due checks (one a minute) and the table stream's consumer (one per
 * stream shard: one for a table of up to about 1,000 writes a second). The API takes what is left of the
 * account's concurrency: a new account's 10 leaves it almost nothing (docs/deploy.md, `npm run doctor`).
 */
export const asyncConcurrency = (streamShards = 1) =>
  SEND_QUEUE.maxConcurrency + WEBHOOK_QUEUE.maxConcurrency + MAIL_EVENTS_QUEUE.maxConcurrency + EXPORT_QUEUE.maxConcurrency + 1 + streamShards;

/** The export queue: one job a message; two exports at once at most (Lambda's least for an SQS source). */
export const EXPORT_QUEUE = {
  maxReceiveCount: EXPORT_JOBS.maxReceiveCount,
  batchSize: 1,
  maxConcurrency: 2,
  functionTimeoutSeconds: EXPORT_JOBS.functionTimeoutSeconds,
} as const;

/** The mail queue: how often a job is tried before it is dead-lettered, and its consumer's batch and concurrency. */
export const SEND_QUEUE = { maxReceiveCount: 10, batchSize: 10, maxConcurrency: 2, functionTimeoutSeconds: 30 } as const;
/** The SES events queue. */
// At most 2 at once (Lambda's least): SES events come at the pace of sends, and a burst of bounces must
// not take the account's concurrency from the API (a new account has 10 in all).
export const MAIL_EVENTS_QUEUE = { maxReceiveCount: 5, batchSize: 10, maxConcurrency: 2, functionTimeoutSeconds: 10 } as const;

/** The webhook queue: a job is a lead's pending events for one endpoint (each POST up to 10 s). */
export const WEBHOOK_QUEUE = { maxReceiveCount: 10, batchSize: 10, maxConcurrency: 5, functionTimeoutSeconds: 60 } as const;

/** The API's 5xx share, in percent of requests over 5 minutes, that alarms. */
export const API_5XX_RATE_PERCENT = 1;

/** SES account reputation alarms, at SES's review levels (5% bounces, 0.1% complaints): the operator hears before SES acts. */
export const REPUTATION_ALARMS = { bounceRate: SES_THRESHOLDS.bounce.review, complaintRate: SES_THRESHOLDS.complaint.review } as const;

/**
 * Sweeping what a raced erasure left (`ProspectStore.sweepIfErased`): the writers that are not guarded by
 * the lead item (the sender, the stream consumer) may delete a lead's partition and what points at it,
 * and nothing else.
 */
export const SWEEP_LEADING_KEYS = ['SITE#*', `${keys.duePrefix}*`, 'PROSPECTS#*', 'WHLOG#*'];
export const sweepErasedStatement = (tableArn: string) =>
  new iam.PolicyStatement({
    actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': SWEEP_LEADING_KEYS } },
  });

/**
 * Deleting a due check (one that ran, or one a re-score replaced): DeleteItem, but only on `DUE#…`
 * partition keys, so a bug in a re-scorer cannot delete a lead.
 */
export const deleteDueChecksStatement = (tableArn: string) =>
  new iam.PolicyStatement({
    actions: ['dynamodb:DeleteItem'],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keys.duePrefix}*`] } },
  });

/**
 * `ses:SendEmail` from the managed domains only. SES authorises every identity a send involves: the
 * sender's, the configuration set, and in the sandbox the recipient's too (a verified address there), so
 * the resource is every identity of the account (`identity/*`) and the condition on the From address
 * (a domain or any subdomain of it, the address with or without its display name) keeps it to our senders.
 */
export function sendEmailStatement(scope: Stack, domains: readonly string[], configurationSetNames: readonly string[]) {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' }),
      ...configurationSetNames.map((name) => stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: name })),
    ],
    conditions: { StringLike: { 'ses:FromAddress': domains.flatMap((d) => [`*@${d}`, `*.${d}`, `*@${d}>`, `*.${d}>`]) } },
  });
}

/** How often the due-check drainer runs: a nurture step leaves, and a decay-driven stage change is seen, at most this late. */
export const DUE_CHECK_INTERVAL_MINUTES = 1;
export const DUE_CHECK_TIMEOUT_SECONDS = 50;

/** How the stream is fed to the consumer: retried, bisected, then dead-lettered (never silently lost). */
export { STREAM_CONSUMER };

/** The functions that read a secret (through the Parameters and Secrets extension). */
const READS_SECRETS = new Set(['Capture', 'MailLinks', 'SendEmail', 'DeliverWebhooks']);
/** The API's functions that refuse a request that did not come through CloudFront (not the email links: those already sent must keep working). */
const EDGE_GUARDED = new Set(['Capture', 'Leads', 'OpenApi', 'WebhooksApi']);

/**
 * Everything that can be recreated on any deploy: the HTTP API, one function per route group, their
 * roles and log groups.
 */
export class StatelessStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** Where the API is reached: its custom domain, else the stage's execute-api URL. */
  readonly apiUrl: string;
  /** The widget's files on S3 behind CloudFront. */
  readonly widget: WidgetCdn;
  readonly consoleSite!: ConsoleSite;
  /** With a firewall: the API behind CloudFront. */
  readonly apiEdge?: ApiEdge;
  readonly functions: Readonly<Record<RouteGroup, NodejsFunction>>;
  readonly leadActivity: NodejsFunction;
  /**
   * Stream batches that failed every attempt land here, records and all (an S3 on-failure destination is
   * the only one that carries the records; SQS and SNS get only their shard coordinates, which expire with
   * the stream after 24 hours). Kept 14 days; docs/deploy.md shows the replay.
   */
  readonly streamFailures: s3.Bucket;
  /** The stream consumer's event source mapping (its metrics count what went to `streamFailures`). */
  readonly leadActivityMappingId: string;
  readonly dueChecks: NodejsFunction;
  readonly sendEmail: NodejsFunction;
  readonly mailEvents: NodejsFunction;
  readonly sendQueue: sqs.Queue;
  readonly sendDlq: sqs.Queue;
  readonly mailEventsDlq: sqs.Queue;
  /** Every alarm notifies it. */
  readonly alarmTopic: sns.Topic;
  /** The funnel at a glance: captures → leads → MQL → SQL, emails, deliveries, errors, latency. */
  readonly dashboard: cloudwatch.Dashboard;
  readonly webhookQueue: sqs.Queue;
  /** Deliveries that ran out of tries (or were refused for good) are reported here; its alarm tells the operator. */
  readonly webhookDlq: sqs.Queue;
  readonly deliverWebhooks: NodejsFunction;
  /** Background CSV exports: their queue (and its dead letters), the function, the bucket of files. */
  readonly exportQueue: sqs.Queue;
  readonly exportDlq: sqs.Queue;
  readonly exportLeads: NodejsFunction;
  readonly exportBucket: s3.Bucket;

  private readonly props: StatelessStackProps;
  private readonly tableEnv: { TABLE_NAME: string };

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.props = props;
    this.tableEnv = { TABLE_NAME: props.table.tableName };
    this.functions = this.apiFunctions();
    ({ leadActivity: this.leadActivity, failures: this.streamFailures, mappingId: this.leadActivityMappingId } = this.leadActivityConsumer());
    this.dueChecks = this.dueChecksSchedule();
    ({
      sendQueue: this.sendQueue,
      sendDlq: this.sendDlq,
      sendEmail: this.sendEmail,
      mailEvents: this.mailEvents,
      mailEventsDlq: this.mailEventsDlq,
    } = this.nurture());
    ({ webhookQueue: this.webhookQueue, webhookDlq: this.webhookDlq, deliverWebhooks: this.deliverWebhooks } = this.handoff());
    ({ queue: this.exportQueue, dlq: this.exportDlq, exportLeads: this.exportLeads, bucket: this.exportBucket } = this.exports());
    this.alarmTopic = this.alarms();
    this.workAlarms();
    ({ api: this.api, stage: this.stage, url: this.apiUrl } = this.httpApi());
    if (props.firewall) {
      // The API is reached through CloudFront, where the firewall is; the functions refuse requests that went around it.
      this.apiEdge = new ApiEdge(this, 'ApiEdge', {
        api: this.api,
        webAclArn: props.firewall.webAclArn,
        ...(props.apiDomain && { domain: props.apiDomain }),
        ...(props.firewall.edgeSecretVersion && { secretVersion: props.firewall.edgeSecretVersion }),
      });
      this.apiUrl = this.apiEdge.url;
      // Not the email links: confirm and unsubscribe links already sent name the address the API had then,
      // and must keep working (one-click unsubscribe is the law); they are signed, and throttled per route.
      for (const fn of Object.values(this.functions))
        if (EDGE_GUARDED.has(fn.node.id.replace(/Function$/, ''))) {
          fn.addEnvironment('EDGE_SECRET_ARN', this.apiEdge.secret.secretArn);
          this.readsSecret(fn, this.apiEdge.secret);
        }
    }
    // The console, on its own distribution with the API behind the same name; its sign-in's issuer and
    // audience for the authorizer and for the leads function's own check of people's tokens (and roles).
    this.consoleSite = new ConsoleSite(this, 'Console', {
      directory: props.console.directory,
      api: this.api,
      signIn: props.console.signIn,
      ...(this.apiEdge &&
        props.firewall && {
          edge: {
            secret: this.apiEdge.secret,
            webAclArn: props.firewall.webAclArn,
            ...(props.firewall.edgeSecretVersion && { secretVersion: props.firewall.edgeSecretVersion }),
          },
        }),
      logGroup: new logs.LogGroup(this, 'ConsoleUploadLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.functions.leads.addEnvironment('CONSOLE_ISSUER', this.consoleSite.issuer);
    // Destinations link a lead's console page.
    this.deliverWebhooks.addEnvironment('CONSOLE_URL', `${this.consoleSite.url}${CONSOLE_PATH}/`);
    this.functions.leads.addEnvironment('CONSOLE_AUDIENCE', this.consoleAudience);
    if (props.console.rolesClaim) this.functions.leads.addEnvironment('CONSOLE_ROLES_CLAIM', props.console.rolesClaim);
    if ('userPool' in props.console.signIn) this.managesPeople(props.console.signIn.userPool);
    this.consoleMail();
    this.operationalAlarms();
    this.dashboard = this.funnelDashboard();
    this.widget = new WidgetCdn(this, 'Widget', {
      directory: props.widgetDirectory,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      ...(props.widgetDomain && { domain: props.widgetDomain }),
      ...(props.firewall && { webAclArn: props.firewall.webAclArn }),
    });

    // Links in emails (confirm, unsubscribe) point at the API.
    this.sendEmail.addEnvironment('PUBLIC_API_URL', this.apiUrl);
    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'Base URL of the Funnel HTTP API' });
    new CfnOutput(this, 'SendDlqArn', {
      value: this.sendDlq.queueArn,
      description: 'Mail jobs that failed every try: redrive them to the send queue once the cause is fixed',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Alarms notify this topic' });
    new CfnOutput(this, 'StreamFailuresBucket', {
      value: this.streamFailures.bucketName,
      description: 'Table stream batches the lead-activity consumer failed on, records included: replay them once the cause is fixed',
    });
    new CfnOutput(this, 'LeadActivityFunctionName', { value: this.leadActivity.functionName, description: 'The stream consumer (replay target)' });
  }

  /** A function with its own role and log group, bundled as the tests bundle it (`bench/bundle.ts`). */
  private fn(name: string, entry: string, environment: Record<string, string>, afterBundling?: (outputDir: string) => string[], timeoutSeconds = 10) {
    const props = this.props;
    const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // Own role instead of AWSLambdaBasicExecutionRole (logs:* on "*"): write to this log group only.
    const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, `${name}Function`, {
      entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: Duration.seconds(timeoutSeconds),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // X-Ray traces of every sampled invocation (Lambda's own segments: init, invocation, overhead), when asked.
      ...(props.tracing && { tracing: lambda.Tracing.ACTIVE }),
      // Behind the firewall the API's functions read the edge secret too.
      ...((READS_SECRETS.has(name) || (this.props.firewall && EDGE_GUARDED.has(name))) && { paramsAndSecrets: this.secretsExtension() }),
      // FUNNEL_STACK: the dimension of the business metrics (functions/adapters/metrics.ts).
      environment: { ...environment, LOG_LEVEL: props.logLevel ?? 'info', NODE_OPTIONS: '--enable-source-maps', FUNNEL_STACK: this.stackName },
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      bundling: {
        format: OutputFormat.ESM,
        // esbuild's per-file size summary flags every bundle over 1 MB (the source map): sizes are
        // reported by `npm run bench` instead, where they are compared with a baseline.
        logLevel: BundlingLogLevel.WARNING,
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the version in package-lock.json is the one tested, not whatever
        // the runtime ships that week; tree-shaking keeps it small.
        externalModules: [],
        banner: "import { createRequire as __funnelCreateRequire } from 'node:module'; const require = __funnelCreateRequire(import.meta.url);",
        ...(afterBundling && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => afterBundling(outputDir),
          },
        }),
      },
    });
    if (props.tracing)
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'xray:PutTraceSegments and PutTelemetryRecords (active tracing) take no resource: CDK grants them on "*".',
      );
    return fn;
  }

  private extension?: lambda.ParamsAndSecretsLayerVersion;
  /**
   * Functions that read secrets do so through AWS's Parameters and Secrets extension (a layer): cached for
   * five minutes by the extension, and no Secrets Manager client in any bundle (functions/adapters/secrets.ts).
   */
  private secretsExtension() {
    return (this.extension ??= lambda.ParamsAndSecretsLayerVersion.fromVersion(PARAMS_AND_SECRETS_VERSION, {
      cacheSize: 20,
      secretsManagerTtl: Duration.minutes(5),
      logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
    }));
  }

  private allow(fn: NodejsFunction, tableActions: readonly string[], indexActions: readonly string[] = [], indexes: readonly string[] = [TABLE.gsi1.name]) {
    const { tableArn } = this.props.table;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...tableActions], resources: [tableArn] }));
    if (indexActions.length)
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...indexActions], resources: indexes.map((name) => `${tableArn}/index/${name}`) }));
  }

  /** What the console's access tokens name: an external issuer's audience, else the console's client id. */
  private get consoleAudience(): string {
    return this.props.console.audience ?? this.consoleSite.audience;
  }

  /** One function per route group of the endpoint table. */
  private apiFunctions(): Record<RouteGroup, NodejsFunction> {
    const { props, tableEnv } = this;
    const withToken = { ...tableEnv, TOKEN_SECRET_ARN: props.visitorTokenSecret.secretArn };
    const capture = this.fn('Capture', props.entries.capture, withToken);
    this.readsSecret(capture, props.visitorTokenSecret);
    this.allow(capture, TABLE_ACTIONS.capture, TABLE_ACTIONS.captureIndex);
    const leads = this.fn('Leads', props.entries.leads, tableEnv);
    // GSI1: a lead by id; GSI2: the console's lead lists.
    this.allow(leads, TABLE_ACTIONS.leadsTable, TABLE_ACTIONS.leadsIndex, [TABLE.gsi1.name, TABLE.gsi2.name]);
    // A console requalification re-scores at once, which may replace the lead's decay check.
    leads.addToRolePolicy(deleteDueChecksStatement(props.table.tableArn));
    // Erasure deletes a lead's partition and what points at it, and nothing else: leading keys limited.
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*', `${keys.duePrefix}*`, 'PROSPECTS#*', 'WHLOG#*', 'ERASED#*'] } },
      }),
    );
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_ACTIONS.leadsWrites],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': LEADS_WRITE_KEYS } },
      }),
    );
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': AUDIT_WRITE_KEYS } },
      }),
    );
    const openapi = this.fn('OpenApi', props.entries.openapi, {});
    const mail = this.fn('MailLinks', props.entries.mail, withToken);
    this.readsSecret(mail, props.visitorTokenSecret);
    this.allow(mail, TABLE_ACTIONS.mailTable, TABLE_ACTIONS.mailIndex);
    const webhooks = this.fn('WebhooksApi', props.entries.webhooks, tableEnv);
    this.allow(webhooks, TABLE_ACTIONS.webhooksApiTable, TABLE_ACTIONS.webhooksApiIndex);
    // The test event (`POST /v1/webhooks/test`): a new delivery in its lead's partition and its log pointer, nothing else.
    webhooks.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*', 'WHLOG#*'] } },
      }),
    );
    return { capture, leads, openapi, mail, webhooks };
  }

  /** The table stream's consumer: every submission or page view inserted re-scores its lead. */
  private leadActivityConsumer() {
    const { props } = this;
    const leadActivity = this.fn('LeadActivity', props.entries.leadActivity, this.tableEnv);
    this.allow(leadActivity, TABLE_ACTIONS.leadActivity);
    leadActivity.addToRolePolicy(sweepErasedStatement(props.table.tableArn));
    const failures = this.streamFailuresBucket();
    const source = new DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: STREAM_CONSUMER.batchSize,
      maxBatchingWindow: Duration.seconds(STREAM_CONSUMER.maxBatchingWindowSeconds),
      retryAttempts: STREAM_CONSUMER.retryAttempts,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      // PutObject (and ListBucket, which Lambda checks) only: CDK's S3OnFailureDestination grants read/write/delete.
      onFailure: {
        bind: (_mapping, target) => {
          target.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [failures.arnForObjects('*')] }));
          acknowledge(
            leadActivity.role!,
            `AwsSolutions-IAM5[Resource::<${this.getLogicalId(failures.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
            'Lambda names the objects of failed batches itself: put anywhere in this one bucket, nothing else.',
          );
          target.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [failures.bucketArn] }));
          return { destination: failures.bucketArn };
        },
      },
      // Event counts per mapping, among them OnFailureDestinationDeliveredEventCount, which the alarm watches.
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
      // Only submissions and page views change what a lead did; score writes must not wake the consumer again.
      // One filter with every prefix (Lambda allows at most 5 filters per mapping; a filter per prefix stops there).
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { Keys: { SK: { S: keys.activityPrefixes.flatMap((prefix) => lambda.FilterRule.beginsWith(prefix)) } } },
        }),
      ],
    });
    leadActivity.addEventSource(source);
    acknowledge(
      leadActivity.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams, which the stream event source mapping needs, takes no resource: CDK grants it on "*" (and X-Ray, when tracing is on).',
    );
    return { leadActivity, failures, mappingId: source.eventSourceMappingId };
  }

  /**
   * Where failed stream batches are kept whole: private, encrypted, TLS only, objects expire after 14 days
   * (they hold leads' data: an erasure must not live on here for long), kept with the data on stack deletion.
   */
  private streamFailuresBucket() {
    const bucket = this.privateBucket('StreamFailures', { expiration: Duration.days(14) });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'Only Lambda writes here (the stream mapping on failure) and an operator reads to replay; server access logs would need a second bucket for a handful of objects. CloudTrail data events are the audit trail where one is wanted.',
    );
    return bucket;
  }

  /**
   * A bucket for the functions' own objects: no public access, encrypted, TLS only, objects the bucket's,
   * deleted by its lifecycle rule; kept when the stack is deleted (with `retainData`).
   */
  private privateBucket(id: string, lifecycle: s3.LifecycleRule) {
    return new s3.Bucket(this, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [lifecycle],
      removalPolicy: (this.props.retainData ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /**
   * Scheduled work: nurture steps, webhook retries, and decay (a lead's engagement shrinks with time, so its
   * stage can change with no new activity). All are written into daily due buckets; this drains them every
   * minute, for up to 50 s: a run that finds thousands of steps due at once queues them all (runs may
   * overlap: both are idempotent).
   */
  private dueChecksSchedule() {
    const dueChecks = this.fn('DueChecks', this.props.entries.dueChecks, this.tableEnv, undefined, DUE_CHECK_TIMEOUT_SECONDS);
    this.allow(dueChecks, TABLE_ACTIONS.dueChecks);
    dueChecks.addToRolePolicy(deleteDueChecksStatement(this.props.table.tableArn));
    new events.Rule(this, 'DueChecksSchedule', {
      description: 'Funnel: queue due nurture steps and webhook retries, re-score leads whose decay check is due',
      schedule: events.Schedule.rate(Duration.minutes(DUE_CHECK_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(dueChecks, { retryAttempts: 2 })],
    });
    return dueChecks;
  }

  /** A queue with its dead-letter queue (kept 14 days). */
  private queue(name: string, maxReceiveCount: number, visibilityTimeout?: Duration) {
    const dlq = this.deadLetterQueue(`${name}Dlq`);
    const main = new sqs.Queue(this, `${name}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      ...(visibilityTimeout && { visibilityTimeout }),
      deadLetterQueue: { queue: dlq, maxReceiveCount },
    });
    return { main, dlq };
  }

  /** `secretsmanager:GetSecretValue` on one secret: what the extension calls (CDK's grantRead adds DescribeSecret, never used). */
  private readsSecret(fn: NodejsFunction, secret: secretsmanager.ISecret | string) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [typeof secret === 'string' ? secret : secret.secretArn] }),
    );
  }

  /** `sqs:SendMessage` (batches included) on these queues: CDK's grantSendMessages adds GetQueueAttributes and GetQueueUrl, never used. */
  private sendsTo(fn: NodejsFunction, ...queues: sqs.IQueue[]) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues.map((q) => q.queueArn) }));
  }

  /**
   * A dead-letter queue: 14 days, encrypted, TLS only, and kept when the stack is deleted (with `retainData`),
   * since what it holds is work not yet done.
   */
  private deadLetterQueue(id: string) {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: (this.props.retainData ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /** The producers of a queue get its URL in their environment and the right to send to it. */
  private produces(producers: readonly NodejsFunction[], environment: Record<string, string>, ...queues: sqs.IQueue[]) {
    for (const producer of producers) {
      for (const [k, v] of Object.entries(environment)) producer.addEnvironment(k, v);
      this.sendsTo(producer, ...queues);
    }
  }

  /** Nurture: the mail queue and its sender, SES events and their consumer. */
  private nurture() {
    const { props, tableEnv } = this;
    // A failed job is visible again after the visibility timeout (≥ 6× the function timeout, as AWS
    // recommends for Lambda consumers): 3 minutes between tries, 10 tries, then the dead-letter queue.
    const send = this.queue('Send', SEND_QUEUE.maxReceiveCount, Duration.seconds(6 * SEND_QUEUE.functionTimeoutSeconds));
    const trackedSets = Object.fromEntries(
      Object.entries(props.mail.trackedSetParameters ?? {}).map(([variant, parameter]) => [
        variant,
        ssm.StringParameter.valueForStringParameter(this, parameter),
      ]),
    );
    const sendEmail = this.fn(
      'SendEmail',
      props.entries.sendEmail,
      {
        ...tableEnv,
        TOKEN_SECRET_ARN: props.visitorTokenSecret.secretArn,
        SES_CONFIGURATION_SET: props.mail.configurationSetName,
        SES_TRACKED_CONFIGURATION_SETS: JSON.stringify(trackedSets),
        SEND_CONCURRENCY: String(SEND_QUEUE.maxConcurrency),
      },
      undefined,
      SEND_QUEUE.functionTimeoutSeconds,
    );
    // The sender queues its own jobs again while SES cannot send from the sender yet (held, not failed).
    this.produces([this.leadActivity, this.dueChecks, sendEmail], { SEND_QUEUE_URL: send.main.queueUrl }, send.main);
    this.readsSecret(sendEmail, props.visitorTokenSecret);
    this.allow(sendEmail, TABLE_ACTIONS.sendEmail);
    sendEmail.addToRolePolicy(sweepErasedStatement(props.table.tableArn));
    const domains = props.mail.senderDomains ?? [];
    const sets = [props.mail.configurationSetName, ...Object.values(trackedSets)];
    if (domains.length) {
      sendEmail.addToRolePolicy(sendEmailStatement(this, domains, sets));
      acknowledge(
        sendEmail.role!,
        `AwsSolutions-IAM5[Resource::${nagResource(this, 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*')}]`,
        'In the SES sandbox SendEmail is authorised against the recipient identity too (any verified address): every identity, conditioned on a From address of our sender domains (ses:FromAddress).',
      );
    }
    sendEmail.addEventSource(
      new SqsEventSource(send.main, { batchSize: SEND_QUEUE.batchSize, reportBatchItemFailures: true, maxConcurrency: SEND_QUEUE.maxConcurrency }),
    );

    // Visible again after 6× the consumer's timeout, as AWS recommends for Lambda consumers.
    const mailEventsQueue = this.queue('MailEvents', MAIL_EVENTS_QUEUE.maxReceiveCount, Duration.seconds(6 * MAIL_EVENTS_QUEUE.functionTimeoutSeconds));
    // Raw delivery: each message body is the SES event itself, not an SNS envelope.
    props.mail.eventsTopic.addSubscription(new subscriptions.SqsSubscription(mailEventsQueue.main, { rawMessageDelivery: true }));
    const mailEvents = this.fn('MailEvents', props.entries.mailEvents, tableEnv, undefined, MAIL_EVENTS_QUEUE.functionTimeoutSeconds);
    this.allow(mailEvents, TABLE_ACTIONS.mailEvents);
    mailEvents.addEventSource(
      new SqsEventSource(mailEventsQueue.main, {
        batchSize: MAIL_EVENTS_QUEUE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: MAIL_EVENTS_QUEUE.maxConcurrency,
      }),
    );
    return { sendQueue: send.main, sendDlq: send.dlq, sendEmail, mailEvents, mailEventsDlq: mailEventsQueue.dlq };
  }

  /** Hand-off: the webhook queue and its sender; the stream consumer, the scheduler and the API queue jobs. */
  private handoff() {
    const { props, tableEnv } = this;
    const hooks = this.queue('Webhook', WEBHOOK_QUEUE.maxReceiveCount, Duration.seconds(6 * WEBHOOK_QUEUE.functionTimeoutSeconds));
    const secretIds = JSON.stringify(props.webhookSecrets);
    const webhookEnv = { WEBHOOK_QUEUE_URL: hooks.main.queueUrl };
    const deliverWebhooks = this.fn(
      'DeliverWebhooks',
      props.entries.deliverWebhooks,
      // Only the sender dead-letters: the producers get the queue, not its dead-letter queue.
      {
        ...tableEnv,
        ...webhookEnv,
        WEBHOOK_DLQ_URL: hooks.dlq.queueUrl,
        WEBHOOK_SECRET_IDS: secretIds,
        DESTINATION_SECRET_IDS: JSON.stringify(props.destinationSecrets ?? {}),
      },
      undefined,
      WEBHOOK_QUEUE.functionTimeoutSeconds,
    );
    // A secret's ARN is its name plus six random characters: the grant names the secret, any suffix.
    for (const name of [...Object.values(props.webhookSecrets), ...Object.values(props.destinationSecrets ?? {})])
      this.readsSecret(
        deliverWebhooks,
        this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      );
    this.allow(deliverWebhooks, TABLE_ACTIONS.deliverWebhooks);
    deliverWebhooks.addToRolePolicy(sweepErasedStatement(props.table.tableArn));
    this.sendsTo(deliverWebhooks, hooks.main, hooks.dlq);
    deliverWebhooks.addEventSource(
      new SqsEventSource(hooks.main, { batchSize: WEBHOOK_QUEUE.batchSize, reportBatchItemFailures: true, maxConcurrency: WEBHOOK_QUEUE.maxConcurrency }),
    );
    // The leads function queues erasures at CRM destinations when a lead is erased.
    this.produces([this.leadActivity, this.dueChecks, this.functions.webhooks, this.functions.leads], webhookEnv, hooks.main);
    return { webhookQueue: hooks.main, webhookDlq: hooks.dlq, deliverWebhooks };
  }

  /**
   * The console's emails and deliverability pages: test emails (SendEmail as the sender may, from the
   * sender domains, through the untracked configuration set: a test's events find no lead and count
   * nowhere), the account's state and sender identities (read only), and the suppression list (read; an
   * admin's removal, audited).
   */
  private consoleMail() {
    const { props } = this;
    const leads = this.functions.leads;
    leads.addEnvironment('SES_CONFIGURATION_SET', props.mail.configurationSetName);
    const domains = props.mail.senderDomains ?? [];
    if (domains.length) leads.addToRolePolicy(sendEmailStatement(this, domains, [props.mail.configurationSetName]));
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:GetEmailIdentity'],
        resources: domains.length
          ? domains.map((d) => this.formatArn({ service: 'ses', resource: 'identity', resourceName: d }))
          : [this.formatArn({ service: 'ses', resource: 'identity', resourceName: 'none.invalid' })],
      }),
    );
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:GetAccount', 'ses:ListSuppressedDestinations', 'ses:GetSuppressedDestination', 'ses:DeleteSuppressedDestination'],
        resources: ['*'],
      }),
    );
    acknowledge(
      leads.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'ses:GetAccount and the account-level suppression list\'s actions take no resource (SES\'s service authorization reference lists none): they can only be granted on "*".',
    );
    if (domains.length)
      acknowledge(
        leads.role!,
        `AwsSolutions-IAM5[Resource::${nagResource(this, 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*')}]`,
        "The console's test emails: SendEmail as the sender's (every identity, for the sandbox's recipient check), conditioned on a From address of our sender domains (ses:FromAddress).",
      );
  }

  /**
   * The console's people page (admins): the leads function lists the pool's people and their role groups,
   * adds a person (Cognito emails the invitation), changes their groups, removes them. Nothing else of
   * Cognito, and this pool only.
   */
  private managesPeople(pool: IUserPool) {
    const leads = this.functions.leads;
    leads.addEnvironment('CONSOLE_USER_POOL_ID', pool.userPoolId);
    leads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'cognito-idp:ListUsers',
          'cognito-idp:ListUsersInGroup',
          'cognito-idp:AdminListGroupsForUser',
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminRemoveUserFromGroup',
          'cognito-idp:AdminDeleteUser',
        ],
        resources: [pool.userPoolArn],
      }),
    );
  }

  /**
   * Background CSV exports: the leads function queues a job and signs its file's download link; the
   * export function writes the file. Files are personal data: kept a day (the bucket's lifecycle), private,
   * reached only by a presigned link that lasts 15 minutes.
   */
  private exports() {
    const { props, tableEnv } = this;
    const jobs = this.queue('Export', EXPORT_QUEUE.maxReceiveCount, Duration.seconds(6 * EXPORT_QUEUE.functionTimeoutSeconds));
    // Nothing in it outlives a day: a deleted stack's bucket is empty by the next day (then deleted by hand).
    const bucket = this.privateBucket('Exports', { expiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'Files live a day and are reached only by presigned links the leads function signs for the person who asked (each request audited in the console’s audit log); server access logs would need a second bucket. CloudTrail data events are the trail where one is wanted.',
    );
    const files = bucket.arnForObjects(`${EXPORT_PREFIX}*`);
    const exportLeads = this.fn(
      'ExportLeads',
      props.entries.exportLeads,
      { ...tableEnv, EXPORT_BUCKET: bucket.bucketName },
      undefined,
      EXPORT_QUEUE.functionTimeoutSeconds,
    );
    // Reads the list's index (GSI2), reads and finishes its job, writes the file (a multipart upload, aborted on failure).
    exportLeads.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${TABLE.gsi2.name}`] }));
    exportLeads.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXPORT#*'] } },
      }),
    );
    exportLeads.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [files] }));
    exportLeads.addEventSource(
      new SqsEventSource(jobs.main, { batchSize: EXPORT_QUEUE.batchSize, reportBatchItemFailures: true, maxConcurrency: EXPORT_QUEUE.maxConcurrency }),
    );
    // The leads function queues jobs and signs links (a presigned GET carries its signer's permission).
    const leads = this.functions.leads;
    this.produces([leads], { EXPORT_QUEUE_URL: jobs.main.queueUrl }, jobs.main);
    leads.addEnvironment('EXPORT_BUCKET', bucket.bucketName);
    leads.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [files] }));
    for (const role of [leads.role!, exportLeads.role!])
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${EXPORT_PREFIX}*]`,
        'Export files are named by their job (a random id made per request): the grant is the exports prefix of the exports bucket, nothing else in it or elsewhere.',
      );
    return { queue: jobs.main, dlq: jobs.dlq, exportLeads, bucket };
  }

  /** The one topic every alarm notifies (emailed to `alarmEmail`). */
  private alarms() {
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Funnel alarms', enforceSSL: true });
    // enforceSSL gives the topic a policy, which replaces the default one: CloudWatch must be let in again.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      }),
    );
    if (this.props.mail.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(this.props.mail.alarmEmail));
    return topic;
  }

  /** Every dead-letter queue, the stream's failures and SES's reputation. */
  private workAlarms() {
    const alarm = this.alarm.bind(this);
    alarm(
      'StreamFailuresAlarm',
      'Funnel: table stream records the lead-activity consumer could not handle (scores, mail jobs), kept in the StreamFailures bucket: fix the cause, then replay them',
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'OnFailureDestinationDeliveredEventCount',
        dimensionsMap: { EventSourceMappingUUID: this.leadActivityMappingId },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      1,
    );
    for (const [id, dlq, what] of [
      ['SendDlqAlarm', this.sendDlq, 'mail jobs that failed 10 times (emails not sent): fix the cause, then redrive the queue'],
      ['MailEventsDlqAlarm', this.mailEventsDlq, 'SES events (bounces, complaints) that could not be recorded'],
      ['WebhookDlqAlarm', this.webhookDlq, 'webhook deliveries dead-lettered (out of tries, or refused for good): fix the receiver, then replay them'],
      ['ExportDlqAlarm', this.exportDlq, 'CSV exports that failed 3 times (their owners see them failed): fix the cause, then redrive the queue'],
    ] as const) {
      alarm(id, `Funnel: ${what}`, dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }), 1);
    }
    // SES's own reputation metrics for the account (published about hourly).
    const reputation = (name: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: name, period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM });
    const { bounceRate, complaintRate } = REPUTATION_ALARMS;
    alarm('BounceRateAlarm', `Funnel: SES bounce rate over ${bounceRate * 100}%`, reputation('Reputation.BounceRate'), bounceRate);
    alarm('ComplaintRateAlarm', `Funnel: SES complaint rate over ${complaintRate * 100}%`, reputation('Reputation.ComplaintRate'), complaintRate);
  }

  /** An alarm to the alarm topic when `metric` reaches `threshold` in one period. */
  private alarm(id: string, description: string, metric: cloudwatch.IMetric, threshold: number) {
    const a = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    a.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    return a;
  }

  /**
   * The API's 5xx rate over 5 minutes (at least 1% of requests: a bad deploy or a table in trouble), and
   * each function's errors and throttles (any in 5 minutes: a consumer that errors is retrying, one
   * that is throttled is waiting, both mean work is late).
   */
  private operationalAlarms() {
    const api = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: this.api.apiId, Stage: '$default' },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      });
    this.alarm(
      'Api5xxRateAlarm',
      `Funnel: more than ${API_5XX_RATE_PERCENT}% of API requests answered 5xx in 5 minutes`,
      new cloudwatch.MathExpression({
        // FILL: a series with no datapoint in the period (no request, no 5xx) counts as 0, not as missing.
        expression: '100 * FILL(errors, 0) / IF(FILL(requests, 0) > 0, FILL(requests, 0), 1)',
        usingMetrics: { errors: api('5xx'), requests: api('Count') },
        period: Duration.minutes(5),
        label: '5xx %',
      }),
      API_5XX_RATE_PERCENT,
    );
    for (const fn of this.allFunctions()) {
      const name = fn.node.id.replace(/Function$/, '');
      this.alarm(
        `${name}ErrorsAlarm`,
        `Funnel: the ${name} function failed or was throttled in the last 5 minutes`,
        new cloudwatch.MathExpression({
          // Throttles is published only when there are some: without FILL the sum would be missing, never breaching.
          expression: 'FILL(errors, 0) + FILL(throttles, 0)',
          usingMetrics: { errors: fn.metricErrors({ period: Duration.minutes(5) }), throttles: fn.metricThrottles({ period: Duration.minutes(5) }) },
          period: Duration.minutes(5),
          label: 'errors + throttles',
        }),
        1,
      );
    }
  }

  private allFunctions(): NodejsFunction[] {
    return [...Object.values(this.functions), this.leadActivity, this.dueChecks, this.sendEmail, this.mailEvents, this.deliverWebhooks, this.exportLeads];
  }

  private funnelDashboard() {
    const business = (...names: MetricName[]) =>
      names.map(
        (name) =>
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: name,
            dimensionsMap: { stack: this.stackName },
            period: Duration.hours(1),
            statistic: 'Sum',
          }),
      );
    const api = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: this.api.apiId, Stage: '$default' },
        statistic,
        period: Duration.minutes(5),
      });
    const fns = this.allFunctions();
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${this.stackName}-${this.region}`, defaultInterval: Duration.days(7) });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Funnel: captures → leads → MQL → SQL (per hour)',
        left: business('Captures', 'NewLeads', 'MQLs', 'SQLs'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Spam and page views (per hour)', left: business('Spam'), right: business('PageViews'), width: 12 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Emails (per hour)',
        left: business('EmailsSent', 'EmailsFailed', 'EmailsHeld', 'EmailsCapped', 'EmailsSuppressed'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Webhook deliveries (per hour)', left: business('WebhooksDelivered', 'WebhooksDeadLettered'), width: 12 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'API requests and errors', left: [api('Count', 'Sum'), api('4xx', 'Sum'), api('5xx', 'Sum')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'API latency (ms)', left: [api('Latency', 'p50'), api('Latency', 'p99')], width: 12 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Function errors', left: fns.map((f) => f.metricErrors({ label: f.node.id.replace(/Function$/, '') })), width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles',
        left: fns.map((f) => f.metricThrottles({ label: f.node.id.replace(/Function$/, '') })),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Dead letters waiting',
        left: [this.sendDlq, this.mailEventsDlq, this.webhookDlq].map((q) => q.metricApproximateNumberOfMessagesVisible({ label: q.node.id })),
        width: 24,
      }),
    );
    return dashboard;
  }

  /** The HTTP API: its routes come from the endpoint table, as the local runtime's and the OpenAPI document's do. */
  private httpApi() {
    const { props } = this;
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const api = new apigw.HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Funnel public and lead APIs',
      createDefaultStage: false,
      // No corsPreflight: the functions answer pre-flights and set CORS headers themselves (functions/handlers/http.ts),
      // per route and per site; with it, API Gateway would drop their headers and allow every origin on every route.
    });
    // Explicit $default stage: HttpApi's own default stage has no throttle setting.
    // One JSON line per request (no body, no header but the client's address): status, route and latency
    // for the dashboard and for abuse; kept as long as the functions' logs.
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            bytes: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // One integration per function, shared by its routes (the handler dispatches on the route key).
    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([group, f]) => [group, new HttpLambdaIntegration(`${f.node.id.replace(/Function$/, '')}Integration`, f)]),
    ) as Record<RouteGroup, HttpLambdaIntegration>;
    const limits = { ...ROUTE_THROTTLES, api: throttle };
    // RouteSettings is a JSON map in CloudFormation: its keys are written as the template wants them.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    // People's routes: the JWT authorizer checks the console's issuer before any function runs (the leads
    // function checks the same again, and the roles).
    // Read once the console (made after the API: it fronts it) knows its client.
    const people = new HttpJwtAuthorizer('ConsoleAuthorizer', Lazy.string({ produce: () => this.consoleSite.issuer }), {
      jwtAudience: [Lazy.string({ produce: () => this.consoleAudience })],
    });
    // A pre-flight is throttled as the page views that cause it.
    for (const { routeKey, group, traffic, operationId } of [
      ...ROUTES,
      ...PREFLIGHT_ROUTES.map((r) => ({ ...r, traffic: 'pageView' as const, operationId: undefined })),
    ]) {
      const [method, path] = routeKey.split(' ') as [keyof typeof apigw.HttpMethod, string];
      const authorizer = operationId && ENDPOINTS[operationId].auth === 'person' ? people : undefined;
      const routes = api.addRoutes({ path, methods: [apigw.HttpMethod[method]], integration: integrations[group], ...(authorizer && { authorizer }) });
      for (const route of routes)
        if (!authorizer)
          acknowledge(
            route,
            'AwsSolutions-APIG4',
            'Each function authorises its own routes: public routes by the site origin, rate limits and bot checks; API-key routes by a hashed key in the table; email links by a signed token; console routes, without a configured issuer, answer 401 (functions/handlers/http.ts). An API Gateway authorizer would add a call per request for the same check.',
          );
      routeSettings[routeKey] = { ThrottlingRateLimit: limits[traffic].rateLimit, ThrottlingBurstLimit: limits[traffic].burstLimit };
      // A stage's route settings must name routes that exist: the stage is updated after them.
      for (const route of routes) cfnStage.addResourceDependency(route.node.defaultChild as apigw.CfnRoute);
    }
    cfnStage.routeSettings = routeSettings;
    // With a firewall the name belongs to the API's CloudFront distribution instead (ApiEdge).
    if (!props.apiDomain || props.firewall) return { api, stage, url: stage.url.replace(/\/$/, '') };
    // A regional custom domain: point the name at ApiDomainTarget (CNAME or alias).
    const domainName = new apigw.DomainName(this, 'ApiDomain', {
      domainName: props.apiDomain.name,
      certificate: acm.Certificate.fromCertificateArn(this, 'ApiCertificate', props.apiDomain.certificateArn),
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    new apigw.ApiMapping(this, 'ApiMapping', { api, domainName, stage });
    new CfnOutput(this, 'ApiDomainTarget', {
      value: domainName.regionalDomainName,
      description: `The CNAME (or alias) target of ${props.apiDomain.name}`,
    });
    return { api, stage, url: `https://${props.apiDomain.name}` };
  }
}
