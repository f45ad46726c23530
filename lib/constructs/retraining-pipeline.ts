import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FEATURES_PREFIX, QUARANTINE_PREFIX } from '../../lambdas/core/layout';
import type { MlopsConfig } from '../config';
import type { DataLake } from './data-lake';
import { HandlerFunction } from './handler-function';
import { acknowledgeObjectPrefix } from './nag';
import type { Notifications } from './notifications';

/** State names of the retraining state machine: the local runtime and tests address states by name. */
export const PipelineStates = {
  PROCESS_FEATURES: 'ProcessFeatures',
  FEATURES_READY: 'FeaturesReady',
  NOTIFY_FAILURE: 'NotifyFailure',
  RUN_FAILED: 'RunFailed',
} as const;

export interface RetrainingPipelineProps {
  readonly dataLake: DataLake;
  readonly config: MlopsConfig;
  /** Receives the run notifications. */
  readonly notifications: Notifications;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * A run that takes longer is stopped (and alarmed on).
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
}

/**
 * The retraining state machine. Input: `{ runId, manifest: { bucket, key } }` from the trigger.
 * Steps so far: validate + feature engineering (Lambda). Any failure is caught and notified.
 */
export class RetrainingPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly featureProcessing: HandlerFunction;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    const { dataLake, config } = props;
    const rawPrefix = config.retraining.rawPrefix;

    this.featureProcessing = new HandlerFunction(this, 'FeatureProcessing', {
      handlerName: 'feature-processing',
      description: 'Validates a data snapshot and writes features, quarantine, spec and baseline',
      key: dataLake.key,
      // Memory is bounded (streaming); more memory buys CPU for parsing.
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment: {},
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.grantFeatureProcessing(dataLake, rawPrefix);

    const processFeatures = new tasks.LambdaInvoke(this, PipelineStates.PROCESS_FEATURES, {
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
    });

    const notifyFailure = new tasks.SnsPublish(this, PipelineStates.NOTIFY_FAILURE, {
      topic: props.notifications.topic,
      subject: sfn.JsonPath.format('Retraining run {} failed', sfn.JsonPath.stringAt('$.runId')),
      message: sfn.TaskInput.fromObject({
        outcome: 'FAILED',
        runId: sfn.JsonPath.stringAt('$.runId'),
        error: sfn.JsonPath.stringAt('$.failure.Error'),
        cause: sfn.JsonPath.stringAt('$.failure.Cause'),
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        endpoint: 'unchanged: the endpoint keeps serving the previous model',
      }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Fail(this, PipelineStates.RUN_FAILED, { error: 'RetrainingFailed', cause: 'See the failure notification and the execution history' }));
    // Throttling is not in LambdaInvoke's default retry.
    processFeatures.addRetry({ errors: ['Lambda.TooManyRequestsException'], interval: Duration.seconds(5), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    processFeatures.addCatch(notifyFailure, { errors: ['States.ALL'], resultPath: '$.failure' });

    const definition = processFeatures.next(new sfn.Succeed(this, PipelineStates.FEATURES_READY));
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN }),
        level: sfn.LogLevel.ALL,
      },
    });
    props.notifications.grantPublish(this.stateMachine);
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace segments and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) have no resource-level permissions.',
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.featureProcessing.function.node.defaultChild as never)}.Arn>:*]`,
      reason: 'Invoking any version or alias of the pipeline\'s own feature-processing function (CDK grants the function ARN and ARN:*).',
    });
  }

  /** Reads pinned raw versions and manifests; writes features/ and quarantine/ (multipart included). */
  private grantFeatureProcessing(dataLake: DataLake, rawPrefix: string): void {
    const { role } = this.featureProcessing;
    const bucket = dataLake.dataBucket;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [bucket.arnForObjects(`${rawPrefix}*`)] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(`${FEATURES_PREFIX}*`)],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects(`${QUARANTINE_PREFIX}*`)] }));
    // Without ListBucket a missing completion marker reads as AccessDenied instead of NoSuchKey.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${FEATURES_PREFIX}*`] } } }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [dataLake.key.keyArn] }));
    acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Object keys of a snapshot are only known at run time; reads are limited to the raw prefix.');
    acknowledgeObjectPrefix(role, bucket, FEATURES_PREFIX, 'Each run writes under features/<run>/, named at run time.');
    acknowledgeObjectPrefix(role, bucket, QUARANTINE_PREFIX, 'Each run writes its rejected rows under quarantine/<run>/, named at run time.');
  }
}
