import { Duration, Stack } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ENDPOINT_VARIANT } from '../../../lambdas/contracts/deployment';
import { PipelineStates } from '../../../lambdas/contracts/states';
import type { FailureHandling } from './notify-step';
import { rejectUndeployedPackageState } from './registry-step';
import { retrySageMakerLimits, retrySsmLimits } from './retries';

const POLL_INTERVAL = Duration.seconds(30);

export interface EndpointPollingProps {
  readonly endpointName: string;
  /** Polling gives up (DeploymentTimedOut) after this long. */
  readonly maxWaitMinutes: number;
  /** Where the deployed model's pointers are published. */
  readonly deployedModelParameter: ssm.IStringParameter;
  /** Where failures go (notify and fail the run). */
  readonly failures: FailureHandling;
  /** The group of the deployed packages: a deployment that does not serve marks its package Rejected. */
  readonly modelPackageGroupName: string;
  /** Where a successful deployment goes. */
  readonly onDeployed: sfn.IChainable;
}

function failWith(scope: Construct, id: string, error: string, cause: string, next: sfn.IChainable): sfn.Chain {
  return new sfn.Pass(scope, id, {
    parameters: { Error: error, 'Cause.$': cause },
    resultPath: '$.failure',
  }).next(next);
}

/**
 * Polls DescribeEndpoint until InService (bounded), tells a rollback (InService on another config)
 * from success, and publishes the deployed model's pointers. Returns the loop's first state.
 */
export function endpointPolling(scope: Construct, props: EndpointPollingProps): sfn.IChainable {
  const endpointName = props.endpointName;
  // SageMaker limits are retried (the SSM call too), every other error goes to the failure path.
  const guard = (state: tasks.CallAwsService) => props.failures.catchAll(retrySageMakerLimits(state));
  const onFailure = props.failures.notifyFailure;
  // A deployment that rolled back or failed never served: its package is marked Rejected first (a
  // failure to mark it does not hide the deployment's: it is kept aside, and the deployment's is
  // notified). A timed-out one may still finish, so its package is left as it is.
  const rejectPackage = rejectUndeployedPackageState(scope, props.modelPackageGroupName);
  rejectPackage.addCatch(onFailure, { errors: ['States.ALL'], resultPath: '$.packageRejection' });
  const notServed = rejectPackage.next(onFailure);
  const maxPolls = Math.ceil((props.maxWaitMinutes * 60) / POLL_INTERVAL.toSeconds());
  const startPolling = new sfn.Pass(scope, PipelineStates.START_POLLING, { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.poll' });
  const wait = new sfn.Wait(scope, PipelineStates.WAIT_FOR_ENDPOINT, { time: sfn.WaitTime.duration(POLL_INTERVAL) });
  const describe = guard(
    // The whole description: FailureReason is only present when the endpoint failed.
    new tasks.CallAwsService(scope, PipelineStates.DESCRIBE_ENDPOINT, {
      service: 'sagemaker',
      action: 'describeEndpoint',
      parameters: { EndpointName: endpointName },
      iamResources: [Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: endpointName })],
      resultPath: '$.endpoint',
    }),
  );
  const countPoll = new sfn.Pass(scope, PipelineStates.COUNT_POLL, { parameters: { 'count.$': 'States.MathAdd($.poll.count, 1)' }, resultPath: '$.poll' });

  const publish = props.failures.catchAll(
    retrySsmLimits(
      new tasks.CallAwsService(scope, PipelineStates.PUBLISH_DEPLOYED_MODEL, {
        service: 'ssm',
        action: 'putParameter',
        parameters: {
          Name: props.deployedModelParameter.parameterName,
          Type: 'String',
          Overwrite: true,
          Value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.deployed')),
        },
        iamResources: [props.deployedModelParameter.parameterArn],
        resultPath: sfn.JsonPath.DISCARD,
      }),
    ),
  );
  const describeDeployment = new sfn.Pass(scope, PipelineStates.DESCRIBE_DEPLOYMENT, {
    parameters: {
      endpointName,
      variantName: ENDPOINT_VARIANT,
      'endpointConfigName.$': '$.names.id',
      'modelPackageArn.$': '$.deploy.modelPackageArn',
      'featureSpecUri.$': '$.deploy.featureSpecUri',
      'baselineUri.$': '$.deploy.baselineUri',
      'runId.$': '$.runId',
      'runStartedAt.$': '$$.Execution.StartTime',
    },
    resultPath: '$.deployed',
  });

  const status = new sfn.Choice(scope, PipelineStates.ENDPOINT_STATUS)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals('$.endpoint.EndpointStatus', 'InService'),
        sfn.Condition.stringEqualsJsonPath('$.endpoint.EndpointConfigName', '$.names.id'),
      ),
      describeDeployment.next(publish).next(props.onDeployed),
    )
    .when(
      sfn.Condition.stringEquals('$.endpoint.EndpointStatus', 'InService'),
      failWith(
        scope,
        PipelineStates.ROLLED_BACK,
        'DeploymentRolledBack',
        "States.Format('Endpoint {} rolled back to {}: the new model tripped a rollback alarm or failed to deploy; the previous model keeps serving', $.names.id, $.endpoint.EndpointConfigName)",
        notServed,
      ),
    )
    .when(
      sfn.Condition.stringEquals('$.endpoint.EndpointStatus', 'Failed'),
      failWith(scope, PipelineStates.ENDPOINT_FAILED, 'EndpointFailed', "States.Format('Endpoint failed: {}', $.endpoint.FailureReason)", notServed),
    )
    .when(
      sfn.Condition.numberGreaterThanEquals('$.poll.count', maxPolls),
      failWith(
        scope,
        PipelineStates.DEPLOYMENT_TIMED_OUT,
        'DeploymentTimedOut',
        `States.Format('Endpoint still {} after ${props.maxWaitMinutes} minutes (deployment.maxWaitMinutes)', $.endpoint.EndpointStatus)`,
        onFailure,
      ),
    )
    .otherwise(wait);

  startPolling.next(wait).next(describe).next(countPoll).next(status);
  return startPolling;
}
