import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CAPTURE_PREFIX, DRIFT_PREFIX, FEATURES_PREFIX } from '../../lambdas/contracts/layout';
import { DriftMetricNames, METRICS_NAMESPACE } from '../../lambdas/contracts/metrics';
import type { MonitoringConfig } from '../../lambdas/contracts/config/resolve';
import type { DataLake } from './data-lake';
import { HandlerFunction } from './handler-function';
import { acknowledgeObjectPrefix } from './nag';
import type { Notifications } from './notifications';
import { checkProp } from './props';

export interface DriftMonitorProps {
  /** The endpoint whose captured traffic is checked. */
  readonly endpointName: string;
  /** Schedule, window size, thresholds, alarms and drift-driven retraining. */
  readonly monitoring: MonitoringConfig;
  readonly dataLake: DataLake;
  readonly notifications: Notifications;
  /** Where the pipeline publishes the deployed model (baseline and spec locations). */
  readonly deployedModelParameter: ssm.IStringParameter;
  /**
   * The retraining trigger's queue: a drift alarm is delivered there when retrain-on-drift is on.
   * @default - drift never starts retraining
   */
  readonly retrainingQueue?: sqs.IQueue;
}

/** Minutes between checks for a rate() schedule; a cron schedule checks the last hour. */
export function windowMinutes(schedule: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (!match) return 60;
  const unit = match[2].startsWith('minute') ? 1 : match[2].startsWith('hour') ? 60 : 1440;
  return Number(match[1]) * unit;
}

/**
 * The scheduled drift check (Lambda), its metrics and alarms: data set drift (M of N checks),
 * optional per-feature alarms, failures of the check itself, and drift-driven retraining.
 */
export class DriftMonitor extends Construct {
  readonly handler: HandlerFunction;
  readonly schedule: events.Rule;
  readonly datasetDriftAlarm: cloudwatch.Alarm;
  readonly featureAlarms: cloudwatch.Alarm[] = [];
  readonly retrainRule?: events.Rule;
  readonly window: Duration;
  /** The drifted feature share at which the data set drift alarm fires. */
  readonly driftedShareThreshold: number;
  /** The Jensen-Shannon distance above which a feature counts as drifted. */
  readonly jensenShannonThreshold: number;
  private readonly endpointName: string;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const { monitoring, dataLake, notifications, endpointName } = props;
    checkProp(
      this,
      monitoring.datapointsToAlarm <= monitoring.evaluationPeriods,
      'monitoring.datapointsToAlarm',
      `must be at most monitoring.evaluationPeriods (${monitoring.evaluationPeriods}), got ${monitoring.datapointsToAlarm}`,
    );
    this.endpointName = endpointName;
    this.window = Duration.minutes(windowMinutes(monitoring.schedule));
    this.driftedShareThreshold = monitoring.thresholds.driftedShare;
    this.jensenShannonThreshold = monitoring.thresholds.jensenShannon;

    this.handler = new HandlerFunction(this, 'DriftCheck', {
      handlerName: 'drift-check',
      description: `Compares ${endpointName} traffic with the training baseline and publishes drift metrics`,
      key: dataLake.key,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: {
        ENDPOINT_NAME: endpointName,
        DATA_BUCKET: dataLake.dataBucket.bucketName,
        CAPTURE_BUCKET: dataLake.captureBucket.bucketName,
        CAPTURE_PREFIX,
        DEPLOYED_MODEL_PARAMETER: props.deployedModelParameter.parameterName,
        WINDOW_MINUTES: String(this.window.toMinutes()),
        DRIFT_RULES: JSON.stringify({ minWindowRecords: monitoring.minWindowRecords, ...monitoring.thresholds }),
      },
    });
    this.grantDriftCheck(props);
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Drift check of ${endpointName}`,
      schedule: events.Schedule.expression(monitoring.schedule),
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 2 })],
    });

    const latestReport = `s3://${dataLake.dataBucket.bucketName}/${DRIFT_PREFIX}${endpointName}/latest/report.html`;
    this.datasetDriftAlarm = notifications.addAlarm('DatasetDrift', {
      alarmName: `${Stack.of(this).stackName}-${endpointName}-dataset-drift`,
      alarmDescription: `Live traffic drifted from the training data (drifted feature share >= ${monitoring.thresholds.driftedShare} in ${monitoring.datapointsToAlarm} of ${monitoring.evaluationPeriods} checks). Report: ${latestReport}. See README "Alarms".`,
      metric: this.metricDriftedFeatureShare(),
      threshold: monitoring.thresholds.driftedShare,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: monitoring.evaluationPeriods,
      datapointsToAlarm: monitoring.datapointsToAlarm,
      // No data means no check ran (no traffic or no model): not evidence of drift.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const feature of monitoring.featureAlarms) {
      this.featureAlarms.push(
        notifications.addAlarm(`FeatureDrift-${feature}`, {
          alarmDescription: `Feature ${feature} drifted in ${monitoring.datapointsToAlarm} of ${monitoring.evaluationPeriods} checks. Report: ${latestReport}.`,
          metric: this.metricFeature(DriftMetricNames.FEATURE_DRIFTED, feature),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: monitoring.evaluationPeriods,
          datapointsToAlarm: monitoring.datapointsToAlarm,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    notifications.addOccurrenceAlarm(
      'DriftCheckErrors',
      this.handler.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The drift check Lambda failed. See README "Alarms".',
    );

    if (monitoring.retrainOnDrift.enabled) {
      const queue = props.retrainingQueue;
      checkProp(this, queue !== undefined, 'retrainingQueue', 'is required when monitoring.retrainOnDrift is enabled');
      // The trigger retrains the current snapshot at most once per cooldown period (execution names).
      this.retrainRule = new events.Rule(this, 'RetrainOnDrift', {
        description: `Data set drift on ${endpointName} retrains the model (once per ${monitoring.retrainOnDrift.cooldownHours} h)`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          resources: [this.datasetDriftAlarm.alarmArn],
          detail: { state: { value: ['ALARM'] } },
        },
        targets: [new targets.SqsQueue(queue)],
      });
    }
  }

  /** Share of judged features that drifted, per check (the data set alarm's metric). */
  metricDriftedFeatureShare(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: DriftMetricNames.DRIFTED_FEATURE_SHARE,
      dimensionsMap: { EndpointName: this.endpointName },
      statistic: 'Maximum',
      period: this.window,
      ...props,
    });
  }

  /** A per-feature drift metric (e.g. FeatureJensenShannon) of one feature. */
  metricFeature(metricName: string, feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, Feature: feature },
      statistic: 'Maximum',
      period: this.window,
      ...props,
    });
  }

  private grantDriftCheck(props: DriftMonitorProps): void {
    const { role } = this.handler;
    const { dataLake } = props;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [props.deployedModelParameter.parameterArn] }));
    dataLake.grantReadFeatures(role);
    dataLake.grantWriteDriftReports(role);
    dataLake.grantReadCapture(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
    );
    acknowledgeObjectPrefix(role, dataLake.dataBucket, FEATURES_PREFIX, "Reads the deployed run's baseline and feature spec, named at run time.");
    acknowledgeObjectPrefix(role, dataLake.dataBucket, DRIFT_PREFIX, 'Writes drift/<endpoint>/<window>/report.*, named at run time.');
    acknowledgeObjectPrefix(role, dataLake.captureBucket, CAPTURE_PREFIX, 'Reads capture/<endpoint>/<variant>/<date>/..., named by SageMaker at run time.');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "cloudwatch:PutMetricData has no resource-level permissions; a condition limits it to the project's namespace.",
    });
  }
}
