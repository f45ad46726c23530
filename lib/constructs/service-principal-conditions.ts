import { Lazy, Stack, type IAspect } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

interface Statement {
  Principal?: { Service?: string | string[] };
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Statement: Statement[];
}

/**
 * Confused-deputy protection for the resource policies CDK writes: CDK grants EventBridge
 * (`targets.SqsQueue` on an encrypted queue, `targets.SnsTopic`) and S3 server access logging
 * (`grantEncryptDecrypt` on the log bucket's key) with no condition. Every statement of a key,
 * queue or topic policy that admits a service principal without conditions gets
 * `aws:SourceAccount` = this account, and, for EventBridge on a queue or topic, `aws:SourceArn` =
 * the rules of this stack that target it. (A key policy cannot name the rule or bucket ARNs: they
 * depend on resources the key encrypts, a dependency cycle.)
 */
export class ServicePrincipalConditions implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof kms.CfnKey) {
      const original = node.keyPolicy as unknown;
      node.keyPolicy = this.conditioned(node, original, () => []);
    } else if (node instanceof sqs.CfnQueuePolicy) {
      const original = node.policyDocument as unknown;
      node.policyDocument = this.conditioned(node, original, () => rulesTargeting(node, node.queues));
    } else if (node instanceof sns.CfnTopicPolicy) {
      const original = node.policyDocument as unknown;
      node.policyDocument = this.conditioned(node, original, () => rulesTargeting(node, node.topics));
    }
  }

  private conditioned(scope: IConstruct, original: unknown, ruleArns: () => unknown[]): unknown {
    const stack = Stack.of(scope);
    return Lazy.any({
      produce: () => {
        const document = stack.resolve(original) as PolicyDocument;
        const rules = ruleArns();
        for (const statement of document.Statement) {
          const services = [statement.Principal?.Service ?? []].flat();
          if (services.length === 0 || statement.Condition) continue;
          statement.Condition = { StringEquals: { 'aws:SourceAccount': stack.resolve(stack.account) } };
          if (services.every((s) => s === 'events.amazonaws.com') && rules.length > 0) statement.Condition.ArnEquals = { 'aws:SourceArn': rules };
        }
        return document;
      },
    });
  }
}

/** ARNs of this stack's EventBridge rules whose targets are one of `resources` (queue URLs or topic ARNs, as Refs). */
function rulesTargeting(scope: IConstruct, resources: unknown): unknown[] {
  const stack = Stack.of(scope);
  const targetIds = new Set((stack.resolve(resources) as { Ref?: string }[]).map((r) => r.Ref).filter((id) => id !== undefined));
  const logicalIdOf = (arn: unknown): string | undefined => {
    const resolved = (stack.resolve(arn) ?? {}) as { Ref?: string; 'Fn::GetAtt'?: string[] };
    return resolved.Ref ?? resolved['Fn::GetAtt']?.[0];
  };
  return (
    stack.node
      .findAll()
      // A stack's tree may hold nested stages' stacks (the delivery stack): only this stack's rules.
      .filter((c): c is events.CfnRule => c instanceof events.CfnRule && Stack.of(c) === stack)
      // L1 targets resolve in their property form (camelCase "arn").
      .filter((rule) => (stack.resolve(rule.targets) as { arn: unknown }[] | undefined)?.some((t) => targetIds.has(logicalIdOf(t.arn) ?? '')))
      .map((rule) => stack.resolve(rule.attrArn))
  );
}
