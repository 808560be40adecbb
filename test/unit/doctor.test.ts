import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetAccountCommand, GetEmailIdentityCommand, NotFoundException, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type DoctorClients, main } from '../../scripts/doctor.js';

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const ses = mockClient(SESv2Client);
const clients = (): DoctorClients => ({
  sts: new STSClient({}),
  cloudFormation: () => new CloudFormationClient({}),
  lambda: new LambdaClient({}),
  ses: new SESv2Client({}),
});

/** A fresh account, as most first deploys meet it: nothing bootstrapped, 10 executions, the SES sandbox. */
function freshAccount() {
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id CDKToolkit does not exist'), { name: 'ValidationError' }));
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10 } });
  ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true, SendQuota: { Max24HourSend: 200, MaxSendRate: 1 } });
  ses.on(GetEmailIdentityCommand).rejects(new NotFoundException({ message: 'not found', $metadata: {} }));
}

const run = async (argv: string[]) => {
  const lines: string[] = [];
  const code = await main(argv, (l) => lines.push(l), {}, clients);
  return { code, text: lines.join('\n') };
};

describe('npm run doctor', () => {
  beforeEach(() => {
    for (const m of [sts, cfn, lambda, ses]) m.reset();
  });

  it('names what a fresh account lacks, each with its fix, and exits 1', async () => {
    // Prepare
    freshAccount();
    // Act
    const { code, text } = await run(['--region', 'eu-west-1', '--waf', '--sender-domains', 'acme.com']);
    // Assess: both environments to bootstrap, the concurrency, the sandbox, the identity to come, CloudFront
    expect(code).toBe(1);
    expect(text).toContain('✘ CDK bootstrap of aws://123456789012/eu-west-1: not bootstrapped\n    → npx cdk bootstrap aws://123456789012/eu-west-1');
    expect(text).toContain('→ npx cdk bootstrap aws://123456789012/us-east-1');
    expect(text).toMatch(/✘ Lambda concurrency: 10 concurrent executions .* up to 13, the API the rest\n {4}→ Ask for 1000/);
    expect(text).toMatch(/⚠ SES sending: sandbox: .*200 a day/);
    expect(text).toContain('✔ SES identity acme.com: not created yet');
    expect(text).toContain('⚠ CloudFront');
    expect(text).toContain('thing(s) in the way of a deploy');
  });

  it('passes a ready account, warns of DKIM still pending, and exits 0', async () => {
    // Prepare
    freshAccount();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '28' }],
        },
      ],
    });
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
    ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14 } });
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false, DkimAttributes: { Status: 'PENDING' } });
    // Act
    const { code, text } = await run(['--region', 'eu-west-1', '--sender-domains', 'acme.com']);
    // Assess
    expect(code).toBe(0);
    expect(text).toContain('✔ CDK bootstrap of aws://123456789012/eu-west-1: version 28');
    expect(text).not.toContain('us-east-1');
    expect(text).toContain('⚠ SES identity acme.com: DKIM PENDING, not verified for sending');
    expect(text).toContain('Nothing in the way of a deploy.');
  });

  it('stops at missing credentials, and refuses a region it cannot serve', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const noCredentials = await run(['--region', 'eu-west-1', '--sender-domains', 'acme.com']);
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.text).toMatch(/^✘ AWS credentials: CredentialsProviderError/);
    freshAccount();
    expect((await run(['--region', 'ap-southeast-4', '--sender-domains', 'acme.com'])).text).toContain('✘ Region: Funnel cannot deploy to ap-southeast-4');
  });
});
