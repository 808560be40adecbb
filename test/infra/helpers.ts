import type { FunctionName } from '../../functions/environment.js';
import { resolveConfig, localEnv } from '../../functions/core/config.js';
import { Template } from 'aws-cdk-lib/assertions';
import { fileURLToPath } from 'node:url';
import rawConfig from '../support/config.js';
import type { FunnelConfigInput } from '../../functions/core/config.js';
import { buildApp } from '../../infra/funnel-app.js';

/** The construct id of each function (its role, log group and alarms are named after it). */
export const FUNCTION_CONSTRUCT: Record<FunctionName, string> = {
  capture: 'Capture',
  leads: 'Leads',
  openapi: 'OpenApi',
  mail: 'MailLinks',
  webhooks: 'WebhooksApi',
  leadActivity: 'LeadActivity',
  dueChecks: 'DueChecks',
  sendEmail: 'SendEmail',
  mailEvents: 'MailEvents',
  deliverWebhooks: 'DeliverWebhooks',
  exportLeads: 'ExportLeads',
};

export const FIXTURE_HANDLER = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));
/** A built widget's shape: the entry and one hashed chunk. */
export const FIXTURE_WIDGET = fileURLToPath(new URL('./fixtures/widget/', import.meta.url));
export const FIXTURE_CONSOLE = fileURLToPath(new URL('./fixtures/console/', import.meta.url));

/** The demo config, optionally changed in place on a copy. */
export function infraConfig(change?: (config: FunnelConfigInput) => void): FunnelConfigInput {
  const copy = deployableConfig();
  change?.(copy);
  return copy;
}

/**
 * The demo config as a deployment would have it: its local URLs (origins, links, the webhook receiver) on
 * https hosts of a real-looking domain and its sender off the reserved `.example` domain, which
 * `cdk synth` refuses (infra/production-checks.ts).
 */
export function deployableConfig(): FunnelConfigInput {
  const local = JSON.stringify(resolveConfig(rawConfig, localEnv()));
  const deployed = local
    .replaceAll('http://localhost:3000/demo/webhooks/', 'https://crm.acme.com/hooks/')
    .replaceAll('http://localhost:3000', 'https://blog.acme.com')
    .replaceAll('acme.example', 'acme.com');
  return JSON.parse(deployed) as FunnelConfigInput;
}

/**
 * The context every test synth takes: no bundling (fast, independent of the real handlers) and no asset
 * staging (assets stay where they are: a synth copied a 21 MB zip, the bucket deployment's CLI layer, into a
 * new temporary folder each time; hundreds a run filled the disk).
 */
export const TEST_SYNTH = { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true } as const;

/**
 * Build the app with fixture handlers and bundling skipped (`aws:cdk:bundling-stacks: []`): fast, and
 * independent of the real handlers. `context` takes the same keys as `cdk -c key=value`.
 */
export function synthTemplates(options: { config?: unknown; context?: Record<string, unknown>; env?: { account?: string; region?: string } } = {}) {
  const built = buildApp(options.config ?? infraConfig(), {
    env: options.env ?? {},
    appProps: { context: { ...TEST_SYNTH, ...options.context } },
    entries: {
      capture: FIXTURE_HANDLER,
      leads: FIXTURE_HANDLER,
      openapi: FIXTURE_HANDLER,
      mail: FIXTURE_HANDLER,
      webhooks: FIXTURE_HANDLER,
      leadActivity: FIXTURE_HANDLER,
      dueChecks: FIXTURE_HANDLER,
      sendEmail: FIXTURE_HANDLER,
      mailEvents: FIXTURE_HANDLER,
      deliverWebhooks: FIXTURE_HANDLER,
      exportLeads: FIXTURE_HANDLER,
    },
    widgetDirectory: FIXTURE_WIDGET,
    consoleDirectory: FIXTURE_CONSOLE,
  });
  return {
    ...built,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
    firewall: built.firewall && Template.fromStack(built.firewall),
  };
}

/**
 * CDK's own deploy-time functions (the widget upload, the widget bucket's emptying on delete): their roles
 * are CDK's, acknowledged in infra/widget-cdn.ts; the least-privilege tests hold the funnel's own.
 */
export const CDK_DEPLOY_TIME = /^Custom(CDKBucketDeployment|S3AutoDeleteObjects)/;

/** The template's resources of a type, without CDK's deploy-time functions and their roles. */
export function funnelResources(template: Template, type: string): Resources {
  return Object.fromEntries(Object.entries(template.findResources(type) as Resources).filter(([id]) => !CDK_DEPLOY_TIME.test(id)));
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; [k: string]: unknown }>;

/** Logical id of the one Lambda function whose logical id starts with `prefix` (Capture, Leads, OpenApi, …). */
export function functionId(template: Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith(`${prefix}Function`));
  if (ids.length !== 1) throw new Error(`expected one ${prefix} function, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every IAM statement that applies to a function's execution role (inline policies attached to it). */
export function statementsOf(template: Template, fnId: string): Statement[] {
  const fn = template.findResources('AWS::Lambda::Function')[fnId]!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((p) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statements: Statement[]): string[] => statements.flatMap((s) => asArray(s.Action));

/** Statements whose actions are DynamoDB's, with their resources as JSON (tokens included). */
export const dynamoStatements = (statements: Statement[]) => statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
