import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledge a cdk-nag (AwsSolutions) finding on a construct, with its reason, where the construct is
 * made. buildApp runs the checks on every synth: an unacknowledged finding fails `cdk synth` and the tests.
 */
export const acknowledge = (construct: IConstruct, id: string, reason: string) => Validations.of(construct).acknowledge({ id, reason });
