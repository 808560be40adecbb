import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../functions/core/people.js';
import { acknowledge } from './nag.js';

export interface ConsoleUsersProps {
  /** The first admin: Cognito emails them a temporary password (`-c adminEmail=…`). */
  readonly adminEmail?: string;
  /** Keep the user pool when the stack is deleted. */
  readonly retain: boolean;
}

/**
 * The console's people in an Amazon Cognito user pool (the stateful stack: people outlive deploys).
 * Self sign-up is off: an admin adds people (the console's users page, or the AWS console) and puts each
 * in a group named after a role (admin, marketer, sales, viewer), which Cognito writes into the access
 * token's `cognito:groups`. Sign-in on Cognito's managed login pages, with MFA (an authenticator app)
 * available to everyone. The console's app client lives with the console (the stateless stack), which
 * knows its address.
 */
export class ConsoleUsers extends Construct {
  readonly userPool: cognito.UserPool;
  readonly domain: cognito.UserPoolDomain;
  /** The OpenID issuer of the pool's tokens. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ConsoleUsersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.userPool = new cognito.UserPool(this, 'Pool', {
      userPoolName: `${stack.stackName}-console`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'MFA is offered to every person (an authenticator app); requiring it is one setting (docs/console.md), left to the operator.',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG3',
      "Cognito's threat protection is billed per active user on the Plus tier; the pool takes no self sign-up and every console route is also rate limited.",
    );
    acknowledge(this.userPool, 'AwsSolutions-COG8', 'The Essentials tier covers managed login and MFA; Plus (threat protection) is an operator choice.');
    for (const role of ROLES)
      new cognito.CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: this.userPool.userPoolId, groupName: role, description: `Funnel console: ${role}` });
    // The managed login pages live at a Cognito domain; the prefix is unique per region across AWS.
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix: `funnel-${stack.account}-${stack.stackName}`
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '-')
          .slice(0, 63),
      },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    if (props.adminEmail) {
      const admin = new cognito.CfnUserPoolUser(this, 'FirstAdmin', {
        userPoolId: this.userPool.userPoolId,
        username: props.adminEmail,
        desiredDeliveryMediums: ['EMAIL'],
        userAttributes: [
          { name: 'email', value: props.adminEmail },
          { name: 'email_verified', value: 'true' },
        ],
      });
      const membership = new cognito.CfnUserPoolUserToGroupAttachment(this, 'FirstAdminIsAdmin', {
        userPoolId: this.userPool.userPoolId,
        username: props.adminEmail,
        groupName: 'admin',
      });
      membership.addDependency(admin);
      membership.addDependency(this.node.findChild('Group-admin') as cognito.CfnUserPoolGroup);
    }
    this.issuer = this.userPool.userPoolProviderUrl;
    new CfnOutput(this, 'UserPoolId', {
      key: 'ConsoleUserPoolId',
      value: this.userPool.userPoolId,
      description: 'The console’s people (add them, and put them in a role group)',
    });
  }
}
