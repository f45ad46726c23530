import { Arn, ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { DatasetConfig, DeploymentConfig, EvaluationConfig, FeaturesConfig, TrainingConfig } from '../../lambdas/contracts/config/resolve';
import { DEFAULTS } from '../../lambdas/contracts/config/defaults';
import { FEATURES_PREFIX, MAP_RUNS_PREFIX } from '../../lambdas/contracts/layout';
import { PipelineStates } from '../../lambdas/contracts/states';
import type { DataLake } from './data-lake';
import { EndpointMetricFactory } from './endpoint-metrics';
import type { HandlerFunction } from './handler-function';
import { findingArn, findingText, sagemakerFinding } from './nag';
import type { Notifications } from './notifications';
import { deploymentChain } from './pipeline/deployment-step';
import { featureProcessingFunction, processFeaturesState, retryThrottling } from './pipeline/features-step';
import { distributedFeaturesChain, featurePathChoice, featureShardsFunction, type DistributedFeaturesConfig } from './pipeline/distributed-features';
import { evaluateState, evaluationFunction, gateChoice } from './pipeline/gate-step';
import { failureHandling, notifyState } from './pipeline/notify-step';
import { approvalRule, describeApprovedState, registerState } from './pipeline/registry-step';
import { grantTraining, trainingState, XGBOOST, type TrainingAlgorithm } from './pipeline/training-step';
import { checkPrefix, checkProp } from './props';
import { SageMakerExecutionRole } from './sagemaker-execution-role';

export { PipelineStates } from '../../lambdas/contracts/states';

export interface RetrainingPipelineProps {
  readonly dataLake: DataLake;
  /** Receives every run notification; its alarms roll deployments back. */
  readonly notifications: Notifications;
  /** The data set: its name prefixes job, model and package names; its columns drive feature processing. */
  readonly dataset: DatasetConfig;
  /** How features are encoded and split. */
  readonly features: FeaturesConfig;
  /** The SageMaker training job. */
  readonly training: TrainingConfig;
  /**
   * The training algorithm: its image and hyperparameters.
   * @default XGBOOST (SageMaker's built-in XGBoost, training.xgboostVersion)
   */
  readonly algorithm?: TrainingAlgorithm;
  /** The promotion gate's rules. */
  readonly evaluation: EvaluationConfig;
  /** The endpoint, its compute and rollout, and whether packages need a person's approval. */
  readonly deployment: DeploymentConfig;
  /**
   * The prefix uploads land under (the snapshot the feature function may read).
   * @default 'raw/'
   */
  readonly rawPrefix?: string;
  /**
   * A run fails when a larger share of rows is rejected (0-1).
   * @default 0.05
   */
  readonly maxBadRowShare?: number;
  /**
   * When feature processing takes the Distributed Map path, and how it shards.
   * @default the config schema's retraining.distributed defaults (4 GiB and up)
   */
  readonly distributedFeatures?: DistributedFeaturesConfig;
  /**
   * The endpoint latency alarm's p99 threshold in milliseconds; it also rolls deployments back.
   * @default 1000
   */
  readonly latencyP99Ms?: number;
  /**
   * Share of endpoint requests captured for drift checks (1-100).
   * @default 100
   */
  readonly samplingPercent?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * A run that takes longer is stopped (and alarmed on).
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
}

/**
 * The retraining state machine: feature processing → SageMaker XGBoost training → the promotion
 * gate against the model in production → a versioned model package → a safe endpoint deployment
 * (create, or blue/green update with auto-rollback) → the deployed model's pointers in SSM.
 * Input from the trigger: `{ runId, manifest }`; from an approval: `{ runId, approvedModelPackageArn }`.
 * Every failure is caught and notified; the endpoint keeps serving the previous model.
 * Each step lives in ./pipeline/ (features, training, gate, registry, deployment, notify).
 */
export class RetrainingPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly featureProcessing: HandlerFunction;
  /** The Distributed Map path's function (every step of it). */
  readonly featureShards: HandlerFunction;
  readonly evaluation: HandlerFunction;
  readonly sagemakerRole: iam.Role;
  readonly modelPackageGroupName: string;
  /** The endpoint the pipeline deploys to. */
  readonly endpointName: string;
  /** SSM parameter (JSON) naming the deployed model package, its feature spec and baseline. */
  readonly deployedModelParameter: ssm.StringParameter;
  readonly endpointErrorsAlarm: cloudwatch.Alarm;
  readonly endpointLatencyAlarm: cloudwatch.Alarm;
  private readonly endpointMetrics: EndpointMetricFactory;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    // Distributed Map renders its ResultWriter (ResultWriterV2, the one with a bucket path) only under this flag.
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const { dataLake, notifications } = props;
    const rawPrefix = props.rawPrefix ?? DEFAULTS.rawPrefix;
    const maxBadRowShare = props.maxBadRowShare ?? DEFAULTS.maxBadRowShare;
    const latencyP99Ms = props.latencyP99Ms ?? DEFAULTS.latencyP99Ms;
    const samplingPercent = props.samplingPercent ?? DEFAULTS.samplingPercent;
    this.checkProps(props.dataset.name, rawPrefix, maxBadRowShare, latencyP99Ms, samplingPercent);

    const stack = Stack.of(this);
    const dataset = props.dataset.name;
    const namePrefix = `${dataset}-`;
    const endpointName = props.deployment.endpointName;
    this.endpointName = endpointName;
    const algorithm = props.algorithm ?? XGBOOST;
    const image = algorithm.image(this, props.training);

    this.sagemakerRole = new SageMakerExecutionRole(this, 'SageMakerRole', { dataLake, imageRepositoryArn: image.repositoryArn }).role;
    // The group is retained (it holds the model history), so its name carries the first block of
    // the stack's UUID: a re-created stack, or a second stage in the account, never collides with it.
    this.modelPackageGroupName = `${dataset}-models-${stackUuidPrefix(stack)}`;
    const group = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupDescription: `Versions of the ${dataset} model, each with its metrics and training data`,
    });
    group.applyRemovalPolicy(props.logRemovalPolicy ?? RemovalPolicy.RETAIN);
    this.deployedModelParameter = new ssm.StringParameter(this, 'DeployedModel', {
      parameterName: `/${stack.stackName}/${endpointName}/deployed-model`,
      description: 'The model behind the endpoint: package ARN, feature spec and baseline locations (JSON)',
      stringValue: JSON.stringify({ endpointName, deployed: false }),
    });

    const featuresProps = {
      dataLake,
      dataset: props.dataset,
      features: props.features,
      rawPrefix,
      maxBadRowShare,
      trainParts: props.training.instanceCount,
      logRemovalPolicy: props.logRemovalPolicy,
    };
    this.featureProcessing = featureProcessingFunction(this, featuresProps);
    this.featureShards = featureShardsFunction(this, featuresProps);
    const gateProps = {
      evaluation: props.evaluation,
      modelPackageGroupName: this.modelPackageGroupName,
      deployedModelParameter: this.deployedModelParameter,
      namePrefix,
      key: dataLake.key,
      logRemovalPolicy: props.logRemovalPolicy,
    };
    this.evaluation = evaluationFunction(this, gateProps);

    this.endpointMetrics = new EndpointMetricFactory(endpointName);
    this.endpointErrorsAlarm = this.addEndpointErrorsAlarm(notifications);
    this.endpointLatencyAlarm = this.addEndpointLatencyAlarm(notifications, latencyP99Ms);

    const topic = notifications.topic;
    const notify = (stateId: string, subject: string, fields: Record<string, unknown>) => notifyState(this, topic, stateId, subject, fields);
    const failures = failureHandling(this, topic, dataset, endpointName);
    const { catchAll } = failures;

    // 1. Features.
    const processFeatures = catchAll(processFeaturesState(this, this.featureProcessing, featuresProps));
    retryThrottling(processFeatures);
    const distributed = props.distributedFeatures ?? DEFAULTS.distributedFeatures;
    const features = featurePathChoice(
      this,
      distributed.minSnapshotBytes,
      distributedFeaturesChain(this, this.featureShards, { ...featuresProps, distributed, failures }),
      processFeatures,
    ).afterwards();

    // 2. Training. Job, model and endpoint config share one name per run: "<dataset>-<uuid>" (<= 61 chars).
    const nameRun = (stateId: string) =>
      new sfn.Pass(this, stateId, { parameters: { 'id.$': `States.Format('${namePrefix}{}', States.UUID())` }, resultPath: '$.names' });
    const trainingProps = { algorithm, training: props.training, dataLake, imageUri: image.uri, sagemakerRole: this.sagemakerRole, jobNamePrefix: namePrefix };
    const train = catchAll(trainingState(this, PipelineStates.TRAIN, trainingProps));
    train.addRetry({
      errors: ['SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException'],
      interval: Duration.seconds(30),
      maxAttempts: 4,
      backoffRate: 2,
    });

    // 3. The gate.
    const evaluate = catchAll(evaluateState(this, this.evaluation, gateProps));
    const rejected = notify(PipelineStates.NOTIFY_REJECTED, `[${dataset}] new model rejected`, {
      outcome: 'REJECTED',
      reason: sfn.JsonPath.stringAt('$.evaluation.reason'),
      metrics: sfn.JsonPath.objectAt('$.evaluation.candidateMetrics'),
      endpoint: `${endpointName}: unchanged`,
    }).next(new sfn.Succeed(this, PipelineStates.REJECTED));

    // 4. Registry.
    const approved = props.deployment.approval === 'auto';
    const register = catchAll(
      registerState(this, { modelPackageGroupName: this.modelPackageGroupName, imageUri: image.uri, metric: props.evaluation.metric, autoApprove: approved }),
    );

    // 5-6. Deployment.
    const deployed = notify(PipelineStates.NOTIFY_DEPLOYED, `[${dataset}] new model deployed`, {
      outcome: 'DEPLOYED',
      endpoint: endpointName,
      modelPackageArn: sfn.JsonPath.stringAt('$.deploy.modelPackageArn'),
      endpointConfigName: sfn.JsonPath.stringAt('$.names.id'),
      decision: sfn.JsonPath.stringAt('$.deploy.decision'),
      metrics: sfn.JsonPath.objectAt('$.deploy.metrics'),
    }).next(new sfn.Succeed(this, PipelineStates.DEPLOYED));
    const deploy = deploymentChain(this, {
      deployment: props.deployment,
      vpc: props.training.vpc,
      samplingPercent,
      dataLake,
      sagemakerRole: this.sagemakerRole,
      rollbackAlarmNames: [this.endpointErrorsAlarm.alarmName, this.endpointLatencyAlarm.alarmName],
      deployedModelParameter: this.deployedModelParameter,
      namePrefix,
      failures,
      modelPackageGroupName: this.modelPackageGroupName,
      onDeployed: deployed,
    });
    const prepareDeployment = new sfn.Pass(this, PipelineStates.PREPARE_DEPLOYMENT, {
      parameters: {
        'modelPackageArn.$': '$.registered.modelPackageArn',
        image: image.uri,
        'modelDataUrl.$': '$.training.modelArtifact',
        'featureSpecUri.$': '$.features.featureSpecUri',
        'baselineUri.$': '$.features.baselineUri',
        'decision.$': '$.evaluation.reason',
        'metrics.$': '$.evaluation.candidateMetrics',
      },
      resultPath: '$.deploy',
    });
    const afterRegister = approved
      ? prepareDeployment.next(deploy)
      : notify(PipelineStates.NOTIFY_PENDING_APPROVAL, `[${dataset}] new model awaiting approval`, {
          outcome: 'PENDING_APPROVAL',
          modelPackageArn: sfn.JsonPath.stringAt('$.registered.modelPackageArn'),
          reason: sfn.JsonPath.stringAt('$.evaluation.reason'),
          next: 'Approve the package in the SageMaker model registry to deploy it',
        }).next(new sfn.Succeed(this, PipelineStates.AWAITING_APPROVAL));

    // An approved package (manual approval mode) deploys without retraining.
    const describeApproved = catchAll(describeApprovedState(this, this.modelPackageGroupName));

    const definition = new sfn.Choice(this, PipelineStates.ROUTE_RUN)
      .when(sfn.Condition.isPresent('$.approvedModelPackageArn'), describeApproved.next(nameRun(PipelineStates.NAME_DEPLOYMENT)).next(deploy))
      .otherwise(
        features
          .next(nameRun(PipelineStates.NAME_RUN))
          .next(train)
          .next(evaluate)
          .next(gateChoice(this, register.next(afterRegister), rejected)),
      );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          retention: logs.RetentionDays.THREE_MONTHS,
          removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
        }),
        level: sfn.LogLevel.ALL,
      },
    });
    grantTraining(this.stateMachine.role, trainingProps);
    // The Distributed Map states read the shard plan and write their children's results (their S3 bucket is a JSONPath, so CDK grants nothing itself).
    dataLake.grantDistributedMapIo(this.stateMachine.role);
    notifications.grantPublish(this.stateMachine);
    // CreateEndpointConfig with a customer-managed key: SageMaker creates grants as the caller.
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [dataLake.key.keyArn] }));
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.sagemakerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    if (!approved) approvalRule(this, this.stateMachine, this.modelPackageGroupName);
    this.acknowledgeStateMachineFindings(namePrefix, dataLake);
  }

  private checkProps(datasetName: string, rawPrefix: string, maxBadRowShare: number, latencyP99Ms: number, samplingPercent: number): void {
    checkPrefix(this, rawPrefix, 'rawPrefix');
    checkProp(this, maxBadRowShare >= 0 && maxBadRowShare <= 1, 'maxBadRowShare', `must be between 0 and 1, got ${maxBadRowShare}`);
    checkProp(this, Number.isInteger(latencyP99Ms) && latencyP99Ms >= 1, 'latencyP99Ms', `must be a whole number of milliseconds >= 1, got ${latencyP99Ms}`);
    checkProp(
      this,
      Number.isInteger(samplingPercent) && samplingPercent >= 1 && samplingPercent <= 100,
      'samplingPercent',
      `must be a whole number from 1 to 100, got ${samplingPercent}`,
    );
    // SageMaker names are "<dataset>-<uuid>" (36 characters) and may be at most 63 long.
    checkProp(
      this,
      /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(datasetName) && datasetName.length <= 26,
      'dataset.name',
      `must be at most 26 letters, digits and inner hyphens (SageMaker names), got "${datasetName}"`,
    );
  }

  /** 5XX errors of the endpoint: notifies, and rolls a blue/green update back. */
  private addEndpointErrorsAlarm(notifications: Notifications): cloudwatch.Alarm {
    const stack = Stack.of(this);
    const endpointName = this.endpointName;
    const everyMinute = { period: Duration.minutes(1) };
    return notifications.addAlarm('EndpointErrors', {
      alarmName: `${stack.stackName}-${endpointName}-5xx`,
      alarmDescription: 'The endpoint returns 5XX errors. Also rolls a blue/green deployment back. See README "Alarms".',
      metric: this.metricInvocation5XXErrors(everyMinute),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Model latency p99 of the endpoint: notifies, and rolls a blue/green update back. */
  private addEndpointLatencyAlarm(notifications: Notifications, latencyP99Ms: number): cloudwatch.Alarm {
    const stack = Stack.of(this);
    const endpointName = this.endpointName;
    const everyMinute = { period: Duration.minutes(1) };
    return notifications.addAlarm('EndpointLatency', {
      alarmName: `${stack.stackName}-${endpointName}-latency-p99`,
      alarmDescription: `Model latency p99 above ${latencyP99Ms} ms. Also rolls a blue/green deployment back. See README "Alarms".`,
      // ModelLatency is reported in microseconds.
      metric: this.metricModelLatency(everyMinute),
      threshold: latencyP99Ms * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Requests the endpoint served. @default Sum over 5 minutes */
  metricEndpointInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics.metricInvocations(props);
  }

  /** Requests the endpoint refused as bad input. @default Sum over 5 minutes */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics.metricInvocation4XXErrors(props);
  }

  /** Requests the endpoint's model failed. @default Sum over 5 minutes */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics.metricInvocation5XXErrors(props);
  }

  /** The endpoint model's latency in microseconds. @default p99 over 5 minutes */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics.metricModelLatency(props);
  }

  /** Retraining runs that failed. @default Sum over 5 minutes */
  metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum', ...props });
  }

  /** Retraining runs that hit the state machine's timeout. @default Sum over 5 minutes */
  metricRunsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum', ...props });
  }

  private acknowledgeStateMachineFindings(namePrefix: string, dataLake: DataLake): void {
    const role = this.stateMachine.role;
    const acknowledge = (finding: string, reason: string) => Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge('Resource::*', 'X-Ray trace segments and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) have no resource-level permissions.');
    for (const fn of [this.featureProcessing.function, this.featureShards.function, this.evaluation.function]) {
      acknowledge(
        `Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as never)}.Arn>:*`,
        "Invoking any version or alias of the pipeline's own functions (CDK grants the function ARN and ARN:*).",
      );
    }
    const data = Stack.of(this).getLogicalId(dataLake.dataBucket.node.defaultChild as never);
    acknowledge(
      `Resource::<${data}.Arn>/${FEATURES_PREFIX}*/shards/plan.json`,
      "The Distributed Map states' ItemReader reads the run's shard plan, features/<run>/shards/plan.json, named at run time.",
    );
    acknowledge(
      `Resource::<${data}.Arn>/${MAP_RUNS_PREFIX}*`,
      "The Distributed Map states' ResultWriter writes under features/map-runs/<map run id>/, named by Step Functions.",
    );
    // CDK's policy for Distributed Map: child executions and their map runs are named by Step Functions.
    const distributedMapPolicy = this.stateMachine.node.findChild('DistributedMapPolicy');
    const machineName = findingText(this, Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!);
    const acknowledgeMapRun = (resource: string, reason: string) =>
      Validations.of(distributedMapPolicy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${findingArn(this, 'states', resource)}]`, reason });
    acknowledgeMapRun(
      `execution:${machineName}:*`,
      "Describing and stopping the Distributed Map states' child executions, which Step Functions names at run time.",
    );
    for (const label of [PipelineStates.GATHER_SHARDS, PipelineStates.ENCODE_SHARDS]) {
      acknowledgeMapRun(`execution:${machineName}/${label}:*`, `Redriving the ${label} map run's child executions, which Step Functions names at run time.`);
    }
    acknowledge(sagemakerFinding(this, 'training-job', `${namePrefix}*`), 'Each run names its training job "<dataset>-<uuid>" at run time.');
    acknowledge(sagemakerFinding(this, 'model', `${namePrefix}*`), 'Each run names its model "<dataset>-<uuid>" at run time.');
    acknowledge(sagemakerFinding(this, 'endpoint-config', `${namePrefix}*`), 'Each run names its endpoint config "<dataset>-<uuid>" at run time.');
    acknowledge(
      sagemakerFinding(this, 'model-package', `${this.modelPackageGroupName}/*`),
      "Package versions of the project's own group are numbered by SageMaker at run time.",
    );
  }
}

/** The first 8 hex digits of the stack's UUID (AWS::StackId ends in "/<uuid>"): unique per stack instance. */
function stackUuidPrefix(stack: Stack): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', stack.stackId))));
}
