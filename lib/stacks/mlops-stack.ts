import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { MlopsConfig } from '../config';
import { DataLake } from '../constructs/data-lake';
import { Notifications } from '../constructs/notifications';
import { RetrainingTrigger } from '../constructs/retraining-trigger';

export interface MlopsStackProps extends StackProps {
  readonly config: MlopsConfig;
}

/** The whole lifecycle for one data set in one account and region. */
export class MlopsStack extends Stack {
  readonly dataLake: DataLake;
  readonly notifications: Notifications;
  readonly trigger: RetrainingTrigger;
  readonly pipeline: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: MlopsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.dataLake = new DataLake(this, 'DataLake', { removalPolicy, captureRetentionDays: config.monitoring.captureRetentionDays });
    // Alarms publish to the encrypted topic as CloudWatch (EventBridge's grant CDK adds itself).
    this.dataLake.allowServiceToUseKey('cloudwatch.amazonaws.com');
    this.notifications = new Notifications(this, 'Notifications', { key: this.dataLake.key, emails: config.notifications.emails });

    // The retraining steps arrive with the training pipeline; until then a run records its input.
    this.pipeline = new sfn.StateMachine(this, 'RetrainingPipeline', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(this, 'RecordSnapshot')),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'PipelineLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy }),
        level: sfn.LogLevel.ALL,
      },
    });
    Validations.of(this.pipeline.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace segments and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) have no resource-level permissions.',
    });

    this.trigger = new RetrainingTrigger(this, 'RetrainingTrigger', {
      dataBucket: this.dataLake.dataBucket,
      key: this.dataLake.key,
      stateMachine: this.pipeline,
      rawPrefix: config.retraining.rawPrefix,
      debounce: Duration.seconds(config.retraining.debounceSeconds),
      retryInterval: Duration.seconds(config.retraining.retryIntervalSeconds),
      maxDeliveryAttempts: config.retraining.maxDeliveryAttempts,
    });
    this.notifications.addAlarm('UploadEventsDeadLettered', {
      alarmDescription: 'Upload events could not start retraining and moved to the dead-letter queue. See README "Alarms".',
      metric: this.trigger.metricDeadLetters(),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
