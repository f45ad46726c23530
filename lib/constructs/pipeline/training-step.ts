import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { MODELS_PREFIX } from '../../../lambdas/contracts/layout';
import type { TrainingConfig } from '../../../lambdas/contracts/config/resolve';
import type { DataLake } from '../data-lake';
import { xgboostImage } from '../xgboost-image';

/** A SageMaker training algorithm: its image, and how the training config becomes its hyperparameters. */
export interface TrainingAlgorithm {
  /** The algorithm's name, for descriptions. */
  readonly name: string;
  /** The image for the stack's region, and the repository the jobs and models pull it from. */
  image(scope: Construct, training: TrainingConfig): { readonly uri: string; readonly repositoryArn: string };
  /** The hyperparameters as SageMaker wants them (strings). */
  hyperparameters(training: TrainingConfig): Record<string, string>;
}

export interface TrainingStateProps {
  /** @default XGBOOST */
  readonly algorithm?: TrainingAlgorithm;
  readonly training: TrainingConfig;
  readonly dataLake: DataLake;
  readonly imageUri: string;
  readonly sagemakerRole: iam.IRole;
  /** Job names are "<dataset>-<uuid>", so IAM can be scoped to this prefix. */
  readonly jobNamePrefix: string;
}

/** XGBoost hyperparameters as SageMaker wants them: strings, XGBoost's own names. */
export function xgboostHyperparameters(training: TrainingConfig): Record<string, string> {
  const hp = training.hyperparameters;
  return {
    objective: hp.objective,
    num_round: String(hp.numRound),
    max_depth: String(hp.maxDepth),
    eta: String(hp.eta),
    subsample: String(hp.subsample),
    min_child_weight: String(hp.minChildWeight),
    lambda: String(hp.lambda),
    eval_metric: hp.evalMetric,
    early_stopping_rounds: String(hp.earlyStoppingRounds),
    // The image requires num_class for multi:softprob and refuses it for every other objective.
    ...(hp.numClass === undefined ? {} : { num_class: String(hp.numClass) }),
  };
}

/** SageMaker's built-in XGBoost (the configured version's image for the stack's region). */
export const XGBOOST: TrainingAlgorithm = {
  name: 'XGBoost',
  image: (scope, training) => xgboostImage(scope, training.xgboostVersion),
  hyperparameters: xgboostHyperparameters,
};

/**
 * CreateTrainingJob with the `.sync` integration, written as a CustomState because the CDK task
 * has no props for managed spot training and checkpoints. Its IAM is added by `grantTraining`.
 * Input: `$.names.id` (job name), `$.features.trainPrefix` / `validationPrefix`.
 */
export function trainingState(scope: Construct, id: string, props: TrainingStateProps): sfn.CustomState {
  const { training, dataLake } = props;
  // Several instances: each trains on its own part files of the train channel (distributed
  // XGBoost combines them), while every instance scores the whole validation channel.
  const channel = (name: string, prefixPath: string, distribution: 'FullyReplicated' | 'ShardedByS3Key') => ({
    ChannelName: name,
    ContentType: 'text/csv',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', 'S3Uri.$': prefixPath, S3DataDistributionType: distribution } },
  });
  const trainDistribution = training.instanceCount > 1 ? 'ShardedByS3Key' : 'FullyReplicated';
  const stoppingCondition: Record<string, number> = { MaxRuntimeInSeconds: training.maxRuntimeSeconds };
  if (training.spot.enabled) stoppingCondition.MaxWaitTimeInSeconds = training.spot.maxWaitSeconds;
  const models = `s3://${dataLake.modelsBucket.bucketName}/${MODELS_PREFIX}`;
  return new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Comment: "SageMaker built-in XGBoost on the run's train/validation channels (waits for the job)",
      Resource: `arn:${Stack.of(scope).partition}:states:::sagemaker:createTrainingJob.sync`,
      Parameters: {
        'TrainingJobName.$': '$.names.id',
        RoleArn: props.sagemakerRole.roleArn,
        AlgorithmSpecification: { TrainingImage: props.imageUri, TrainingInputMode: 'File' },
        HyperParameters: (props.algorithm ?? XGBOOST).hyperparameters(training),
        InputDataConfig: [
          channel('train', '$.features.trainPrefix', trainDistribution),
          channel('validation', '$.features.validationPrefix', 'FullyReplicated'),
        ],
        OutputDataConfig: { S3OutputPath: models, KmsKeyId: dataLake.key.keyArn },
        ResourceConfig: {
          InstanceType: training.instanceType,
          InstanceCount: training.instanceCount,
          VolumeSizeInGB: training.volumeSizeGb,
          VolumeKmsKeyId: dataLake.key.keyArn,
        },
        StoppingCondition: stoppingCondition,
        ...(training.spot.enabled
          ? { EnableManagedSpotTraining: true, CheckpointConfig: { 'S3Uri.$': `States.Format('${models}checkpoints/{}', $.names.id)` } }
          : {}),
        ...(training.vpc ? { VpcConfig: { Subnets: training.vpc.subnetIds, SecurityGroupIds: training.vpc.securityGroupIds } } : {}),
        EnableInterContainerTrafficEncryption: training.instanceCount > 1,
      },
      ResultSelector: {
        'jobName.$': '$.TrainingJobName',
        'modelArtifact.$': '$.ModelArtifacts.S3ModelArtifacts',
        'metrics.$': '$.FinalMetricDataList',
      },
      ResultPath: '$.training',
    },
  });
}

/** What the state machine role needs for `trainingState`. */
export function grantTraining(role: iam.IRole, props: TrainingStateProps): void {
  const stack = Stack.of(role);
  // The .sync integration tags the job it starts (MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS): without
  // AddTags every run fails at Train with AccessDenied (aws-cdk issue 32294; CDK's own task grants it).
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags', 'sagemaker:ListTags'],
      resources: [stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${props.jobNamePrefix}*` })],
    }),
  );
  // The .sync integration watches the job through this Step Functions-managed rule.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [props.sagemakerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
  );
}
