import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FEATURES_PREFIX } from '../../lambdas/contracts/layout';
import { HandlerFunction } from './handler-function';
import { acknowledgeObjectPrefix } from './nag';

/** Every way S3 creates an object: PUT, browser POST, copy and multipart completion. */
export const OBJECT_CREATED_REASONS = ['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload'];

export interface RetrainingTriggerProps {
  /** The data bucket; it must send events to EventBridge. */
  readonly dataBucket: s3.IBucket;
  /** Encrypts the queues and the function's environment; EventBridge must be allowed to use it. */
  readonly key: kms.IKey;
  /** The retraining pipeline started for each new data snapshot. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * Uploads under this prefix start retraining.
   * @default 'raw/'
   */
  readonly rawPrefix?: string;
  /**
   * Uploads within this window start one run (the SQS batching window, 0-300 s).
   * @default Duration.seconds(60)
   */
  readonly debounce?: Duration;
  /**
   * How long an upload event waits before it is retried while a run is in progress.
   * @default Duration.minutes(10)
   */
  readonly retryInterval?: Duration;
  /**
   * Deliveries before an event moves to the dead-letter queue.
   * @default 36
   */
  readonly maxDeliveryAttempts?: number;
  /**
   * A drift alarm retrains the same data at most once per this period.
   * @default Duration.hours(24)
   */
  readonly retrainCooldown?: Duration;
}

const HANDLER_TIMEOUT = Duration.seconds(60);

/**
 * Starts retraining when data lands under the raw prefix: EventBridge (Object Created, non-empty
 * objects) → encrypted SQS queue with a dead-letter queue → a trigger function batched over the
 * debounce window. The function starts one execution per data snapshot, named by its hash.
 */
export class RetrainingTrigger extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: RetrainingTriggerProps) {
    super(scope, id);
    const rawPrefix = props.rawPrefix ?? 'raw/';
    const debounce = props.debounce ?? Duration.seconds(60);
    const retryInterval = props.retryInterval ?? Duration.minutes(10);
    const maxDeliveryAttempts = props.maxDeliveryAttempts ?? 36;
    if (!rawPrefix.endsWith('/') || rawPrefix.startsWith('/')) throw new Error(`${this.node.path}: rawPrefix must end with "/" and not start with it, got "${rawPrefix}"`);
    if (debounce.toSeconds() > 300) throw new Error(`${this.node.path}: debounce must be at most 300 seconds (the SQS batching window limit), got ${debounce.toSeconds()}`);
    if (retryInterval.toSeconds() < HANDLER_TIMEOUT.toSeconds()) {
      throw new Error(`${this.node.path}: retryInterval must be at least the handler timeout (${HANDLER_TIMEOUT.toSeconds()} s)`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      visibilityTimeout: retryInterval,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: maxDeliveryAttempts },
    });

    this.rule = new events.Rule(this, 'ObjectCreatedRule', {
      description: `New data under ${rawPrefix} starts retraining`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.dataBucket.bucketName] },
          object: { key: [{ prefix: rawPrefix }], size: [{ numeric: ['>', 0] }] },
          reason: OBJECT_CREATED_REASONS,
        },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.handler = new HandlerFunction(this, 'Handler', {
      handlerName: 'retraining-trigger',
      description: 'Starts one retraining run per data snapshot',
      key: props.key,
      timeout: HANDLER_TIMEOUT,
      // One batch at a time: two concurrent batches could otherwise start two runs.
      reservedConcurrentExecutions: 1,
      environment: {
        DATA_BUCKET: props.dataBucket.bucketName,
        RAW_PREFIX: rawPrefix,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        RETRAIN_COOLDOWN_HOURS: String((props.retrainCooldown ?? Duration.hours(24)).toHours()),
      },
    });
    const batchingAllowed = debounce.toSeconds() > 0;
    this.handler.function.addEventSource(
      new SqsEventSource(this.queue, {
        // Batches over 10 need a batching window.
        batchSize: batchingAllowed ? 100 : 10,
        maxBatchingWindow: batchingAllowed ? debounce : undefined,
        reportBatchItemFailures: true,
      }),
    );
    this.grantSnapshotAccess(props.dataBucket, props.key, rawPrefix);
    props.stateMachine.grantStartExecution(this.handler.role);
    this.handler.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [props.stateMachine.stateMachineArn] }));
  }

  private grantSnapshotAccess(bucket: s3.IBucket, key: kms.IKey, rawPrefix: string): void {
    const role = this.handler.role;
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${rawPrefix}*`] } } }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [bucket.arnForObjects(`${rawPrefix}*`)] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${FEATURES_PREFIX}*`)] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }));
    acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Uploaded object keys are only known at run time; reads are limited to the raw prefix.');
    acknowledgeObjectPrefix(role, bucket, FEATURES_PREFIX, 'Manifest keys are derived from the snapshot at run time; writes are limited to the features prefix.');
  }

  /** Upload events that could not be processed and wait in the dead-letter queue. */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum', ...props });
  }
}
