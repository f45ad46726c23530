import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';

/** An IAM policy document as the template holds it, with its intrinsics resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** A role's identity policies, by the name the template gives them. */
export interface RolePolicies {
  readonly roleArn: string;
  readonly policies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
}

const refOf = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;
const getAttOf = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/**
 * The identity policies of every role in the template: the role's inline `Policies`, and every
 * AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to it through `Roles`. AWS managed policies
 * (`ManagedPolicyArns`) are not in the template; the roles here attach only
 * AWSLambdaBasicExecutionRole (CloudWatch Logs), which the local runtime does not call.
 */
export function rolePoliciesOf(template: CfnTemplate, render: RenderOptions): Map<string, RolePolicies> {
  const resolve = (value: unknown) => resolveIntrinsics(template, value, render);
  const roles = new Map<string, RolePolicies & { policies: { name: string; policy: PolicyDocument }[] }>();
  for (const id of resourcesOfType(template, 'AWS::IAM::Role')) {
    const properties = template.Resources[id].Properties ?? {};
    const inline = asList(properties.Policies).map((p) => {
      const policy = p as { PolicyName: unknown; PolicyDocument: unknown };
      return { name: String(resolve(policy.PolicyName)), policy: resolve(policy.PolicyDocument) as PolicyDocument };
    });
    roles.set(id, { roleArn: resolve({ 'Fn::GetAtt': [id, 'Arn'] }) as string, policies: inline });
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const id of resourcesOfType(template, type)) {
      const properties = template.Resources[id].Properties ?? {};
      for (const role of asList(properties.Roles)) {
        const roleId = refOf(role);
        const entry = roleId ? roles.get(roleId) : undefined;
        if (!entry) throw new Error(`${type} ${id} is attached to ${JSON.stringify(role)}, which is not a role of the template`);
        entry.policies.push({ name: id, policy: resolve(properties.PolicyDocument) as PolicyDocument });
      }
    }
  }
  return roles;
}

/** Resource types whose policies live in a resource of their own, and where that resource names its targets. */
const RESOURCE_POLICY_TYPES = [
  { type: 'AWS::S3::BucketPolicy', targets: 'Bucket', document: 'PolicyDocument', arnOf: (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] }) },
  { type: 'AWS::SNS::TopicPolicy', targets: 'Topics', document: 'PolicyDocument', arnOf: (id: string) => ({ Ref: id }) },
  { type: 'AWS::SQS::QueuePolicy', targets: 'Queues', document: 'PolicyDocument', arnOf: (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] }) },
] as const;

/**
 * The resource policies of the template by the ARN of the resource they protect: bucket, topic
 * and queue policies, and every KMS key's key policy.
 */
export function resourcePoliciesOf(template: CfnTemplate, render: RenderOptions): Map<string, PolicyDocument> {
  const resolve = (value: unknown) => resolveIntrinsics(template, value, render);
  const policies = new Map<string, PolicyDocument>();
  for (const { type, targets, document, arnOf } of RESOURCE_POLICY_TYPES) {
    for (const id of resourcesOfType(template, type)) {
      const properties = template.Resources[id].Properties ?? {};
      for (const target of asList(properties[targets])) {
        const targetId = refOf(target) ?? getAttOf(target);
        if (!targetId) throw new Error(`${type} ${id} protects ${JSON.stringify(target)}, which is not a resource of the template`);
        policies.set(resolve(arnOf(targetId)) as string, resolve(properties[document]) as PolicyDocument);
      }
    }
  }
  for (const id of resourcesOfType(template, 'AWS::KMS::Key')) {
    policies.set(resolve({ 'Fn::GetAtt': [id, 'Arn'] }) as string, resolve(template.Resources[id].Properties?.KeyPolicy) as PolicyDocument);
  }
  return policies;
}
