import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { DeploymentConfig, TrainingConfig } from '../../../lambdas/contracts/config/resolve';
import { ENDPOINT_VARIANT } from '../../../lambdas/contracts/deployment';
import { CAPTURE_PREFIX } from '../../../lambdas/contracts/layout';
import { PipelineStates } from '../../../lambdas/contracts/states';
import type { DataLake } from '../data-lake';
import { checkProp } from '../props';
import { endpointPolling } from './endpoint-polling';
import type { FailureHandling } from './notify-step';
import { retryEventualConsistency, retrySageMakerLimits } from './retries';

export interface DeploymentChainProps {
  readonly deployment: DeploymentConfig;
  /** Subnets and security groups of the model's containers. @default - no VPC */
  readonly vpc?: TrainingConfig['vpc'];
  /** Share of requests captured for drift checks (1-100). */
  readonly samplingPercent: number;
  readonly dataLake: DataLake;
  readonly sagemakerRole: iam.IRole;
  /** Names of the endpoint alarms that roll a blue/green update back. */
  readonly rollbackAlarmNames: readonly string[];
  /** Where the deployed model's pointers are published. */
  readonly deployedModelParameter: ssm.IStringParameter;
  /** Models and endpoint configs are named "<prefix><uuid>". */
  readonly namePrefix: string;
  /** Where failures go (notify and fail the run). */
  readonly failures: FailureHandling;
  /** The group of the deployed packages (a deployment that does not serve rejects its package). */
  readonly modelPackageGroupName: string;
  /** Where a successful deployment goes (notify and succeed). */
  readonly onDeployed: sfn.IChainable;
}

/**
 * CreateModel → CreateEndpointConfig (data capture on instances; serverless excludes it) → create the endpoint, or update it blue/green
 * with auto-rollback on the endpoint alarms → poll DescribeEndpoint until InService (bounded) →
 * detect a rollback → publish the deployed model's pointers. Input: `$.deploy` and `$.names.id`.
 */
export function deploymentChain(scope: Construct, props: DeploymentChainProps): sfn.IChainable {
  const { deployment, dataLake } = props;
  const endpointName = deployment.endpointName;
  const stack = Stack.of(scope);
  const arn = (resource: string, name: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: name });
  const endpointArn = arn('endpoint', endpointName);
  const configArn = arn('endpoint-config', `${props.namePrefix}*`);
  const sagemakerCall = (
    id: string,
    action: string,
    parameters: Record<string, unknown>,
    iamResources: string[],
    rest: Partial<tasks.CallAwsServiceProps> = {},
  ) => new tasks.CallAwsService(scope, id, { service: 'sagemaker', action, parameters, iamResources, resultPath: sfn.JsonPath.DISCARD, ...rest });
  const catchFailure = (state: tasks.CallAwsService) => props.failures.catchAll(retrySageMakerLimits(state));
  const compute = deployment.compute;
  const serverless = compute.type === 'serverless';
  // SageMaker Serverless Inference excludes both (the config schema refuses them too; this is for the construct used on its own).
  for (const [feature, on] of [
    ['networkIsolation', deployment.networkIsolation],
    ['dataCapture', deployment.dataCapture],
  ] as const) {
    checkProp(scope, !(serverless && on), `deployment.${feature}`, 'SageMaker Serverless Inference excludes it: use instance compute or turn it off');
  }

  const createModel = catchFailure(
    sagemakerCall(
      PipelineStates.CREATE_MODEL,
      'createModel',
      {
        ModelName: sfn.JsonPath.stringAt('$.names.id'),
        ExecutionRoleArn: props.sagemakerRole.roleArn,
        PrimaryContainer: { Image: sfn.JsonPath.stringAt('$.deploy.image'), ModelDataUrl: sfn.JsonPath.stringAt('$.deploy.modelDataUrl') },
        ...(deployment.networkIsolation ? { EnableNetworkIsolation: true } : {}),
        // Serverless Inference excludes VPC configuration: the model of a serverless endpoint stays out of the VPC (training keeps it).
        ...(props.vpc && serverless === false ? { VpcConfig: { Subnets: props.vpc.subnetIds, SecurityGroupIds: props.vpc.securityGroupIds } } : {}),
      },
      [arn('model', `${props.namePrefix}*`)],
    ),
  );

  const variant =
    compute.type === 'instances'
      ? {
          VariantName: ENDPOINT_VARIANT,
          ModelName: sfn.JsonPath.stringAt('$.names.id'),
          InitialInstanceCount: compute.instanceCount,
          InstanceType: compute.instanceType,
        }
      : {
          VariantName: ENDPOINT_VARIANT,
          ModelName: sfn.JsonPath.stringAt('$.names.id'),
          ServerlessConfig: { MemorySizeInMB: compute.memorySizeMb, MaxConcurrency: compute.maxConcurrency },
        };
  const createEndpointConfig = catchFailure(
    sagemakerCall(
      PipelineStates.CREATE_ENDPOINT_CONFIG,
      'createEndpointConfig',
      {
        EndpointConfigName: sfn.JsonPath.stringAt('$.names.id'),
        ProductionVariants: [variant],
        ...(deployment.dataCapture
          ? {
              DataCaptureConfig: {
                EnableCapture: true,
                InitialSamplingPercentage: props.samplingPercent,
                DestinationS3Uri: `s3://${dataLake.captureBucket.bucketName}/${CAPTURE_PREFIX.slice(0, -1)}`,
                KmsKeyId: dataLake.key.keyArn,
                CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
                CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
              },
            }
          : {}),
        // Serverless variants have no storage volume to encrypt.
        ...(serverless ? {} : { KmsKeyId: dataLake.key.keyArn }),
      },
      [configArn],
    ),
  );

  const trafficRouting =
    deployment.strategy === 'all-at-once'
      ? { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: deployment.bakeTimeSeconds }
      : deployment.strategy === 'canary'
        ? { Type: 'CANARY', WaitIntervalInSeconds: deployment.bakeTimeSeconds, CanarySize: { Type: 'CAPACITY_PERCENT', Value: deployment.trafficStepPercent } }
        : {
            Type: 'LINEAR',
            WaitIntervalInSeconds: deployment.bakeTimeSeconds,
            LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: deployment.trafficStepPercent },
          };
  const updateEndpoint = catchFailure(
    retryEventualConsistency(
      sagemakerCall(
        PipelineStates.UPDATE_ENDPOINT,
        'updateEndpoint',
        {
          EndpointName: endpointName,
          EndpointConfigName: sfn.JsonPath.stringAt('$.names.id'),
          // Blue/green traffic shifting exists for instance-backed endpoints only.
          ...(compute.type === 'instances'
            ? {
                DeploymentConfig: {
                  BlueGreenUpdatePolicy: {
                    TrafficRoutingConfiguration: trafficRouting,
                    TerminationWaitInSeconds: 0,
                    MaximumExecutionTimeoutInSeconds: deployment.maxWaitMinutes * 60,
                  },
                  AutoRollbackConfiguration: { Alarms: props.rollbackAlarmNames.map((AlarmName) => ({ AlarmName })) },
                },
              }
            : {}),
        },
        [endpointArn, configArn],
      ),
    ),
  );
  const createEndpoint = catchFailure(
    retryEventualConsistency(
      sagemakerCall(PipelineStates.CREATE_ENDPOINT, 'createEndpoint', { EndpointName: endpointName, EndpointConfigName: sfn.JsonPath.stringAt('$.names.id') }, [
        endpointArn,
        configArn,
      ]),
    ),
  );

  // Does the endpoint exist? DescribeEndpoint fails for a missing one; limits are retried first,
  // and any remaining error leads to CreateEndpoint, which fails clearly if the cause was another.
  const findEndpoint = retrySageMakerLimits(
    sagemakerCall(PipelineStates.FIND_ENDPOINT, 'describeEndpoint', { EndpointName: endpointName }, [endpointArn], {
      resultSelector: { status: sfn.JsonPath.stringAt('$.EndpointStatus'), configName: sfn.JsonPath.stringAt('$.EndpointConfigName') },
      resultPath: '$.previousEndpoint',
    }),
  );
  findEndpoint.addCatch(createEndpoint, { errors: ['States.ALL'], resultPath: '$.endpointLookup' });

  const startPolling = endpointPolling(scope, {
    endpointName,
    maxWaitMinutes: deployment.maxWaitMinutes,
    deployedModelParameter: props.deployedModelParameter,
    failures: props.failures,
    modelPackageGroupName: props.modelPackageGroupName,
    onDeployed: props.onDeployed,
  });
  updateEndpoint.next(startPolling);
  createEndpoint.next(startPolling);
  return createModel.next(createEndpointConfig).next(findEndpoint).next(updateEndpoint);
}
