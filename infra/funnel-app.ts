import { App, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as logs from 'aws-cdk-lib/aws-logs';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { WIDGET_DIR } from '../widget/build.js';
import { CONSOLE_DIR } from '../console/build.js';
import type { CustomDomain } from './widget-cdn.js';
import { ConfigIndex, DEPLOYED, InvalidConfigError, localEnv, parseConfig, resolveConfig } from '../functions/core/config.js';
import { type TrackingVariant, trackingVariant } from '../functions/adapters/ses/tracking.js';
import { productionProblems } from './production-checks.js';
import { configSenderDomains, managedDomains, planSenderIdentities, type SenderIdentities, senderProblems } from './sender-identities.js';
import { DEFAULT_WAF_RATE_LIMIT, FirewallStack } from './api-edge.js';
import { destinationSecretName, StatefulStack, trackedSetParameter, webhookSecretName } from './stateful-stack.js';
import { DEFAULT_THROTTLE, PARAMS_AND_SECRETS_VERSION, StatelessStack, type HandlerEntries, type LogLevel } from './stateless-stack.js';

/** aws-cdk-lib's recommended feature flags for new apps (what `cdk init` writes into cdk.json). */
const RECOMMENDED_FLAGS = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<
  string,
  unknown
>;

/** The repository root: where package-lock.json, node_modules and functions/ live. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const DEFAULT_ENTRIES: HandlerEntries = {
  capture: path.join(PROJECT_ROOT, 'functions/handlers/forms.ts'),
  leads: path.join(PROJECT_ROOT, 'functions/handlers/leads.ts'),
  openapi: path.join(PROJECT_ROOT, 'functions/handlers/openapi.ts'),
  mail: path.join(PROJECT_ROOT, 'functions/handlers/mail-links.ts'),
  leadActivity: path.join(PROJECT_ROOT, 'functions/handlers/lead-activity.ts'),
  dueChecks: path.join(PROJECT_ROOT, 'functions/handlers/due-checks.ts'),
  sendEmail: path.join(PROJECT_ROOT, 'functions/handlers/send-email.ts'),
  mailEvents: path.join(PROJECT_ROOT, 'functions/handlers/mail-events.ts'),
  webhooks: path.join(PROJECT_ROOT, 'functions/handlers/webhooks-api.ts'),
  deliverWebhooks: path.join(PROJECT_ROOT, 'functions/handlers/deliver-webhooks.ts'),
  exportLeads: path.join(PROJECT_ROOT, 'functions/handlers/export-leads.ts'),
};

/** Deploy-time parameters, read from CDK context (`npx cdk deploy -c stage=staging -c apiThrottleRate=20`). */
export interface FunnelSettings {
  /** Prefix of both stack names. */
  stackPrefix: string;
  /** Environment name: stacks are `${stackPrefix}-${stage}-Stateful` / `-Stateless`. */
  stage: string;
  apiThrottleRate: number;
  apiThrottleBurst: number;
  logLevel: LogLevel;
  logRetentionDays: logs.RetentionDays;
  memorySize: number;
  /** Deletion protection + RETAIN on the table. */
  retainData: boolean;
  /** X-Ray active tracing of every function. */
  tracing: boolean;
  /** AWS WAF before the widget and the API (the API then behind CloudFront): a rate limit per address. */
  waf: boolean;
  /** With `waf`: requests one address may make in 5 minutes. */
  wafRateLimit: number;
  /** The domains emails are sent from, each an SES identity. Default: the domains of the deployed sites' `email.from`. */
  senderDomains?: string[];
  /** Sender domains whose SES identity already exists in the account and region (another stage, the console): used, not created. `*`: all. */
  existingIdentities?: string[] | '*';
  /**
   * Webhook signing secrets (`site/endpoint`) that already exist in the account and region: used by name,
   * not created. A secret is kept when its stack is deleted (or waits out Secrets Manager's recovery
   * window), so a stack deployed again after `cdk destroy` takes its secrets back this way. `*`: all.
   */
  existingWebhookSecrets?: string[] | '*';
  /** With `waf`: the edge secret's version CloudFront sends, named after a rotation (docs/deploy.md). */
  edgeSecretVersion?: string;
  /** Where alarms are emailed (an SNS subscription to confirm once). */
  alarmEmail?: string;
  /**
   * The console's sign-in by an OpenID provider you already have (`-c consoleIssuer=https://… -c
   * consoleAudience=<the client id or API audience its access tokens name>`): both, or neither.
   */
  consoleIssuer?: string;
  consoleAudience?: string;
  /** That provider's client id for the console, when its access tokens name another audience (an API's). @default consoleAudience */
  consoleClientId?: string;
  /** Without an external provider: the console's first admin in the Cognito pool, emailed a temporary password (`-c adminEmail=…`). */
  adminEmail?: string;
  /** The claim of that provider's access tokens holding a person's roles (`-c consoleRolesClaim=groups`). @default cognito:groups */
  consoleRolesClaim?: string;
  /** The API's own name (`-c apiDomain=api.example.com -c apiCertificateArn=<ACM, the stack's region>`). */
  apiDomain?: CustomDomain;
  /** The widget's own name (`-c widgetDomain=cdn.example.com -c widgetCertificateArn=<ACM, us-east-1>`). */
  widgetDomain?: CustomDomain;
}

/** The context keys beside the settings' own: a domain and its certificate are given as two values. */
type ContextKey = keyof FunnelSettings | 'apiCertificateArn' | 'widgetCertificateArn';

const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:certificate\/[0-9a-f-]{36}$/;

export const DEFAULT_SETTINGS: FunnelSettings = {
  stackPrefix: 'Funnel',
  stage: 'prod',
  apiThrottleRate: DEFAULT_THROTTLE.rateLimit,
  apiThrottleBurst: DEFAULT_THROTTLE.burstLimit,
  logLevel: 'info',
  logRetentionDays: logs.RetentionDays.ONE_MONTH,
  memorySize: 512,
  retainData: true,
  tracing: false,
  waf: false,
  wafRateLimit: DEFAULT_WAF_RATE_LIMIT,
};

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** The domain of the first site's sender address: what SES must have verified. */
export class InvalidSettingError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(`Invalid CDK context "${key}" = ${JSON.stringify(value)}: ${expected}`);
    this.name = 'InvalidSettingError';
  }
}

const RETENTION_VALUES = new Set(Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number'));

/** Read and validate settings from the app's context (values from `-c` arrive as strings). */
export function readSettings(app: App, region?: string): FunnelSettings {
  const get = (key: ContextKey): unknown => app.node.tryGetContext(key);
  const str = (key: keyof FunnelSettings, fallback: string, re: RegExp, expected: string): string => {
    const v = get(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !re.test(v)) throw new InvalidSettingError(key, v, expected);
    return v;
  };
  const int = (key: keyof FunnelSettings, fallback: number, min: number, max: number): number => {
    const v = get(key);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidSettingError(key, v, `an integer from ${min} to ${max}`);
    return n;
  };
  const bool = (key: keyof FunnelSettings, fallback: boolean): boolean => {
    const v = get(key);
    if (v === undefined) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new InvalidSettingError(key, v, 'true or false');
  };

  const logLevel = str('logLevel', DEFAULT_SETTINGS.logLevel, /^(info|warn|error|silent)$/, 'info, warn, error or silent') as LogLevel;
  const logRetentionDays = int('logRetentionDays', DEFAULT_SETTINGS.logRetentionDays, 1, 3653);
  if (!RETENTION_VALUES.has(logRetentionDays)) {
    throw new InvalidSettingError('logRetentionDays', get('logRetentionDays'), `one of ${[...RETENTION_VALUES].sort((a, b) => a - b).join(', ')}`);
  }
  const settings: FunnelSettings = {
    stackPrefix: str('stackPrefix', DEFAULT_SETTINGS.stackPrefix, /^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'letters, digits and dashes, starting with a letter'),
    stage: str('stage', DEFAULT_SETTINGS.stage, /^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes'),
    apiThrottleRate: int('apiThrottleRate', DEFAULT_SETTINGS.apiThrottleRate, 1, 10_000),
    apiThrottleBurst: int('apiThrottleBurst', DEFAULT_SETTINGS.apiThrottleBurst, 1, 5_000),
    logLevel,
    logRetentionDays: logRetentionDays as logs.RetentionDays,
    memorySize: int('memorySize', DEFAULT_SETTINGS.memorySize, 128, 10_240),
    retainData: bool('retainData', DEFAULT_SETTINGS.retainData),
    tracing: bool('tracing', DEFAULT_SETTINGS.tracing),
    waf: bool('waf', DEFAULT_SETTINGS.waf),
    // AWS WAF's bounds for a rate-based rule.
    wafRateLimit: int('wafRateLimit', DEFAULT_SETTINGS.wafRateLimit, 10, 2_000_000_000),
  };
  const domains = (key: 'senderDomains' | 'existingIdentities'): string[] | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? v.split(',').map((d) => d.trim().toLowerCase()) : [];
    if (!list.length || !list.every((d) => DOMAIN.test(d)))
      throw new InvalidSettingError(key, v, 'domain names separated by commas, such as acme.com,news.acme.com');
    return list;
  };
  const senderDomains = domains('senderDomains');
  if (senderDomains) settings.senderDomains = senderDomains;
  const existing = get('existingIdentities') === '*' ? '*' : domains('existingIdentities');
  if (existing) settings.existingIdentities = existing;
  const secrets = get('existingWebhookSecrets');
  if (secrets !== undefined) {
    const list = typeof secrets === 'string' ? secrets.split(',').map((s) => s.trim()) : [];
    if (secrets !== '*' && (!list.length || !list.every((s) => /^[a-z0-9-]+\/[a-z0-9-]+$/.test(s))))
      throw new InvalidSettingError('existingWebhookSecrets', secrets, '`*`, or site/endpoint pairs separated by commas, such as demo/crm,blog/hubspot');
    settings.existingWebhookSecrets = secrets === '*' ? '*' : list;
  }
  const edgeSecretVersion = get('edgeSecretVersion');
  if (edgeSecretVersion !== undefined) {
    if (typeof edgeSecretVersion !== 'string' || !/^[A-Za-z0-9-]{32,64}$/.test(edgeSecretVersion))
      throw new InvalidSettingError('edgeSecretVersion', edgeSecretVersion, 'the VersionId that `aws secretsmanager put-secret-value` printed');
    settings.edgeSecretVersion = edgeSecretVersion;
  }
  const alarmEmail = get('alarmEmail');
  if (alarmEmail !== undefined) {
    if (typeof alarmEmail !== 'string' || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(alarmEmail))
      throw new InvalidSettingError('alarmEmail', alarmEmail, 'an email address');
    settings.alarmEmail = alarmEmail;
  }
  const [consoleIssuer, consoleAudience] = [get('consoleIssuer'), get('consoleAudience')];
  if (consoleIssuer !== undefined || consoleAudience !== undefined) {
    if (typeof consoleIssuer !== 'string' || !/^https:\/\/[^\s]+$/.test(consoleIssuer))
      throw new InvalidSettingError('consoleIssuer', consoleIssuer, 'the https URL of an OpenID issuer, given with -c consoleAudience');
    if (typeof consoleAudience !== 'string' || !/^[\w.:/-]{1,256}$/.test(consoleAudience))
      throw new InvalidSettingError(
        'consoleAudience',
        consoleAudience,
        "the audience (or client id) of the issuer's access tokens, given with -c consoleIssuer",
      );
    Object.assign(settings, { consoleIssuer: consoleIssuer.replace(/\/$/, ''), consoleAudience });
  }
  const clientId = get('consoleClientId');
  if (clientId !== undefined) {
    if (typeof clientId !== 'string' || !/^[\w.:/-]{1,256}$/.test(clientId) || settings.consoleIssuer === undefined)
      throw new InvalidSettingError('consoleClientId', clientId, "the console's client id at that provider, with -c consoleIssuer");
    settings.consoleClientId = clientId;
  }
  const adminEmail = get('adminEmail');
  if (adminEmail !== undefined) {
    if (typeof adminEmail !== 'string' || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(adminEmail) || settings.consoleIssuer !== undefined)
      throw new InvalidSettingError('adminEmail', adminEmail, "an email address, for the console's Cognito user pool (not with -c consoleIssuer)");
    settings.adminEmail = adminEmail;
  }
  const rolesClaim = get('consoleRolesClaim');
  if (rolesClaim !== undefined) {
    if (typeof rolesClaim !== 'string' || !/^[\w.:/-]{1,128}$/.test(rolesClaim) || settings.consoleIssuer === undefined)
      throw new InvalidSettingError('consoleRolesClaim', rolesClaim, 'the name of a claim (letters, digits, . : / - _), with -c consoleIssuer');
    settings.consoleRolesClaim = rolesClaim;
  }
  // A name and its certificate come together; CloudFront only takes certificates from us-east-1.
  const customDomain = (name: 'apiDomain' | 'widgetDomain', arnKey: 'apiCertificateArn' | 'widgetCertificateArn', region?: string) => {
    const [domain, arn] = [get(name), get(arnKey)];
    if (domain === undefined && arn === undefined) return;
    if (typeof domain !== 'string' || !DOMAIN.test(domain)) throw new InvalidSettingError(name, domain, `a domain name, given with -c ${arnKey}`);
    const match = typeof arn === 'string' ? CERTIFICATE_ARN.exec(arn) : null;
    if (!match) throw new InvalidSettingError(arnKey, arn, `the ARN of an ACM certificate for ${domain}`);
    if (region && match[1] !== region)
      throw new InvalidSettingError(
        arnKey,
        arn,
        `a certificate in ${region} (${name === 'widgetDomain' || settings.waf ? 'CloudFront uses only those' : "a regional API name takes one from the stack's region"})`,
      );
    settings[name] = { name: domain.toLowerCase(), certificateArn: arn as string };
  };
  // With WAF the API's name is on CloudFront too, so its certificate must be in us-east-1 as well; without,
  // it is a regional API Gateway name, whose certificate must be in the stack's own region (when known).
  customDomain('apiDomain', 'apiCertificateArn', settings.waf ? 'us-east-1' : region);
  customDomain('widgetDomain', 'widgetCertificateArn', 'us-east-1');
  return settings;
}

export interface BuildAppOptions {
  /** Passed to `new App()`; tests set `context` here (settings, `aws:cdk:bundling-stacks`) and `outdir`. */
  readonly appProps?: AppProps;
  /** Override handler entry files (tests point them at fixtures). */
  readonly entries?: Partial<HandlerEntries>;
  /** The built widget's directory. @default dist/widget/ */
  readonly widgetDirectory?: string;
  /** The built console's directory. @default dist/console/ */
  readonly consoleDirectory?: string;
  /**
   * The account and region to deploy to, needed with `-c waf=true` only (its web ACL is in us-east-1, the
   * stacks refer to it across regions). @default the CDK CLI's (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION)
   */
  readonly env?: { readonly account?: string | undefined; readonly region?: string | undefined };
}

export interface FunnelApp {
  readonly app: App;
  /** Sites of the config that exist only locally (`npm start`), left out of this deployment. */
  readonly localOnlySites: readonly string[];
  readonly settings: FunnelSettings;
  /** The SES identities this deployment creates and uses. */
  readonly senders: SenderIdentities;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  /** With `-c waf=true`: the web ACL, in us-east-1. */
  readonly firewall?: FirewallStack;
}

/**
 * Build the whole CDK app from a raw Funnel config. The config is validated first, so a bad value fails
 * synth with its path (`InvalidConfigError`). Stacks are environment-agnostic: no look-ups, no account.
 */
export function buildApp(rawConfig: unknown, options: BuildAppOptions = {}): FunnelApp {
  // The deployed view of the config: a config function gets `{ local: false }` (no demo site, no local URL).
  const config = new ConfigIndex(parseConfig(rawConfig, DEPLOYED));
  const deployedIds = new Set(config.config.sites.map((s) => s.id));
  const localOnlySites = siteIds(rawConfig).filter((id) => !deployedIds.has(id));
  // What a laptop allows and AWS must not: local and example URLs and senders (production-checks.ts).
  const problems = productionProblems(config.config);
  if (problems.length) throw new InvalidConfigError(problems);
  const app = new App({
    ...options.appProps,
    context: {
      // The feature flags a new CDK app gets (`cdk init`), here so the tests synthesize what the CLI does.
      ...RECOMMENDED_FLAGS,
      // Today's behaviour, said out loud: the stateful stack's export cannot be removed while the
      // stateless stack imports it (so the table can never be dropped by accident from under the API).
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      ...options.appProps?.context,
    },
  });
  // AwsSolutions checks on every synth (cdk synth, cdk deploy, the tests): a finding not acknowledged next
  // to its construct, with its reason (infra/nag.ts), fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // The target region, when the CDK CLI knows it (it sets CDK_DEFAULT_REGION from your credentials).
  const region = options.env?.region ?? process.env.CDK_DEFAULT_REGION;
  if (region) refuseUnservedRegion(region);
  const settings = readSettings(app, region);
  const widgetDirectory = options.widgetDirectory ?? WIDGET_DIR;
  if (!existsSync(widgetDirectory))
    throw new Error(`The widget is not built: ${widgetDirectory} is missing (npm run build:widget; cdk synth builds it itself)`);
  const consoleDirectory = options.consoleDirectory ?? CONSOLE_DIR;
  if (!existsSync(consoleDirectory))
    throw new Error(`The console is not built: ${consoleDirectory} is missing (npm run build:console; cdk synth builds it itself)`);
  const prefix = `${settings.stackPrefix}-${settings.stage}`;

  // No sender (no deployed site sends email yet, and no -c senderDomains): no SES identity, no send grant.
  const senders = planSenderIdentities(settings.senderDomains ?? configSenderDomains(config.config), settings.existingIdentities ?? []);
  const senderIssues = senderProblems(config.config, senders);
  if (senderIssues.length) throw new InvalidConfigError(senderIssues);
  const webhookEndpoints = config.config.sites.flatMap((site) =>
    (site.webhooks ?? []).map((e) => ({ siteId: site.id, endpointId: e.id, secretName: webhookSecretName(prefix, site.id, e.id) })),
  );
  const destinations = config.config.sites.flatMap((site) =>
    (site.destinations ?? []).map((d) => ({ siteId: site.id, destinationId: d.id, kind: d.kind, secretName: destinationSecretName(prefix, site.id, d.id) })),
  );
  /** An endpoint's or destination's secret this deploy makes (not one a destroyed stack left, `-c existingWebhookSecrets`). */
  const secretToMake = (siteId: string, id: string) => settings.existingWebhookSecrets !== '*' && !settings.existingWebhookSecrets?.includes(`${siteId}/${id}`);
  // Environment-agnostic stacks, unless WAF is on: its web ACL must be in us-east-1, and a reference
  // across regions needs both ends' account and region.
  const env = settings.waf ? targetEnvironment(options.env ?? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }) : undefined;
  const firewall =
    env &&
    new FirewallStack(app, `${prefix}-Firewall`, {
      description: `Funnel (${settings.stage}): AWS WAF web ACL for CloudFront (us-east-1)`,
      env: { account: env.account, region: 'us-east-1' },
      rateLimit: settings.wafRateLimit,
    });
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    ...(env && { env }),
    description: `Funnel (${settings.stage}): data that outlives deploys`,
    retainData: settings.retainData,
    senderDomains: senders.create,
    trackedVariants: [
      ...new Set(config.config.sites.flatMap((s) => (s.email ? [trackingVariant(s.email.tracking)] : [])).filter((v) => v !== 'none')),
    ] as Exclude<TrackingVariant, 'none'>[],
    // Secrets that exist already (a stack deployed again after a destroy) are used by name, not created.
    // The console's people: a Cognito pool, unless an OpenID provider of your own signs them in.
    ...(!settings.consoleIssuer && { consoleUsers: { ...(settings.adminEmail && { adminEmail: settings.adminEmail }) } }),
    webhookEndpoints: webhookEndpoints.filter((e) => secretToMake(e.siteId, e.endpointId)),
    destinations: destinations.filter((d) => secretToMake(d.siteId, d.destinationId)),
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    ...(env && { env, crossRegionReferences: true }),
    ...(firewall && { firewall: { webAclArn: firewall.webAclArn, ...(settings.edgeSecretVersion && { edgeSecretVersion: settings.edgeSecretVersion }) } }),
    description: `Funnel (${settings.stage}): HTTP API and functions`,
    table: stateful.table,
    visitorTokenSecret: stateful.visitorTokenSecret,
    mail: {
      senderDomains: managedDomains(senders),
      configurationSetName: stateful.configurationSet.configurationSetName,
      trackedSetParameters: Object.fromEntries(
        Object.keys(stateful.trackedSets).map((variant) => [variant, trackedSetParameter(stateful.stackName, variant as TrackingVariant)]),
      ),
      eventsTopic: stateful.mailEventsTopic,
      ...(settings.alarmEmail && { alarmEmail: settings.alarmEmail }),
    },
    webhookSecrets: Object.fromEntries(webhookEndpoints.map((e) => [`${e.siteId}/${e.endpointId}`, e.secretName])),
    destinationSecrets: Object.fromEntries(destinations.map((d) => [`${d.siteId}/${d.destinationId}`, d.secretName])),
    entries: { ...DEFAULT_ENTRIES, ...options.entries },
    projectRoot: PROJECT_ROOT,
    widgetDirectory,
    ...(settings.apiDomain && { apiDomain: settings.apiDomain }),
    ...(settings.widgetDomain && { widgetDomain: settings.widgetDomain }),
    throttle: { rateLimit: settings.apiThrottleRate, burstLimit: settings.apiThrottleBurst },
    logLevel: settings.logLevel,
    logRetention: settings.logRetentionDays,
    retainData: settings.retainData,
    memorySize: settings.memorySize,
    tracing: settings.tracing,
    console: {
      directory: consoleDirectory,
      signIn:
        settings.consoleIssuer && settings.consoleAudience
          ? { issuer: settings.consoleIssuer, clientId: settings.consoleClientId ?? settings.consoleAudience }
          : { userPool: stateful.consoleUsers!.userPool, domain: stateful.consoleUsers!.domain },
      ...(settings.consoleAudience && { audience: settings.consoleAudience }),
      ...(settings.consoleRolesClaim && { rolesClaim: settings.consoleRolesClaim }),
    },
  });
  stateless.addStackDependency(stateful);

  for (const stack of [stateful, stateless, ...(firewall ? [firewall] : [])]) {
    Tags.of(stack).add('app', 'funnel');
    Tags.of(stack).add('stage', settings.stage);
  }
  return { app, localOnlySites, settings, senders, stateful, stateless, ...(firewall && { firewall }) };
}

/** The account and region `-c waf=true` needs, or an error saying where they come from. */
/**
 * The functions read their secrets through the AWS Parameters and Secrets Lambda extension (arm64), a
 * layer AWS publishes per region; aws-cdk-lib knows its ARNs for one version only (1.0.103), which lacks
 * some commercial regions. A deploy there would fail at the layer: refuse at synth with one line instead.
 */
export function refuseUnservedRegion(region: string): void {
  if (RegionInfo.get(region).paramsAndSecretsLambdaLayerArn(PARAMS_AND_SECRETS_VERSION, 'arm64')) return;
  const served = RegionInfo.regions.filter((r) => r.partition === 'aws' && r.paramsAndSecretsLambdaLayerArn(PARAMS_AND_SECRETS_VERSION, 'arm64'));
  throw new UnservedRegionError(
    `Funnel cannot deploy to ${region}: the AWS Parameters and Secrets Lambda extension ${PARAMS_AND_SECRETS_VERSION} (arm64), through which its functions read their secrets, is not published there. Regions it deploys to: ${served.map((r) => r.name).join(', ')}.`,
  );
}

export class UnservedRegionError extends Error {
  override name = 'UnservedRegionError';
}

function targetEnvironment(env: { account?: string | undefined; region?: string | undefined }): { account: string; region: string } {
  if (!env.account || !/^\d{12}$/.test(env.account) || !env.region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(env.region))
    throw new InvalidSettingError(
      'waf',
      true,
      `the target account and region, which the CDK CLI takes from your AWS credentials (CDK_DEFAULT_ACCOUNT=${env.account ?? ''}, CDK_DEFAULT_REGION=${env.region ?? ''}): the web ACL is in us-east-1 and the stacks refer to it`,
    );
  return { account: env.account, region: env.region };
}

/** The site ids of the config's local view (for the note on what a deployment leaves out). */
function siteIds(rawConfig: unknown): string[] {
  try {
    const sites = (resolveConfig(rawConfig, localEnv()) as { sites?: { id?: unknown }[] }).sites;
    return Array.isArray(sites) ? sites.flatMap((s) => (typeof s?.id === 'string' ? [s.id] : [])) : [];
  } catch {
    return [];
  }
}
