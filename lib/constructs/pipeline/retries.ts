import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** SageMaker API throttling and capacity limits are retried with backoff; everything else fails the run. */
export function retrySageMakerLimits(state: tasks.CallAwsService): tasks.CallAwsService {
  state.addRetry({
    errors: ['SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException', 'SageMaker.ResourceLimitExceeded'],
    interval: Duration.seconds(10),
    maxAttempts: 5,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return state;
}

/**
 * SSM refuses concurrent writes of one parameter (TooManyUpdatesException) and throttles; both are
 * transient and retried, like SageMaker's limits.
 */
export function retrySsmLimits(state: tasks.CallAwsService): tasks.CallAwsService {
  state.addRetry({
    errors: ['SSM.TooManyUpdatesException', 'SSM.ThrottlingException', 'SSM.InternalServerErrorException'],
    interval: Duration.seconds(2),
    maxAttempts: 5,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return state;
}

/**
 * CreateEndpoint and UpdateEndpoint read the endpoint config eventually consistently (SageMaker API
 * reference, CreateEndpoint): right after CreateEndpointConfig they may answer ValidationException
 * "Could not find endpoint configuration". Retried a few times before the run fails on it.
 */
export function retryEventualConsistency(state: tasks.CallAwsService): tasks.CallAwsService {
  state.addRetry({ errors: ['SageMaker.ValidationException'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
  return state;
}
