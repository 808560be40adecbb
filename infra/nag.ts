import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledge a cdk-nag (AwsSolutions) finding on a construct, with its reason, where the construct is
 * made. buildApp runs the checks on every synth: an unacknowledged finding fails `cdk synth` and the tests.
 */
export const acknowledge = (construct: IConstruct, id: string, reason: string) => Validations.of(construct).acknowledge({ id, reason });

/**
 * A finding's resource as cdk-nag writes it: the stack's pseudo parameters as `<AWS::Region>` and the like
 * in an environment-agnostic stack, their values in one deployed to a given account and region (`-c waf=true`).
 * @example nagResource(stack, 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*')
 */
export function nagResource(stack: Stack, text: string): string {
  const values: Record<string, string> = { 'AWS::Partition': stack.partition, 'AWS::Region': stack.region, 'AWS::AccountId': stack.account };
  return text.replace(/<(AWS::(?:Partition|Region|AccountId))>/g, (whole, name: string) => (Token.isUnresolved(values[name]) ? whole : values[name]!));
}
