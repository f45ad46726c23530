import { Stack, Token, Validations, type CfnResource } from 'aws-cdk-lib';
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

/**
 * How cdk-nag spells an ARN of this stack's account and region in a finding id: the pseudo
 * parameters for an environment-agnostic stack, the literal values for a stage with its env.
 */
export function findingArn(scope: IConstruct, service: string, resource: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
}

/** A cdk-nag finding's resource part for SageMaker resources named "<name>" of this account and region. */
export function sagemakerFinding(scope: IConstruct, resource: string, name: string): string {
  return `Resource::${findingArn(scope, 'sagemaker', `${resource}/${findingText(scope, name)}`)}`;
}

/**
 * How cdk-nag spells a string that holds tokens: Ref as "<Name>", GetAtt as "<Id.Attr>", any
 * other intrinsic as its JSON (e.g. the Fn::Select of the stack UUID in the model package group name).
 */
export function findingText(scope: IConstruct, text: string): string {
  if (!Token.isUnresolved(text)) return text;
  const resolved = Stack.of(scope).resolve(text) as string | { 'Fn::Join'?: [string, unknown[]] };
  if (typeof resolved === 'string') return resolved;
  if (!resolved['Fn::Join']) return JSON.stringify(resolved);
  const [separator, parts] = resolved['Fn::Join'];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const intrinsic = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
      if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
      return JSON.stringify(part);
    })
    .join(separator);
}
