import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { EvaluationConfig } from '../../../lambdas/contracts/config/resolve';
import { PipelineStates } from '../../../lambdas/contracts/states';
import { HandlerFunction } from '../handler-function';
import { sagemakerFinding } from '../nag';

export interface GateStepProps {
  readonly evaluation: EvaluationConfig;
  /** The group of the packages the gate compares (DescribeModelPackage). */
  readonly modelPackageGroupName: string;
  /** What serves: the package the deployment publishes once its endpoint is InService (production for the gate). */
  readonly deployedModelParameter: ssm.IStringParameter;
  /** Training jobs are named "<prefix><uuid>". */
  readonly namePrefix: string;
  readonly key: kms.IKey;
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The promotion gate's function: reads the new training job, the deployed-model parameter and the package it names. */
export function evaluationFunction(scope: Construct, props: GateStepProps): HandlerFunction {
  const fn = new HandlerFunction(scope, 'Evaluation', {
    handlerName: 'evaluation',
    description: 'Compares a new model with the model in production (the promotion gate)',
    key: props.key,
    environment: { DEPLOYED_MODEL_PARAMETER: props.deployedModelParameter.parameterName },
    logRemovalPolicy: props.logRemovalPolicy,
  });
  const stack = Stack.of(scope);
  const { role } = fn;
  const trainingJobs = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${props.namePrefix}*` });
  const packages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${props.modelPackageGroupName}/*` });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [trainingJobs] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [packages] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [props.deployedModelParameter.parameterArn] }));
  const acknowledge = (finding: string, reason: string) => Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
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
