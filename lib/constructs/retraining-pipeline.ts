import { Aws, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { metricPropertyKey } from '../../lambdas/contracts/deployment';
import { FEATURES_PREFIX, QUARANTINE_PREFIX } from '../../lambdas/contracts/layout';
import type { MlopsConfig } from '../config';
import type { DataLake } from './data-lake';
import { EndpointMetricFactory } from './endpoint-metrics';
import { HandlerFunction } from './handler-function';
import { acknowledgeObjectPrefix, findingArn } from './nag';
import type { Notifications } from './notifications';
import { deploymentChain, retrySageMakerLimits } from './pipeline-deployment';
import { PipelineStates } from '../../lambdas/contracts/states';
import { grantTraining, trainingState } from './pipeline-training';
import { SageMakerExecutionRole } from './sagemaker-execution-role';
import { xgboostImage } from './xgboost-image';

export { PipelineStates } from '../../lambdas/contracts/states';

export interface RetrainingPipelineProps {
  readonly dataLake: DataLake;
  readonly config: MlopsConfig;
  /** Receives every run notification; its alarms roll deployments back. */
  readonly notifications: Notifications;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * A run that takes longer is stopped (and alarmed on).
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
}

/** A cdk-nag finding's resource part for SageMaker resources named "<name>" of this account and region. */
function sagemakerFinding(scope: Construct, resource: string, name: string): string {
  return `Resource::${findingArn(scope, 'sagemaker', `${resource}/${name}`)}`;
}

/**
 * The retraining state machine: feature processing → SageMaker XGBoost training → the promotion
 * gate against the model in production → a versioned model package → a safe endpoint deployment
 * (create, or blue/green update with auto-rollback) → the deployed model's pointers in SSM.
 * Input from the trigger: `{ runId, manifest }`; from an approval: `{ runId, approvedModelPackageArn }`.
 * Every failure is caught and notified; the endpoint keeps serving the previous model.
 */
export class RetrainingPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly featureProcessing: HandlerFunction;
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
    const { dataLake, config, notifications } = props;
    const stack = Stack.of(this);
    const dataset = config.dataset.name;
    const namePrefix = `${dataset}-`;
    const endpointName = config.deployment.endpointName;
    this.endpointName = endpointName;
    const image = xgboostImage(this, config.training.xgboostVersion);

    this.sagemakerRole = new SageMakerExecutionRole(this, 'SageMakerRole', { dataLake, imageRepositoryArn: image.repositoryArn }).role;
    this.modelPackageGroupName = `${dataset}-models`;
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

    this.featureProcessing = new HandlerFunction(this, 'FeatureProcessing', {
      handlerName: 'feature-processing',
      description: 'Validates a data snapshot and writes features, quarantine, spec and baseline',
      key: dataLake.key,
      // Memory is bounded (streaming); more memory buys CPU for parsing.
      memorySize: 2048,
      timeout: Duration.minutes(15),
      // Scratch for the encoded rows between the two passes (about the snapshot's size); the most
      // Lambda offers. Billed per GB-second only while the function runs.
      ephemeralStorageSize: Size.gibibytes(10),
      environment: {},
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.grantFeatureProcessing(dataLake, config.retraining.rawPrefix);
    this.evaluation = new HandlerFunction(this, 'Evaluation', {
      handlerName: 'evaluation',
      description: 'Compares a new model with the model in production (the promotion gate)',
      key: dataLake.key,
      environment: {},
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.grantEvaluation(namePrefix);

    this.endpointMetrics = new EndpointMetricFactory(endpointName);
    const everyMinute = { period: Duration.minutes(1) };
    this.endpointErrorsAlarm = notifications.addAlarm('EndpointErrors', {
      alarmName: `${stack.stackName}-${endpointName}-5xx`,
      alarmDescription: 'The endpoint returns 5XX errors. Also rolls a blue/green deployment back. See README "Alarms".',
      metric: this.metricInvocation5XXErrors(everyMinute),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.endpointLatencyAlarm = notifications.addAlarm('EndpointLatency', {
      alarmName: `${stack.stackName}-${endpointName}-latency-p99`,
      alarmDescription: `Model latency p99 above ${config.monitoring.latencyP99Ms} ms. Also rolls a blue/green deployment back. See README "Alarms".`,
      // ModelLatency is reported in microseconds.
      metric: this.metricModelLatency(everyMinute),
      threshold: config.monitoring.latencyP99Ms * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const executionLink = `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/v2/executions/details/{}`;
    const notify = (stateId: string, subject: string, fields: Record<string, unknown>) =>
      new tasks.SnsPublish(this, stateId, {
        topic: notifications.topic,
        subject: sfn.JsonPath.format(subject, sfn.JsonPath.stringAt('$.runId')),
        message: sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          ...fields,
          execution: sfn.JsonPath.format(executionLink, sfn.JsonPath.stringAt('$$.Execution.Id')),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      });

    const runFailed = new sfn.Fail(this, PipelineStates.RUN_FAILED, { error: 'RetrainingFailed', cause: 'See the failure notification and the execution history' });
    const notifyFailure = notify(PipelineStates.NOTIFY_FAILURE, `[${dataset}] retraining run {} failed`, {
      outcome: 'FAILED',
      error: sfn.JsonPath.stringAt('$.failure.Error'),
      cause: sfn.JsonPath.stringAt('$.failure.Cause'),
      endpoint: `${endpointName}: unchanged, it keeps serving the previous model`,
    }).next(runFailed);
    const catchAll = <T extends sfn.TaskStateBase | sfn.CustomState>(state: T): T => {
      state.addCatch(notifyFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
      return state;
    };

    // 1. Features.
    const processFeatures = catchAll(
      new tasks.LambdaInvoke(this, PipelineStates.PROCESS_FEATURES, {
        lambdaFunction: this.featureProcessing.function,
        comment: 'Validate the snapshot, quarantine bad rows, fit the feature spec and baseline, write train/validation',
        payload: sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          manifest: sfn.JsonPath.objectAt('$.manifest'),
          config: { dataset: config.dataset, features: config.features, maxBadRowShare: config.retraining.maxBadRowShare },
        }),
        payloadResponseOnly: true,
        resultPath: '$.features',
        retryOnServiceExceptions: true,
      }),
    );
    // Throttling is not in LambdaInvoke's default retry.
    processFeatures.addRetry({ errors: ['Lambda.TooManyRequestsException'], interval: Duration.seconds(5), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });

    // 2. Training. Job, model and endpoint config share one name per run: "<dataset>-<uuid>" (<= 61 chars).
    const nameRun = (stateId: string) =>
      new sfn.Pass(this, stateId, { parameters: { 'id.$': `States.Format('${namePrefix}{}', States.UUID())` }, resultPath: '$.names' });
    const trainingProps = { config, dataLake, imageUri: image.uri, sagemakerRole: this.sagemakerRole, jobNamePrefix: namePrefix };
    const train = catchAll(trainingState(this, PipelineStates.TRAIN, trainingProps));
    train.addRetry({ errors: ['SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException'], interval: Duration.seconds(30), maxAttempts: 4, backoffRate: 2 });

    // 3. The gate.
    const evaluate = catchAll(
      new tasks.LambdaInvoke(this, PipelineStates.EVALUATE, {
        lambdaFunction: this.evaluation.function,
        payload: sfn.TaskInput.fromObject({
          trainingJobName: sfn.JsonPath.stringAt('$.training.jobName'),
          modelPackageGroupName: this.modelPackageGroupName,
          rules: {
            metric: config.evaluation.metric,
            direction: config.evaluation.direction,
            minimumImprovement: config.evaluation.minimumImprovement,
            ...(config.evaluation.minimumValue === undefined ? {} : { minimumValue: config.evaluation.minimumValue }),
          },
        }),
        payloadResponseOnly: true,
        resultPath: '$.evaluation',
        retryOnServiceExceptions: true,
      }),
    );
    const rejected = notify(PipelineStates.NOTIFY_REJECTED, `[${dataset}] run {}: new model rejected`, {
      outcome: 'REJECTED',
      reason: sfn.JsonPath.stringAt('$.evaluation.reason'),
      metrics: sfn.JsonPath.objectAt('$.evaluation.candidateMetrics'),
      endpoint: `${endpointName}: unchanged`,
    }).next(new sfn.Succeed(this, PipelineStates.REJECTED));

    // 4. Registry: the package records its metrics and the exact data it was trained on.
    const approved = config.deployment.approval === 'auto';
    const register = catchAll(
      retrySageMakerLimits(
        new tasks.CallAwsService(this, PipelineStates.REGISTER, {
          service: 'sagemaker',
          action: 'createModelPackage',
          parameters: {
            ModelPackageGroupName: this.modelPackageGroupName,
            ModelPackageDescription: sfn.JsonPath.format('Run {}: {}', sfn.JsonPath.stringAt('$.runId'), sfn.JsonPath.stringAt('$.evaluation.reason')),
            ModelApprovalStatus: approved ? 'Approved' : 'PendingManualApproval',
            InferenceSpecification: {
              Containers: [{ Image: image.uri, ModelDataUrl: sfn.JsonPath.stringAt('$.training.modelArtifact') }],
              SupportedContentTypes: ['text/csv'],
              SupportedResponseMIMETypes: ['text/csv'],
            },
            CustomerMetadataProperties: {
              runId: sfn.JsonPath.stringAt('$.runId'),
              trainingJobName: sfn.JsonPath.stringAt('$.training.jobName'),
              manifest: sfn.JsonPath.format('s3://{}/{}', sfn.JsonPath.stringAt('$.manifest.bucket'), sfn.JsonPath.stringAt('$.manifest.key')),
              trainData: sfn.JsonPath.stringAt('$.features.trainPrefix'),
              validationData: sfn.JsonPath.stringAt('$.features.validationPrefix'),
              featureSpecUri: sfn.JsonPath.stringAt('$.features.featureSpecUri'),
              baselineUri: sfn.JsonPath.stringAt('$.features.baselineUri'),
              [metricPropertyKey(config.evaluation.metric)]: sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.evaluation.candidateValue')),
            },
          },
          iamResources: [
            stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: this.modelPackageGroupName }),
            stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.modelPackageGroupName}/*` }),
          ],
          resultSelector: { modelPackageArn: sfn.JsonPath.stringAt('$.ModelPackageArn') },
          resultPath: '$.registered',
        }),
      ),
    );

    // 5-6. Deployment.
    const deployed = notify(PipelineStates.NOTIFY_DEPLOYED, `[${dataset}] run {}: new model deployed`, {
      outcome: 'DEPLOYED',
      endpoint: endpointName,
      modelPackageArn: sfn.JsonPath.stringAt('$.deploy.modelPackageArn'),
      endpointConfigName: sfn.JsonPath.stringAt('$.names.id'),
      decision: sfn.JsonPath.stringAt('$.deploy.decision'),
      metrics: sfn.JsonPath.objectAt('$.deploy.metrics'),
    }).next(new sfn.Succeed(this, PipelineStates.DEPLOYED));
    const deploy = deploymentChain(this, {
      config,
      dataLake,
      sagemakerRole: this.sagemakerRole,
      rollbackAlarmNames: [this.endpointErrorsAlarm.alarmName, this.endpointLatencyAlarm.alarmName],
      deployedModelParameter: this.deployedModelParameter,
      namePrefix,
      onFailure: notifyFailure,
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
      : notify(PipelineStates.NOTIFY_PENDING_APPROVAL, `[${dataset}] run {}: model awaiting approval`, {
          outcome: 'PENDING_APPROVAL',
          modelPackageArn: sfn.JsonPath.stringAt('$.registered.modelPackageArn'),
          reason: sfn.JsonPath.stringAt('$.evaluation.reason'),
          next: 'Approve the package in the SageMaker model registry to deploy it',
        }).next(new sfn.Succeed(this, PipelineStates.AWAITING_APPROVAL));

    // An approved package (manual approval mode) deploys without retraining.
    const describeApproved = catchAll(
      retrySageMakerLimits(
        new tasks.CallAwsService(this, PipelineStates.DESCRIBE_APPROVED_PACKAGE, {
          service: 'sagemaker',
          action: 'describeModelPackage',
          parameters: { ModelPackageName: sfn.JsonPath.stringAt('$.approvedModelPackageArn') },
          iamResources: [stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.modelPackageGroupName}/*` })],
          resultSelector: {
            modelPackageArn: sfn.JsonPath.stringAt('$.ModelPackageArn'),
            image: sfn.JsonPath.stringAt('$.InferenceSpecification.Containers[0].Image'),
            modelDataUrl: sfn.JsonPath.stringAt('$.InferenceSpecification.Containers[0].ModelDataUrl'),
            featureSpecUri: sfn.JsonPath.stringAt('$.CustomerMetadataProperties.featureSpecUri'),
            baselineUri: sfn.JsonPath.stringAt('$.CustomerMetadataProperties.baselineUri'),
            decision: 'approved in the model registry',
            // The package's metadata holds its metrics (metric:<name>) and lineage.
            metrics: sfn.JsonPath.objectAt('$.CustomerMetadataProperties'),
          },
          resultPath: '$.deploy',
        }),
      ),
    );

    const definition = new sfn.Choice(this, PipelineStates.ROUTE_RUN)
      .when(sfn.Condition.isPresent('$.approvedModelPackageArn'), describeApproved.next(nameRun(PipelineStates.NAME_DEPLOYMENT)).next(deploy))
      .otherwise(
        processFeatures
          .next(nameRun(PipelineStates.NAME_RUN))
          .next(train)
          .next(evaluate)
          .next(new sfn.Choice(this, PipelineStates.GATE).when(sfn.Condition.booleanEquals('$.evaluation.promote', true), register.next(afterRegister)).otherwise(rejected)),
      );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN }),
        level: sfn.LogLevel.ALL,
      },
    });
    grantTraining(this.stateMachine.role, trainingProps);
    notifications.grantPublish(this.stateMachine);
    // CreateEndpointConfig with a customer-managed key: SageMaker creates grants as the caller.
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [dataLake.key.keyArn] }));
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.sagemakerRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
    );

    if (!approved) {
      new events.Rule(this, 'ApprovalRule', {
        description: `An approved ${this.modelPackageGroupName} package is deployed`,
        eventPattern: {
          source: ['aws.sagemaker'],
          detailType: ['SageMaker Model Package State Change'],
          detail: { ModelPackageGroupName: [this.modelPackageGroupName], ModelApprovalStatus: ['Approved'] },
        },
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            input: events.RuleTargetInput.fromObject({ runId: events.EventField.fromPath('$.id'), approvedModelPackageArn: events.EventField.fromPath('$.detail.ModelPackageArn') }),
          }),
        ],
      });
    }
    this.acknowledgeStateMachineFindings(namePrefix);
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

  private acknowledgeStateMachineFindings(namePrefix: string): void {
    const role = this.stateMachine.role;
    const acknowledge = (finding: string, reason: string) => Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge('Resource::*', 'X-Ray trace segments and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) have no resource-level permissions.');
    for (const fn of [this.featureProcessing.function, this.evaluation.function]) {
      acknowledge(`Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as never)}.Arn>:*`, 'Invoking any version or alias of the pipeline\'s own functions (CDK grants the function ARN and ARN:*).');
    }
    acknowledge(sagemakerFinding(this, 'training-job', `${namePrefix}*`), 'Each run names its training job "<dataset>-<uuid>" at run time.');
    acknowledge(sagemakerFinding(this, 'model', `${namePrefix}*`), 'Each run names its model "<dataset>-<uuid>" at run time.');
    acknowledge(sagemakerFinding(this, 'endpoint-config', `${namePrefix}*`), 'Each run names its endpoint config "<dataset>-<uuid>" at run time.');
    acknowledge(sagemakerFinding(this, 'model-package', `${this.modelPackageGroupName}/*`), 'Package versions of the project\'s own group are numbered by SageMaker at run time.');
  }

  /** Reads pinned raw versions and manifests; writes features/ and quarantine/ (multipart included). */
  private grantFeatureProcessing(dataLake: DataLake, rawPrefix: string): void {
    const { role } = this.featureProcessing;
    const bucket = dataLake.dataBucket;
    dataLake.grantReadRaw(role, rawPrefix);
    // Reads its own completion marker (a retry returns the stored result).
    dataLake.grantReadFeatures(role);
    dataLake.grantWriteFeatures(role);
    dataLake.grantWriteQuarantine(role);
    acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Object keys of a snapshot are only known at run time; reads are limited to the raw prefix.');
    acknowledgeObjectPrefix(role, bucket, FEATURES_PREFIX, 'Each run writes under features/<run>/, named at run time.');
    acknowledgeObjectPrefix(role, bucket, QUARANTINE_PREFIX, 'Each run writes its rejected rows under quarantine/<run>/, named at run time.');
  }

  /** Reads the new training job and the group's packages. */
  private grantEvaluation(namePrefix: string): void {
    const stack = Stack.of(this);
    const { role } = this.evaluation;
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${namePrefix}*` })] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.modelPackageGroupName}/*` })],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] }));
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'sagemaker:ListModelPackages has no resource-level permissions; the handler filters by the project\'s group.' });
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${sagemakerFinding(this, 'training-job', `${namePrefix}*`)}]`, reason: 'Training jobs are named "<dataset>-<uuid>" at run time.' });
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${sagemakerFinding(this, 'model-package', `${this.modelPackageGroupName}/*`)}]`, reason: 'Package versions are numbered by SageMaker at run time.' });
  }
}
