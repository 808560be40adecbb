import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ENDPOINTS, PREFLIGHT_ROUTES, ROUTES, type RouteGroup } from '../../functions/handlers/endpoints/index.js';
import { openApiDocument } from '../../functions/handlers/openapi-document.js';
import { actionsOf, FUNCTION_CONSTRUCT, functionId, statementsOf, synthTemplates } from './helpers.js';

/** The construct id of each route group's function. */
const FUNCTION_OF: Record<RouteGroup, string> = FUNCTION_CONSTRUCT;

describe('stateless stack: the lead-activity stream consumer', () => {
  const { stateless } = synthTemplates();

  it('reads the table stream from the start, retries, bisects, reports item failures and keeps failed batches whole in S3', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('StreamArn') },
      // S3 is the one on-failure destination that receives the records themselves, not only their coordinates.
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamFailures'), 'Arn'] } } },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  it('keeps failed stream batches 14 days in a private, encrypted, TLS-only bucket, retained with the data; the consumer may only put objects there', () => {
    const [id, bucket] = Object.entries(stateless.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('StreamFailures'))!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] },
    });
    const policy = Object.values(stateless.findResources('AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === id)!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    const s3Actions = actionsOf(statementsOf(stateless, functionId(stateless, 'LeadActivity'))).filter((a) => a.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
  });

  it('alarms when the consumer hands a batch to the bucket (the mapping counts what it delivered there)', () => {
    const alarm = Object.entries(stateless.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('StreamFailuresAlarm'))![1];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'OnFailureDestinationDeliveredEventCount',
      Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: expect.stringMatching(/LeadActivity/) } }],
      Threshold: 1,
    });
  });

  it('wakes only for inserted submissions, behaviour events, opt-ins, stage changes and mail log entries, not for its own score writes', () => {
    const mapping = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find((m) => m.Properties.StartingPosition)!;
    const patterns = mapping.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    // One filter naming every prefix: Lambda allows 5 filters per mapping, so a filter per prefix stops at five.
    expect(patterns).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { Keys: { SK: { S: [{ prefix: 'SUB#' }, { prefix: 'EV#' }, { prefix: 'OPTIN#' }, { prefix: 'STAGE#' }, { prefix: 'LOG#' }] } } },
      },
    ]);
  });

  it('keeps dead letters 14 days, encrypted, TLS only', () => {
    stateless.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('the scheduled due-check drainer (nurture steps, decay)', () => {
  const { stateless } = synthTemplates();

  it('runs every minute from EventBridge (a due step leaves within a minute), retried twice', () => {
    const rules = Object.values(stateless.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [functionId(stateless, 'DueChecks'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }),
    ]);
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId(stateless, 'DueChecks'), 'Arn'] },
    });
  });
});

describe('stateless stack: functions', () => {
  const { stateless } = synthTemplates();
  const all = stateless.findResources('AWS::Lambda::Function');
  const functions = Object.fromEntries(Object.values(FUNCTION_CONSTRUCT).map((name) => [name, all[functionId(stateless, name)]!]));

  it('has one function per route group and consumer; the only others are the two CDK runs while it deploys the widget', () => {
    expect(Object.keys(functions)).toHaveLength(11);
    const others = Object.keys(all).filter((id) => !Object.values(functions).includes(all[id]!));
    expect(others.map((id) => id.replace(/[0-9A-F]{8,}$/, '')).sort()).toEqual([
      'CustomCDKBucketDeployment',
      'CustomS3AutoDeleteObjectsCustomResourceProviderHandler',
    ]);
  });

  it('runs Node.js 24 on arm64 with JSON logs, a 10 s timeout (the mail sender 30 s, the scheduler 50 s, the webhook sender 60 s, the export function 600 s) and 512 MB', () => {
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: id.startsWith('SendEmail')
          ? 30
          : id.startsWith('DueChecks')
            ? 50
            : id.startsWith('DeliverWebhooks')
              ? 60
              : id.startsWith('ExportLeads')
                ? 600
                : 10,
        MemorySize: 512,
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('gives TABLE_NAME only to the functions that use the table, LOG_LEVEL to all', () => {
    const env = (group: string) => functions[group]!.Properties.Environment.Variables;
    for (const group of ['Capture', 'Leads']) {
      expect(env(group).TABLE_NAME).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Funnel-prod-Stateful:ExportsOutputRefTable/) });
      expect(env(group).LOG_LEVEL).toBe('info');
    }
    expect(env('OpenApi').TABLE_NAME).toBeUndefined();
    expect(env('OpenApi').LOG_LEVEL).toBe('info');
  });

  it('writes to its own log group with a retention (and the API its access log)', () => {
    // Plus the log groups of CDK's upload function for the widget and the console (it runs during deploys).
    stateless.resourceCountIs('AWS::Logs::LogGroup', 11 + 1 + 1 + 1);
    stateless.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logGroups = Object.keys(stateless.findResources('AWS::Logs::LogGroup')).filter(
      (id) => !/^(ApiAccessLogs|WidgetUploadLogs|ConsoleUploadLogs)/.test(id),
    );
    const used = Object.values(functions).map((fn) => fn.Properties.LoggingConfig.LogGroup.Ref);
    expect(used.sort()).toEqual(logGroups.sort()); // one each, none shared
  });

  it('takes log level, retention and memory from context', () => {
    const { stateless: t } = synthTemplates({ context: { logLevel: 'warn', logRetentionDays: '7', memorySize: '1024' } });
    for (const name of Object.values(FUNCTION_CONSTRUCT))
      expect(t.findResources('AWS::Lambda::Function')[functionId(t, name)]!.Properties).toMatchObject({
        MemorySize: 1024,
        Environment: { Variables: expect.objectContaining({ LOG_LEVEL: 'warn' }) },
      });
    t.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('stateless stack: HTTP API', () => {
  const { stateless } = synthTemplates();

  it("deploys exactly the routes of the OpenAPI document and of the local runtime (the endpoint table), each to its route group's function", () => {
    const routes = stateless.findResources('AWS::ApiGatewayV2::Route');
    const integrations = stateless.findResources('AWS::ApiGatewayV2::Integration');
    const actual: Record<string, string> = {};
    for (const route of Object.values(routes)) {
      const [, ref] = route.Properties.Target['Fn::Join'][1];
      const integration = integrations[ref.Ref]!;
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      const fnId = integration.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
      actual[route.Properties.RouteKey] = fnId.replace(/Function.*$/, '');
    }
    const documented = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const preflights = Object.keys(actual).filter((k) => k.startsWith('OPTIONS '));
    expect(
      Object.keys(actual)
        .filter((k) => !preflights.includes(k))
        .sort(),
    ).toEqual(documented.sort());
    // The local runtime matches requests against the same table: every deployed route is served locally by the same group.
    expect(actual).toEqual(Object.fromEntries([...ROUTES, ...PREFLIGHT_ROUTES].map((r) => [r.routeKey, FUNCTION_OF[r.group]])));
    expect(Object.keys(actual)).toHaveLength(54 + 5);
    // The pre-flights of the public paths, answered by the capture function (the one that sets CORS headers).
    expect(preflights.sort()).toEqual(
      [
        'OPTIONS /v1/events',
        'OPTIONS /v1/forms/{formId}',
        'OPTIONS /v1/forms/{formId}/submissions',
        'OPTIONS /v1/forms/{formId}/known',
        'OPTIONS /v1/impressions',
      ].sort(),
    );
  });

  it('lets API Gateway invoke each function, and nothing else', () => {
    const permissions = Object.values(stateless.findResources('AWS::Lambda::Permission')).filter((p) => p.Properties.Principal !== 'events.amazonaws.com');
    expect(permissions.length).toBeGreaterThanOrEqual(3);
    for (const p of permissions) {
      expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(p.Properties.SourceArn).toBeDefined();
    }
  });

  it('leaves CORS to the functions: no API Gateway CORS setting, which would drop their headers and allow every origin on every route', () => {
    const api = Object.values(stateless.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });

  it('throttles each route by its traffic class, so page views cannot starve submissions or the sales API', () => {
    const stage = Object.values(stateless.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    // Every route has its own bucket, pre-flights included.
    expect(Object.keys(settings).sort()).toEqual([...ROUTES, ...PREFLIGHT_ROUTES].map((r) => r.routeKey).sort());
    expect(settings['GET /v1/forms/{formId}']).toEqual({ ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 });
    expect(settings['POST /v1/events']).toEqual({ ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 });
    expect(settings['POST /v1/forms/{formId}/submissions']).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(settings['GET /v1/leads/{leadId}']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(settings['GET /v1/unsubscribe']).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    // The stage is deployed after the routes its settings name.
    const routeIds = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('logs every request as one JSON line (status, route, latency, client address), no body, no header', () => {
    const stage = Object.values(stateless.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const settings = stage.Properties.AccessLogSettings;
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiAccessLogs/), 'Arn'] });
    const format = JSON.parse(settings.Format);
    expect(Object.keys(format).sort()).toEqual([
      'bytes',
      'integrationError',
      'integrationLatencyMs',
      'ip',
      'latencyMs',
      'requestId',
      'routeKey',
      'status',
      'time',
    ]);
  });

  it('throttles the default stage: rate 50, burst 100 unless set', () => {
    stateless.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const { stateless: t } = synthTemplates({ context: { apiThrottleRate: '20', apiThrottleBurst: '40' } });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } });
  });

  it('outputs the API URL of the default stage', () => {
    const apiId = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    stateless.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }])] },
    });
  });
});

describe('stateless stack: secrets', () => {
  const { stateless } = synthTemplates();
  it('gives the Parameters and Secrets extension to exactly the functions that read secrets (no Secrets Manager client in any bundle)', () => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    const withLayer = Object.entries(functions)
      .filter(([id, f]) => !id.startsWith('CustomCDK') && (f.Properties.Layers ?? []).length > 0)
      .map(([id]) => id.replace(/Function.*$/, ''))
      .sort();
    expect(withLayer).toEqual(['Capture', 'DeliverWebhooks', 'MailLinks', 'SendEmail']);
    for (const name of withLayer) {
      const env = functions[functionId(stateless, name)]!.Properties.Environment.Variables;
      expect(env).toMatchObject({ PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '20', SECRETS_MANAGER_TTL: '300' });
    }
  });
});

describe('stateless stack: the console’s sign-in by an OpenID provider you already have', () => {
  const ISSUER = 'https://login.example.com/oauth2/default';
  const { stateless } = synthTemplates({ context: { consoleIssuer: `${ISSUER}/`, consoleAudience: 'funnel-console', consoleRolesClaim: 'groups' } });

  it('puts the HTTP API’s JWT authorizer (issuer, audience) on the console routes, and on no other', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: ISSUER, Audience: ['funnel-console'] },
      IdentitySource: ['$request.header.Authorization'],
    });
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties as { RouteKey: string; AuthorizationType?: string },
    );
    const guarded = routes.filter((r) => r.AuthorizationType === 'JWT').map((r) => r.RouteKey);
    expect(guarded).toEqual(ROUTES.filter((r) => ENDPOINTS[r.operationId].auth === 'person').map((r) => r.routeKey));
    expect(guarded.length).toBeGreaterThan(0);
  });

  it('gives the leads function the same issuer and audience, for its own check of tokens and roles', () => {
    const fn = stateless.findResources('AWS::Lambda::Function')[functionId(stateless, FUNCTION_CONSTRUCT.leads)]!;
    expect(fn.Properties.Environment.Variables).toMatchObject({ CONSOLE_ISSUER: ISSUER, CONSOLE_AUDIENCE: 'funnel-console', CONSOLE_ROLES_CLAIM: 'groups' });
  });

  it('without them, the console signs people in with a Cognito user pool of its own, and one setting without the other is refused', () => {
    const { stateless: plain, stateful } = synthTemplates({ context: { adminEmail: 'ada@acme.example' } });
    stateful.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, MfaConfiguration: 'OPTIONAL' });
    expect(Object.values(stateful.findResources('AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName)).toEqual([
      'admin',
      'marketer',
      'sales',
      'viewer',
    ]);
    stateful.hasResourceProperties('AWS::Cognito::UserPoolUser', { Username: 'ada@acme.example', DesiredDeliveryMediums: ['EMAIL'] });
    stateful.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', { GroupName: 'admin', Username: 'ada@acme.example' });
    // The console's app client: code + PKCE, no secret, its own address the only callback
    plain.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true });
    const [authorizer] = Object.values(plain.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(JSON.stringify(authorizer?.Properties.JwtConfiguration.Issuer)).toContain('cognito-idp');
    expect(JSON.stringify(authorizer?.Properties.JwtConfiguration.Audience)).toContain('ConsoleConsoleClient');
    expect(() => synthTemplates({ context: { consoleIssuer: ISSUER } })).toThrow(/consoleAudience/);
    expect(() => synthTemplates({ context: { consoleIssuer: 'http://insecure.example', consoleAudience: 'x' } })).toThrow(/consoleIssuer/);
  });
});
