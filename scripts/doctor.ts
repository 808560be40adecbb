import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fileURLToPath } from 'node:url';
import { DEPLOYED, parseConfig } from '../functions/core/config.js';
import { configSenderDomains } from '../infra/sender-identities.js';
import { refuseUnservedRegion, UnservedRegionError } from '../infra/funnel-app.js';
import { asyncConcurrency } from '../infra/stateless-stack.js';
import { loadConfigFile } from '../local/config-file.js';
import { CliError, parseCli, runCli } from './cli.js';

export const USAGE = `Usage: npm run doctor -- [--region <region>] [--waf] [--sender-domains a.com,b.com]

Reads, with your AWS credentials, what a first deploy needs, and names each missing piece with its fix:
credentials, a region Funnel deploys to, the CDK bootstrap of each environment (us-east-1 too with
--waf), the account's Lambda concurrency, the SES sandbox and quota, and each sender domain's SES
identity and DKIM. Changes nothing. Region: --region, else AWS_REGION / AWS_DEFAULT_REGION.`;

/** One finding: passed, worth knowing, or in the way of a deploy, with what to do about it. */
export interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** The SDK clients the checks use (tests pass mocked ones). */
export interface DoctorClients {
  sts: STSClient;
  cloudFormation(region: string): CloudFormationClient;
  lambda: LambdaClient;
  ses: SESv2Client;
}

/** Lambda's default concurrency for an account out of its first days; a new account gets 10 (Service Quotas L-B99A9384). */
const USUAL_CONCURRENCY = 1000;

/**
 * Every check, in the order a deploy meets them. Each failure of a call is a finding, not a crash: a
 * missing permission says which.
 */
export async function diagnose(o: { region: string; waf: boolean; senderDomains: string[]; clients: DoctorClients }): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const failed = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

  let account: string;
  try {
    account = (await o.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    add({ check: 'AWS credentials', status: 'ok', detail: `account ${account}` });
  } catch (error) {
    add({ check: 'AWS credentials', status: 'fail', detail: failed(error), fix: 'Sign in (aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again.' });
    return findings;
  }

  try {
    refuseUnservedRegion(o.region);
    add({ check: 'Region', status: 'ok', detail: o.region });
  } catch (error) {
    if (!(error instanceof UnservedRegionError)) throw error;
    add({ check: 'Region', status: 'fail', detail: error.message, fix: 'Deploy to one of the regions listed (--region, AWS_REGION).' });
  }

  for (const region of o.waf ? [o.region, 'us-east-1'] : [o.region]) {
    const check = `CDK bootstrap of aws://${account}/${region}`;
    try {
      const stack = (await o.clients.cloudFormation(region).send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks?.[0];
      const version = Number(stack?.Outputs?.find((x) => x.OutputKey === 'BootstrapVersion')?.OutputValue ?? 0);
      if (!stack?.StackStatus?.endsWith('_COMPLETE') || stack.StackStatus.includes('ROLLBACK'))
        add({ check, status: 'fail', detail: `CDKToolkit is ${stack?.StackStatus}`, fix: `npx cdk bootstrap aws://${account}/${region}` });
      else if (version < 6)
        add({ check, status: 'fail', detail: `bootstrap version ${version} (6 or later needed)`, fix: `npx cdk bootstrap aws://${account}/${region}` });
      else add({ check, status: 'ok', detail: `version ${version}` });
    } catch (error) {
      const missing = /does not exist/.test((error as Error).message);
      add({ check, status: 'fail', detail: missing ? 'not bootstrapped' : failed(error), fix: `npx cdk bootstrap aws://${account}/${region}` });
    }
  }

  try {
    const limit = (await o.clients.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.ConcurrentExecutions ?? 0;
    const background = asyncConcurrency();
    if (limit < USUAL_CONCURRENCY)
      add({
        check: 'Lambda concurrency',
        status: limit <= background + 10 ? 'fail' : 'warn',
        detail: `${limit} concurrent executions in the account: the email sender, webhook sender, SES events, due checks and table stream take up to ${background}, the API the rest`,
        fix: `Ask for ${USUAL_CONCURRENCY} (Service Quotas, AWS Lambda, "Concurrent executions", L-B99A9384): usually granted within a day.`,
      });
    else add({ check: 'Lambda concurrency', status: 'ok', detail: `${limit} concurrent executions (up to ${background} for background work)` });
  } catch (error) {
    add({ check: 'Lambda concurrency', status: 'warn', detail: failed(error), fix: 'Allow lambda:GetAccountSettings to read it.' });
  }

  try {
    const ses = await o.clients.ses.send(new GetAccountCommand({}));
    const quota = ses.SendQuota;
    const perDay = quota?.Max24HourSend ?? 0;
    if (!ses.ProductionAccessEnabled)
      add({
        check: 'SES sending',
        status: 'warn',
        detail: `sandbox: emails go to verified addresses only, ${perDay} a day at ${quota?.MaxSendRate ?? 0} a second`,
        fix: 'Request production access (SES console, Account dashboard), with how readers opt in and how you handle bounces and complaints.',
      });
    else if (!ses.SendingEnabled)
      add({
        check: 'SES sending',
        status: 'fail',
        detail: 'sending is paused for the account',
        fix: 'See the SES console: reputation and the notice AWS sent.',
      });
    else add({ check: 'SES sending', status: 'ok', detail: `production, ${perDay} a day at ${quota?.MaxSendRate ?? 0} a second` });
  } catch (error) {
    add({ check: 'SES sending', status: 'warn', detail: failed(error), fix: 'Allow ses:GetAccount to read it.' });
  }

  for (const domain of o.senderDomains) {
    const check = `SES identity ${domain}`;
    try {
      const identity = await o.clients.ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
      const dkim = identity.DkimAttributes?.Status;
      if (identity.VerifiedForSendingStatus && dkim === 'SUCCESS') add({ check, status: 'ok', detail: 'verified, DKIM signing' });
      else
        add({
          check,
          status: 'warn',
          detail: `DKIM ${dkim ?? 'not set up'}${identity.VerifiedForSendingStatus ? '' : ', not verified for sending'}`,
          fix: 'Publish the three DKIM CNAME records the stateful stack outputs (…DkimRecord1-3) in the DNS of the domain; SES checks them within hours.',
        });
    } catch (error) {
      if ((error as Error).name === 'NotFoundException')
        add({ check, status: 'ok', detail: 'not created yet: the stateful stack creates it (then publish the DKIM records it outputs)' });
      else add({ check, status: 'warn', detail: failed(error), fix: 'Allow ses:GetEmailIdentity to read it.' });
    }
  }

  add({
    check: 'CloudFront',
    status: 'warn',
    detail:
      'no API tells whether the account may create distributions: new accounts are often refused ("Your account must be verified before you can add new CloudFront resources")',
    fix: 'If the deploy stops there, open an AWS Support case (Account and billing, no charge) asking to enable CloudFront, then deploy again.',
  });
  return findings;
}

const MARK = { ok: '✔', warn: '⚠', fail: '✘' } as const;

/** The whole command; returns the exit code (1 when something is in the way of a deploy). */
export async function main(
  argv: string[],
  out = console.log,
  env: Record<string, string | undefined> = process.env,
  clients?: (region: string) => DoctorClients,
): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, region: { type: 'string' }, waf: { type: 'boolean' }, 'sender-domains': { type: 'string' } },
    },
    USAGE,
  );
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError(`Which region? Pass --region <region> or set AWS_REGION.\n\n${USAGE}`);
  const senderDomains =
    values['sender-domains']?.split(',').map((d) => d.trim().toLowerCase()) ?? configSenderDomains(parseConfig(await loadConfigFile(env), DEPLOYED));
  const findings = await diagnose({ region, waf: values.waf === true, senderDomains, clients: (clients ?? awsClients)(region) });
  for (const f of findings) out(`${MARK[f.status]} ${f.check}: ${f.detail}${f.fix && f.status !== 'ok' ? `\n    → ${f.fix}` : ''}`);
  const blocking = findings.filter((f) => f.status === 'fail').length;
  out(blocking ? `\n${blocking} thing(s) in the way of a deploy.` : '\nNothing in the way of a deploy.');
  return blocking ? 1 : 0;
}

const awsClients = (region: string): DoctorClients => ({
  sts: new STSClient({ region }),
  cloudFormation: (r) => new CloudFormationClient({ region: r }),
  lambda: new LambdaClient({ region }),
  ses: new SESv2Client({ region }),
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
