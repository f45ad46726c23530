import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENDPOINT_VARIANT } from '../../lambdas/contracts/deployment';
import { DriftMetricNames } from '../../lambdas/contracts/metrics';
import type { MlopsConfig } from '../config';
import type { DriftMonitor } from './drift-monitor';
import type { Notifications } from './notifications';

export interface MonitoringDashboardProps {
  readonly config: MlopsConfig;
  readonly stateMachine: sfn.IStateMachine;
  readonly driftMonitor: DriftMonitor;
  readonly notifications: Notifications;
  readonly latestReportUri: string;
}

/** One dashboard: pipeline runs and outcomes, endpoint health, drift per feature, every alarm. */
export class MonitoringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const { config, stateMachine, driftMonitor } = props;
    const endpointName = config.deployment.endpointName;
    const endpointMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName, dimensionsMap: { EndpointName: endpointName, VariantName: ENDPOINT_VARIANT }, statistic, period: Duration.minutes(5) });
    const features = config.dataset.columns.filter((c) => c.name !== config.dataset.targetColumn && c.name !== config.dataset.idColumn).map((c) => c.name);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${config.dataset.name}: retraining, endpoint \`${endpointName}\`, drift\nLatest drift report: \`${props.latestReportUri}\`. Alarm responses: README "Alarms".`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Retraining runs',
        left: [stateMachine.metricStarted(), stateMachine.metricSucceeded(), stateMachine.metricFailed(), stateMachine.metricTimedOut()],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.notifications.alarms], width: 12 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Endpoint invocations and errors', left: [endpointMetric('Invocations', 'Sum')], right: [endpointMetric('Invocation4XXErrors', 'Sum'), endpointMetric('Invocation5XXErrors', 'Sum')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Model latency (µs)', left: [endpointMetric('ModelLatency', 'p50'), endpointMetric('ModelLatency', 'p99')], width: 12 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Drifted feature share',
        left: [driftMonitor.metricDriftedFeatureShare()],
        leftAnnotations: [{ value: config.monitoring.thresholds.driftedShare, label: 'alarm threshold' }],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jensen-Shannon distance per feature',
        left: features.map((f) => driftMonitor.metricFeature(DriftMetricNames.FEATURE_JS, f, { label: f })),
        leftAnnotations: [{ value: config.monitoring.thresholds.jensenShannon, label: 'threshold' }],
        width: 12,
      }),
    );
  }
}
