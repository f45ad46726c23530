import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { EvaluationConfig } from '../../../lambdas/contracts/config/resolve';
import { PipelineStates } from '../../../lambdas/contracts/states';
import { HandlerFunction } from '../handler-function';
import { sagemakerFinding } from '../nag';

export interface GateStepProps {
  readonly evaluation: EvaluationConfig;
  /** The group whose approved packages are production. */
  readonly modelPackageGroupName: string;
  /** Training jobs are named "<prefix><uuid>". */
  readonly namePrefix: string;
  readonly key: kms.IKey;
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The promotion gate's function: reads the new training job and the group's packages. */
export function evaluationFunction(scope: Construct, props: GateStepProps): HandlerFunction {
  const fn = new HandlerFunction(scope, 'Evaluation', {
    handlerName: 'evaluation',
    description: 'Compares a new model with the model in production (the promotion gate)',
    key: props.key,
    environment: {},
    logRemovalPolicy: props.logRemovalPolicy,
  });
  const stack = Stack.of(scope);
  const { role } = fn;
  const trainingJobs = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${props.namePrefix}*` });
  const packages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${props.modelPackageGroupName}/*` });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [trainingJobs] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [packages] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] }));
  const acknowledge = (finding: string, reason: string) => Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  acknowledge('Resource::*', "sagemaker:ListModelPackages has no resource-level permissions; the handler filters by the project's group.");
  acknowledge(sagemakerFinding(scope, 'training-job', `${props.namePrefix}*`), 'Training jobs are named "<dataset>-<uuid>" at run time.');
  acknowledge(sagemakerFinding(scope, 'model-package', `${props.modelPackageGroupName}/*`), 'Package versions are numbered by SageMaker at run time.');
  return fn;
}

/** Compares the new model with production by the configured rules. Output: `$.evaluation`. */
export function evaluateState(scope: Construct, fn: HandlerFunction, props: GateStepProps): tasks.LambdaInvoke {
  const rules = props.evaluation;
  return new tasks.LambdaInvoke(scope, PipelineStates.EVALUATE, {
    lambdaFunction: fn.function,
    payload: sfn.TaskInput.fromObject({
      trainingJobName: sfn.JsonPath.stringAt('$.training.jobName'),
      modelPackageGroupName: props.modelPackageGroupName,
      rules: {
        metric: rules.metric,
        direction: rules.direction,
        minimumImprovement: rules.minimumImprovement,
        ...(rules.minimumValue === undefined ? {} : { minimumValue: rules.minimumValue }),
      },
    }),
    payloadResponseOnly: true,
    resultPath: '$.evaluation',
    retryOnServiceExceptions: true,
  });
}

/** Promote (`$.evaluation.promote`) to `onPromote`, otherwise to `onReject`. */
export function gateChoice(scope: Construct, onPromote: sfn.IChainable, onReject: sfn.IChainable): sfn.Choice {
  return new sfn.Choice(scope, PipelineStates.GATE).when(sfn.Condition.booleanEquals('$.evaluation.promote', true), onPromote).otherwise(onReject);
}
