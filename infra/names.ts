import { Names, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The name of a resource `id` in `scope` whose names are unique per account, not per region (CloudFront
 * policies and origin access controls, CloudWatch dashboards): the scope's unique name, the id and the
 * stack's region, so one stage deployed in two regions of an account does not collide. `maxLength` is the
 * service's limit.
 * @example regionalName(edge, 'Forward', 128) // 'FunnelprodStatelessApiEdge1A2B3C4DForward-eu-west-1'
 */
export function regionalName(scope: Construct, id: string, maxLength: number): string {
  // A region's name is at most 14 characters (ap-southeast-7); an unresolved one is AWS::Region.
  return `${Names.uniqueResourceName(scope, { maxLength: maxLength - 15 - id.length })}${id}-${Stack.of(scope).region}`;
}
