import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's wildcard finding for the objects under one prefix of one bucket, and
 * nothing wider: cdk-nag 3 matches the exact finding id, which names the bucket's logical id.
 */
export function acknowledgeObjectPrefix(scope: IConstruct, bucket: s3.IBucket, prefix: string, reason: string): void {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnResource);
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`, reason });
}
