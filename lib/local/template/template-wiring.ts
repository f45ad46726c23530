import { HANDLER_METADATA_KEY } from '../../../lambdas/contracts/deployment';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from './cfn-template';

/**
 * How the synthesized template wires its serverless pieces together, read for the local runtime:
 * which handler source each function runs with which environment, which queue feeds which
 * function, and which EventBridge rules route which events where.
 */

export interface FunctionWiring {
  readonly logicalId: string;
  /** The folder under lambdas/ (from the function's template metadata). */
  readonly handlerName: string;
  /** The function's execution role: its calls are evaluated under it. */
  readonly roleLogicalId: string;
  readonly environment: Readonly<Record<string, string>>;
  /** The function's Timeout: Lambda stops an invocation after it (CloudFormation's default is 3 seconds). */
  readonly timeoutSeconds: number;
}

export interface QueueSourceWiring {
  readonly queueLogicalId: string;
  readonly functionLogicalId: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly reportsBatchItemFailures: boolean;
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue; undefined without a redrive policy. */
  readonly maxReceiveCount?: number;
}

export interface RuleWiring {
  readonly logicalId: string;
  readonly description?: string;
  readonly pattern: Record<string, unknown>;
  /** Logical ids of the targets. */
  readonly targets: readonly string[];
}

/** The logical id behind `{ "Fn::GetAtt": [id, ...] }` or `{ "Ref": id }`. */
function referencedId(value: unknown, what: string): string {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
  if (typeof id !== 'string') throw new Error(`${what} does not reference a resource of the template: ${JSON.stringify(value)}`);
  return id;
}

export function functionsOf(template: CfnTemplate, options: RenderOptions): FunctionWiring[] {
  return resourcesOfType(template, 'AWS::Lambda::Function').flatMap((logicalId) => {
    const resource = template.Resources[logicalId];
    const handlerName = resource.Metadata?.[HANDLER_METADATA_KEY];
    if (typeof handlerName !== 'string') return []; // CDK's own helper functions (none run locally)
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const roleLogicalId = (resource.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!roleLogicalId) throw new Error(`function ${logicalId} has no Role of the template (Fn::GetAtt): local IAM cannot evaluate its calls`);
    const timeoutSeconds = resource.Properties?.Timeout ?? 3;
    // Lambda's range (AWS::Lambda::Function Timeout): CloudFormation refuses anything else.
    if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error(`function ${logicalId}: Timeout must be a whole number of seconds from 1 to 900, got ${JSON.stringify(timeoutSeconds)}`);
    }
    return [
      {
        logicalId,
        handlerName,
        roleLogicalId,
        environment: resolveIntrinsics(template, variables, options) as Record<string, string>,
        timeoutSeconds,
      },
    ];
  });
}

export function queueSourcesOf(template: CfnTemplate): QueueSourceWiring[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map((id) => {
    const p = template.Resources[id].Properties ?? {};
    const queueLogicalId = referencedId(p.EventSourceArn, `event source mapping ${id}`);
    const queue = template.Resources[queueLogicalId];
    if (queue?.Type !== 'AWS::SQS::Queue') throw new Error(`event source mapping ${id}: only SQS sources run locally`);
    const redrive = queue.Properties?.RedrivePolicy as { maxReceiveCount?: number } | undefined;
    return {
      queueLogicalId,
      functionLogicalId: referencedId(p.FunctionName, `event source mapping ${id}`),
      batchSize: Number(p.BatchSize ?? 10),
      batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      reportsBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      visibilityTimeoutSeconds: Number(queue.Properties?.VisibilityTimeout ?? 30),
      maxReceiveCount: redrive?.maxReceiveCount,
    };
  });
}

/** Rules with an event pattern (scheduled rules are run on demand locally). */
export function eventRulesOf(template: CfnTemplate, options: RenderOptions): RuleWiring[] {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap((logicalId) => {
    const p = template.Resources[logicalId].Properties ?? {};
    if (!p.EventPattern || p.State === 'DISABLED') return [];
    const targets = ((p.Targets as { Arn: unknown }[] | undefined) ?? []).map((t) => referencedId(t.Arn, `rule ${logicalId} target`));
    return [
      {
        logicalId,
        description: p.Description as string | undefined,
        pattern: resolveIntrinsics(template, p.EventPattern, options) as Record<string, unknown>,
        targets,
      },
    ];
  });
}

/** The template's SNS topics by ARN, each with the ARN of the KMS key that encrypts it (undefined when none does). */
export function topicsOf(template: CfnTemplate, options: RenderOptions): Map<string, string | undefined> {
  return new Map(
    resourcesOfType(template, 'AWS::SNS::Topic').map((id) => {
      const key = template.Resources[id].Properties?.KmsMasterKeyId;
      return [
        resolveIntrinsics(template, { Ref: id }, options) as string,
        key === undefined ? undefined : (resolveIntrinsics(template, key, options) as string),
      ];
    }),
  );
}
