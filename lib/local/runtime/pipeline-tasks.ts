import { PipelineStates } from '../../../lambdas/contracts/states';
import type { LocalNotifier } from '../services/sns';
import type { LocalSageMaker } from '../services/sagemaker/sagemaker';
import type { LocalParameterStore } from '../services/ssm';
import type { TaskHandler } from '../services/stepfunctions/state-machine-runner';

/**
 * Step Functions names AWS SDK integration errors "<Service>.<Error>"; the local service throws
 * the bare name, so the task handler renames it as Step Functions would.
 */
function sdkIntegration<T>(service: string, call: (input: never) => T | Promise<T>): TaskHandler {
  return async (input) => {
    try {
      return await call(input as never);
    } catch (err) {
      const error = err as Error;
      throw Object.assign(new Error(error.message), { name: `${service}.${error.name}` });
    }
  };
}

export interface PipelineServices {
  readonly sagemaker: LocalSageMaker;
  readonly notifier: LocalNotifier;
  readonly parameters: LocalParameterStore;
  /** The Lambda tasks: the real handlers. */
  readonly featureProcessing: TaskHandler;
  /** Every step of the Distributed Map path (lambdas/feature-shards). */
  readonly featureShards: TaskHandler;
  readonly evaluation: TaskHandler;
}

/** Every Task state of the retraining pipeline, answered by the local services. */
export function pipelineTaskHandlers(services: PipelineServices): Record<string, TaskHandler> {
  const { sagemaker } = services;
  const publish = services.notifier.publishTask;
  return {
    [PipelineStates.PROCESS_FEATURES]: services.featureProcessing,
    [PipelineStates.PLAN_SHARDS]: services.featureShards,
    [PipelineStates.GATHER_SHARD_BATCH]: services.featureShards,
    [PipelineStates.MERGE_SHARDS]: services.featureShards,
    [PipelineStates.ENCODE_SHARD_BATCH]: services.featureShards,
    [PipelineStates.FINISH_FEATURES]: services.featureShards,
    [PipelineStates.EVALUATE]: services.evaluation,
    // createTrainingJob.sync: start the job, wait for it, return DescribeTrainingJob; a failed job is States.TaskFailed.
    [PipelineStates.TRAIN]: async (input) => {
      const request = input as { TrainingJobName: string };
      await sdkIntegration('SageMaker', (i) => sagemaker.createTrainingJob(i))(input);
      const described = sagemaker.describeTrainingJob(request);
      if (described.TrainingJobStatus !== 'Completed') {
        throw Object.assign(
          new Error(
            JSON.stringify({
              TrainingJobName: request.TrainingJobName,
              TrainingJobStatus: described.TrainingJobStatus,
              FailureReason: described.FailureReason,
            }),
          ),
          {
            name: 'States.TaskFailed',
          },
        );
      }
      return JSON.parse(JSON.stringify(described)) as unknown;
    },
    [PipelineStates.REGISTER]: sdkIntegration('SageMaker', (i) => sagemaker.createModelPackage(i)),
    [PipelineStates.DESCRIBE_APPROVED_PACKAGE]: sdkIntegration('SageMaker', (i) => JSON.parse(JSON.stringify(sagemaker.describeModelPackage(i)))),
    [PipelineStates.CREATE_MODEL]: sdkIntegration('SageMaker', (i) => sagemaker.createModel(i)),
    [PipelineStates.CREATE_ENDPOINT_CONFIG]: sdkIntegration('SageMaker', (i) => sagemaker.createEndpointConfig(i)),
    [PipelineStates.FIND_ENDPOINT]: sdkIntegration('SageMaker', async (i) => JSON.parse(JSON.stringify(await sagemaker.describeEndpoint(i)))),
    [PipelineStates.CREATE_ENDPOINT]: sdkIntegration('SageMaker', (i) => sagemaker.createEndpoint(i)),
    [PipelineStates.UPDATE_ENDPOINT]: sdkIntegration('SageMaker', (i) => sagemaker.updateEndpoint(i)),
    [PipelineStates.DESCRIBE_ENDPOINT]: sdkIntegration('SageMaker', async (i) => JSON.parse(JSON.stringify(await sagemaker.describeEndpoint(i)))),
    [PipelineStates.PUBLISH_DEPLOYED_MODEL]: sdkIntegration('SSM', (i) => services.parameters.putParameter(i)),
    [PipelineStates.REJECT_UNDEPLOYED_PACKAGE]: sdkIntegration('SageMaker', (i) => sagemaker.updateModelPackage(i)),
    [PipelineStates.NOTIFY_REJECTED]: publish,
    [PipelineStates.NOTIFY_PENDING_APPROVAL]: publish,
    [PipelineStates.NOTIFY_DEPLOYED]: publish,
    [PipelineStates.NOTIFY_FAILURE]: publish,
  };
}

/**
 * What Step Functions calls when an execution is stopped while one of these Tasks runs: the
 * `.sync` Train's training job is stopped (StopTrainingJob), as the integration stops it on AWS.
 */
export function pipelineTaskStops(services: Pick<PipelineServices, 'sagemaker'>): Record<string, TaskHandler> {
  return {
    [PipelineStates.TRAIN]: async (input) => services.sagemaker.stopTrainingJob({ TrainingJobName: (input as { TrainingJobName: string }).TrainingJobName }),
  };
}
