import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DRIFT_PREFIX } from '../../lambdas/contracts/layout';
import type { MlopsConfig } from '../config';
import { MonitoringDashboard } from '../constructs/dashboard';
import { DataLake } from '../constructs/data-lake';
import { DriftMonitor } from '../constructs/drift-monitor';
import { Notifications } from '../constructs/notifications';
import { RetrainingPipeline } from '../constructs/retraining-pipeline';
import { RetrainingTrigger } from '../constructs/retraining-trigger';

/** The stack's outputs, by name. */
export const MlopsOutputs = {
  DATA_BUCKET: 'DataBucketName',
  STATE_MACHINE_ARN: 'RetrainingStateMachineArn',
  ENDPOINT_NAME: 'EndpointName',
  TOPIC_ARN: 'NotificationTopicArn',
  DEPLOYED_MODEL_PARAMETER: 'DeployedModelParameterName',
} as const;

/** The stack's name for a data set (a stage's standalone stack appends "-<stage>"). */
export function stackNameFor(config: MlopsConfig): string {
  return `ServerlessMlops-${config.dataset.name}`;
}

export interface MlopsStackProps extends StackProps {
  readonly config: MlopsConfig;
}

/** The whole lifecycle for one data set in one account and region. */
export class MlopsStack extends Stack {
  readonly dataLake: DataLake;
  readonly notifications: Notifications;
  readonly trigger: RetrainingTrigger;
  readonly pipeline: RetrainingPipeline;
  readonly driftMonitor: DriftMonitor;
  readonly dashboard: MonitoringDashboard;
  readonly outputs: Readonly<Record<string, CfnOutput>>;

  constructor(scope: Construct, id: string, props: MlopsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.dataLake = new DataLake(this, 'DataLake', { removalPolicy, captureRetentionDays: config.monitoring.captureRetentionDays });
    // Alarms publish to the encrypted topic as CloudWatch (EventBridge's grant CDK adds itself).
    this.dataLake.allowServiceToUseKey('cloudwatch.amazonaws.com');
    this.notifications = new Notifications(this, 'Notifications', { key: this.dataLake.key, emails: config.notifications.emails });

    this.pipeline = new RetrainingPipeline(this, 'RetrainingPipeline', {
      dataLake: this.dataLake,
      notifications: this.notifications,
      dataset: config.dataset,
      features: config.features,
      training: config.training,
      evaluation: config.evaluation,
      deployment: config.deployment,
      rawPrefix: config.retraining.rawPrefix,
      maxBadRowShare: config.retraining.maxBadRowShare,
      distributedFeatures: config.retraining.distributed,
      latencyP99Ms: config.monitoring.latencyP99Ms,
      samplingPercent: config.monitoring.samplingPercent,
      logRemovalPolicy: removalPolicy,
    });

    this.trigger = new RetrainingTrigger(this, 'RetrainingTrigger', {
      dataLake: this.dataLake,
      stateMachine: this.pipeline.stateMachine,
      rawPrefix: config.retraining.rawPrefix,
      debounce: Duration.seconds(config.retraining.debounceSeconds),
      retryInterval: Duration.seconds(config.retraining.retryIntervalSeconds),
      maxDeliveryAttempts: config.retraining.maxDeliveryAttempts,
      retrainCooldown: Duration.hours(config.monitoring.retrainOnDrift.cooldownHours),
      notifications: this.notifications,
      datasetName: config.dataset.name,
    });
    this.driftMonitor = new DriftMonitor(this, 'DriftMonitor', {
      endpointName: config.deployment.endpointName,
      monitoring: config.monitoring,
      dataLake: this.dataLake,
      notifications: this.notifications,
      deployedModelParameter: this.pipeline.deployedModelParameter,
      retrainingQueue: this.trigger.queue,
    });
    if (!config.deployment.dataCapture) {
      // Said at synth (and by `cdk deploy`), not failed: the rest of the lifecycle works.
      Annotations.of(this.driftMonitor).addWarningV2(
        'serverless-mlops:no-data-capture',
        `deployment.dataCapture is off (${config.deployment.compute.type} compute): the drift check will find no captured requests and report "insufficient data". SageMaker Serverless Inference excludes data capture; use compute.type "instances" for drift monitoring.`,
      );
    }
    this.notifications.addOccurrenceAlarm(
      'PipelineRunsFailed',
      this.pipeline.metricRunsFailed(),
      'A retraining run failed (its own notification has the reason). See README "Alarms".',
    );
    this.notifications.addOccurrenceAlarm(
      'PipelineRunsTimedOut',
      this.pipeline.metricRunsTimedOut(),
      'A retraining run hit the state machine timeout. See README "Alarms".',
    );
    this.notifications.addOccurrenceAlarm(
      'UploadEventsDeadLettered',
      this.trigger.metricDeadLetters(),
      'Upload events could not start retraining and moved to the dead-letter queue. See README "Alarms".',
    );
    // What operators, clients and the delivery pipeline's check need to find the stack's parts.
    const outputs: Record<string, string> = {
      [MlopsOutputs.DATA_BUCKET]: this.dataLake.dataBucket.bucketName,
      [MlopsOutputs.STATE_MACHINE_ARN]: this.pipeline.stateMachine.stateMachineArn,
      [MlopsOutputs.ENDPOINT_NAME]: config.deployment.endpointName,
      [MlopsOutputs.TOPIC_ARN]: this.notifications.topic.topicArn,
      [MlopsOutputs.DEPLOYED_MODEL_PARAMETER]: this.pipeline.deployedModelParameter.parameterName,
    };
    this.outputs = Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, new CfnOutput(this, name, { value })]));
    // Last, so it shows every alarm.
    this.dashboard = new MonitoringDashboard(this, 'Dashboard', {
      title: config.dataset.name,
      pipeline: this.pipeline,
      featureNames: config.dataset.columns.filter((c) => c.name !== config.dataset.targetColumn && c.name !== config.dataset.idColumn).map((c) => c.name),
      driftMonitor: this.driftMonitor,
      notifications: this.notifications,
      latestReportUri: `s3://${this.dataLake.dataBucket.bucketName}/${DRIFT_PREFIX}${config.deployment.endpointName}/latest/report.html`,
    });
  }
}
