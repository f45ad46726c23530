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
