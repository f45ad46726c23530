import { Aspects, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ServicePrincipalConditions } from './service-principal-conditions';
import { FEATURES_PREFIX } from '../../lambdas/contracts/layout';
import { DEFAULTS } from '../../lambdas/contracts/config/defaults';
import type { DataLake } from './data-lake';
import { HandlerFunction } from './handler-function';
import type { Notifications } from './notifications';
import { acknowledgeObjectPrefix } from './nag';
import { checkPrefix, checkProp } from './props';

/** Every way S3 creates an object: PUT, browser POST, copy and multipart completion. */
export const OBJECT_CREATED_REASONS = ['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload'];

export interface RetrainingTriggerProps {
  /** Its data bucket (which must send events to EventBridge) holds the uploads; its key encrypts the queues and the function's environment. */
  readonly dataLake: DataLake;
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
  /**
   * Told when an upload is not data (a `notes.txt` under the raw prefix): it is skipped, and
   * without a topic only logged.
   * @default - no notification
   */
  readonly notifications?: Notifications;
  /**
   * The data set's name, in the notification.
   * @default - none
   */
  readonly datasetName?: string;
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
    Aspects.of(this).add(new ServicePrincipalConditions());
    const { dataBucket, key } = props.dataLake;
    const rawPrefix = props.rawPrefix ?? DEFAULTS.rawPrefix;
    const debounce = props.debounce ?? Duration.seconds(60);
    const retryInterval = props.retryInterval ?? Duration.minutes(10);
    const maxDeliveryAttempts = props.maxDeliveryAttempts ?? 36;
    checkPrefix(this, rawPrefix, 'rawPrefix');
    checkProp(this, debounce.toSeconds() <= 300, 'debounce', `must be at most 300 seconds (the SQS batching window limit), got ${debounce.toSeconds()}`);
    checkProp(
      this,
      retryInterval.toSeconds() >= HANDLER_TIMEOUT.toSeconds(),
      'retryInterval',
      `must be at least the handler timeout (${HANDLER_TIMEOUT.toSeconds()} s)`,
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
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
          bucket: { name: [dataBucket.bucketName] },
          object: { key: [{ prefix: rawPrefix }], size: [{ numeric: ['>', 0] }] },
          reason: OBJECT_CREATED_REASONS,
        },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.handler = new HandlerFunction(this, 'Handler', {
      handlerName: 'retraining-trigger',
      description: 'Starts one retraining run per data snapshot',
      key,
      timeout: HANDLER_TIMEOUT,
      // One batch at a time: two concurrent batches could otherwise start two runs.
      reservedConcurrentExecutions: 1,
      environment: {
        DATA_BUCKET: dataBucket.bucketName,
        RAW_PREFIX: rawPrefix,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        RETRAIN_COOLDOWN_HOURS: String((props.retrainCooldown ?? Duration.hours(24)).toHours()),
        ...(props.notifications ? { NOTIFICATION_TOPIC_ARN: props.notifications.topic.topicArn } : {}),
        ...(props.datasetName ? { DATASET_NAME: props.datasetName } : {}),
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
    this.grantSnapshotAccess(props.dataLake, rawPrefix);
    props.stateMachine.grantStartExecution(this.handler.role);
    this.handler.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [props.stateMachine.stateMachineArn] }));
    props.notifications?.grantPublish(this.handler.role);
  }

  private grantSnapshotAccess(dataLake: DataLake, rawPrefix: string): void {
    const role = this.handler.role;
    const bucket = dataLake.dataBucket;
    dataLake.grantListRaw(role, rawPrefix);
    dataLake.grantReadRaw(role, rawPrefix);
    // The manifest only: a small object, never a multipart upload.
    dataLake.grantWriteFeatures(role, { multipart: false });
    acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Uploaded object keys are only known at run time; reads are limited to the raw prefix.');
    acknowledgeObjectPrefix(
      role,
      bucket,
      FEATURES_PREFIX,
      'Manifest keys are derived from the snapshot at run time; writes are limited to the features prefix.',
    );
  }

  /** Upload events that could not be processed and wait in the dead-letter queue. */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum', ...props });
  }
}
