import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { keys } from '../functions/adapters/dynamo/keys.js';
import { TABLE } from '../functions/adapters/dynamo/table.js';
import { ROUTES, type RouteGroup } from '../functions/handlers/routes.js';
import { WIDGET_FILE } from '../functions/handlers/widget.js';

/** Lambda entry files, one per route group. Each exports `handler`. */
export interface HandlerEntries {
  /** `GET /v1/forms/{formId}`, `POST /v1/forms/{formId}/submissions`, `POST /v1/events` */
  readonly capture: string;
  /** `GET /v1/leads/{leadId}`, `GET /v1/leads` */
  readonly leads: string;
  /** `GET /v1/openapi.json` */
  readonly openapi: string;
  /** `GET /widget.js` */
  readonly widget: string;
  /** Table stream consumer: re-scores a lead when it does something. */
  readonly leadActivity: string;
  /** Scheduled: re-scores leads whose decay check is due. */
  readonly dueChecks: string;
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
  /** Every origin allowed to call the API from a browser (`ConfigIndex.allOrigins()`). */
  readonly allowedOrigins: readonly string[];
  readonly entries: HandlerEntries;
  /** Directory holding `package-lock.json` and `node_modules` (the repo root). */
  readonly projectRoot: string;
  /** The built widget bundle, copied next to the widget function's code (`npm run build:widget` makes it). */
  readonly widgetBundle: string;
  /** Stage-wide backstop against floods. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: ApiThrottle;
  /** `LOG_LEVEL` of every function. @default 'info' */
  readonly logLevel?: LogLevel;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 512 */
  readonly memorySize?: number;
  /** CORS pre-flight cache. @default Duration.hours(1) */
  readonly corsMaxAge?: Duration;
}

export const DEFAULT_THROTTLE: ApiThrottle = { rateLimit: 50, burstLimit: 100 };

/** DynamoDB actions each function may call: nothing more (no Scan, no wildcard; DeleteItem only on due checks). */
export const TABLE_ACTIONS = {
  capture: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  // A page view finds its lead by id (the visitor token carries the id, not the address).
  captureIndex: ['dynamodb:Query'],
  leadsTable: ['dynamodb:GetItem', 'dynamodb:Query'],
  leadsIndex: ['dynamodb:Query'],
  // Reads a lead's partition, writes its score; a stage change is a transaction of an update and a put.
  leadActivity: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  // Re-scores (as above), reads and moves its cursor.
  dueChecks: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
} as const;

/**
 * Deleting a due check (one that ran, or one a re-score replaced): DeleteItem, but only on `DUE#…`
 * partition keys, so a bug in a re-scorer cannot delete a lead.
 */
export const deleteDueChecksStatement = (tableArn: string) =>
  new iam.PolicyStatement({
    actions: ['dynamodb:DeleteItem'],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keys.duePartition('')}*`] } },
  });

/** How often the due-check drainer runs: a decay-driven stage change is seen at most this late. */
export const DUE_CHECK_INTERVAL_MINUTES = 5;

/** How the stream is fed to the consumer: retried, bisected, then dead-lettered (never silently lost). */
export const STREAM_CONSUMER = { batchSize: 100, retryAttempts: 5, maxBatchingWindowSeconds: 1 } as const;

/**
 * Everything that can be recreated on any deploy: the HTTP API, one function per route group, their
 * roles and log groups.
 */
export class StatelessStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly functions: Readonly<Record<RouteGroup, NodejsFunction>>;
  readonly leadActivity: NodejsFunction;
  /** Stream batches that failed every attempt land here; see the README for replay. */
  readonly leadActivityDlq: sqs.Queue;
  readonly dueChecks: NodejsFunction;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table } = props;
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const logLevel = props.logLevel ?? 'info';
    const tableEnv = { TABLE_NAME: table.tableName };

    const fn = (name: string, entry: string, environment: Record<string, string>, afterBundling?: (outputDir: string) => string[]) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
      // Own role instead of AWSLambdaBasicExecutionRole (logs:* on "*"): write to this log group only.
      const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      logGroup.grantWrite(role);
      return new NodejsFunction(this, `${name}Function`, {
        entry,
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: props.memorySize ?? 512,
        timeout: Duration.seconds(10),
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: { ...environment, LOG_LEVEL: logLevel, NODE_OPTIONS: '--enable-source-maps' },
        projectRoot: props.projectRoot,
        depsLockFilePath: `${props.projectRoot}/package-lock.json`,
        bundling: {
          format: OutputFormat.ESM,
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
            commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir: string, outputDir: string) => afterBundling(outputDir) },
          }),
        },
      });
    };

    const capture = fn('Capture', props.entries.capture, { ...tableEnv, TOKEN_SECRET_ARN: props.visitorTokenSecret.secretArn });
    props.visitorTokenSecret.grantRead(capture);
    const leads = fn('Leads', props.entries.leads, tableEnv);
    const openapi = fn('OpenApi', props.entries.openapi, {});
    // The widget is a static file served by a tiny function (no table access): one origin for the
    // snippet, browser-cached with an ETag. Its bundle is copied next to the handler code.
    const widget = fn('Widget', props.entries.widget, {}, (outputDir) => [`cp "${props.widgetBundle}" "${outputDir}/${WIDGET_FILE}"`]);
    this.functions = { capture, leads, openapi, widget };

    // The lead-activity consumer: every submission inserted re-scores its lead.
    this.leadActivity = fn('LeadActivity', props.entries.leadActivity, tableEnv);
    this.leadActivity.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.leadActivity], resources: [table.tableArn] }));
    this.leadActivity.addToRolePolicy(deleteDueChecksStatement(table.tableArn));
    this.leadActivityDlq = new sqs.Queue(this, 'LeadActivityDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.leadActivity.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_CONSUMER.batchSize,
        maxBatchingWindow: Duration.seconds(STREAM_CONSUMER.maxBatchingWindowSeconds),
        retryAttempts: STREAM_CONSUMER.retryAttempts,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.leadActivityDlq),
        // Only submissions and page views change what a lead did; score writes must not wake the consumer again.
        filters: keys.activityPrefixes.map((prefix) =>
          lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT'), dynamodb: { Keys: { SK: { S: lambda.FilterRule.beginsWith(prefix) } } } }),
        ),
      }),
    );

    // Decay: a lead's engagement shrinks with time, so its stage can change with no new activity. Each
    // re-score writes when that can next happen into an hourly due bucket; this drains the buckets.
    this.dueChecks = fn('DueChecks', props.entries.dueChecks, tableEnv);
    this.dueChecks.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.dueChecks], resources: [table.tableArn] }));
    this.dueChecks.addToRolePolicy(deleteDueChecksStatement(table.tableArn));
    new events.Rule(this, 'DueChecksSchedule', {
      description: 'Funnel: re-score leads whose decay check is due',
      schedule: events.Schedule.rate(Duration.minutes(DUE_CHECK_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(this.dueChecks, { retryAttempts: 2 })],
    });

    capture.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.capture], resources: [table.tableArn] }));
    capture.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.captureIndex], resources: [`${table.tableArn}/index/${TABLE.gsi1.name}`] }),
    );
    leads.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.leadsTable], resources: [table.tableArn] }));
    leads.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.leadsIndex], resources: [`${table.tableArn}/index/${TABLE.gsi1.name}`] }),
    );

    this.api = new apigw.HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Funnel public and lead APIs',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'authorization'],
        maxAge: props.corsMaxAge ?? Duration.hours(1),
      },
    });
    // Explicit $default stage: HttpApi's own default stage has no throttle setting.
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    });

    // One integration per function, shared by its routes (the handler switches on routeKey). The routes
    // come from the same list the local runtime serves.
    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([group, f]) => [group, new HttpLambdaIntegration(`${f.node.id.replace(/Function$/, '')}Integration`, f)]),
    ) as Record<RouteGroup, HttpLambdaIntegration>;
    for (const { routeKey, group } of ROUTES) {
      const [method, path] = routeKey.split(' ') as [keyof typeof apigw.HttpMethod, string];
      this.api.addRoutes({ path, methods: [apigw.HttpMethod[method]], integration: integrations[group] });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the Funnel HTTP API' });
  }
}
