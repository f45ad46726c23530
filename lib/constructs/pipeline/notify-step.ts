import { Aws } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { PipelineStates } from '../../../lambdas/contracts/states';
import { checkProp } from '../props';

const EXECUTION_LINK = `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/v2/executions/details/{}`;

/**
 * SNS refuses a Subject of 100 characters or more, or one with anything but printable ASCII (no
 * line breaks). Subjects are therefore fixed text (the run id, up to 80 characters, is in the message).
 */
export const MAX_SUBJECT_LENGTH = 99;

/** A state that publishes a run's outcome under a fixed subject and passes its input on. */
export function notifyState(scope: Construct, topic: sns.ITopic, stateId: string, subject: string, fields: Record<string, unknown>): tasks.SnsPublish {
  checkProp(
    scope,
    subject.length <= MAX_SUBJECT_LENGTH && /^[\x20-\x7e]+$/.test(subject),
    'subject',
    `SNS subjects are at most ${MAX_SUBJECT_LENGTH} printable ASCII characters, got "${subject}" (${subject.length})`,
  );
  return new tasks.SnsPublish(scope, stateId, {
    topic,
    subject,
    message: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      ...fields,
      execution: sfn.JsonPath.format(EXECUTION_LINK, sfn.JsonPath.stringAt('$$.Execution.Id')),
    }),
    resultPath: sfn.JsonPath.DISCARD,
  });
}

/** Where every failure goes, and the way a state is caught into it. */
export interface FailureHandling {
  /** Notifies the failure (`$.failure`) and fails the run. */
  readonly notifyFailure: sfn.IChainable;
  /** Catches every error of a state into `notifyFailure`. */
  catchAll<T extends sfn.TaskStateBase | sfn.CustomState | sfn.DistributedMap>(state: T): T;
}

/** The failure path: notify with the error and cause, then fail; the endpoint keeps the previous model. */
export function failureHandling(scope: Construct, topic: sns.ITopic, datasetName: string, endpointName: string): FailureHandling {
  const runFailed = new sfn.Fail(scope, PipelineStates.RUN_FAILED, {
    error: 'RetrainingFailed',
    cause: 'See the failure notification and the execution history',
  });
  const notifyFailure = notifyState(scope, topic, PipelineStates.NOTIFY_FAILURE, `[${datasetName}] retraining run failed`, {
    outcome: 'FAILED',
    error: sfn.JsonPath.stringAt('$.failure.Error'),
    cause: sfn.JsonPath.stringAt('$.failure.Cause'),
    endpoint: `${endpointName}: unchanged, it keeps serving the previous model`,
  }).next(runFailed);
  return {
    notifyFailure,
    catchAll(state) {
      state.addCatch(notifyFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
      return state;
    },
  };
}
