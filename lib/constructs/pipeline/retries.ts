import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** Retries a service's transient errors with jittered exponential backoff (5 attempts). */
function retryTransient(state: tasks.CallAwsService, errors: string[], interval: Duration): tasks.CallAwsService {
  state.addRetry({ errors, interval, maxAttempts: 5, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  return state;
}

/** SageMaker API throttling and capacity limits are retried with backoff; everything else fails the run. */
export function retrySageMakerLimits(state: tasks.CallAwsService): tasks.CallAwsService {
  return retryTransient(
    state,
    ['SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException', 'SageMaker.ResourceLimitExceeded'],
    Duration.seconds(10),
  );
}

/** SSM refuses concurrent writes of one parameter (TooManyUpdatesException) and throttles; both are transient. */
export function retrySsmLimits(state: tasks.CallAwsService): tasks.CallAwsService {
  return retryTransient(state, ['SSM.TooManyUpdatesException', 'SSM.ThrottlingException', 'SSM.InternalServerErrorException'], Duration.seconds(2));
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
