import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DriftMetricNames } from '../../lambdas/contracts/metrics';
import type { DriftMonitor } from './drift-monitor';
import type { Notifications } from './notifications';
import type { RetrainingPipeline } from './retraining-pipeline';

export interface MonitoringDashboardProps {
  /** The heading's name, e.g. the data set's. */
  readonly title: string;
  /** Its runs and its endpoint's health are shown. */
  readonly pipeline: RetrainingPipeline;
  readonly driftMonitor: DriftMonitor;
  /** Every alarm created through it is shown. */
  readonly notifications: Notifications;
  /** Features whose drift distance is graphed. */
  readonly featureNames: readonly string[];
  /** Where the latest drift report is, shown in the heading. */
  readonly latestReportUri: string;
}

/** One dashboard: pipeline runs and outcomes, endpoint health, drift per feature, every alarm. */
export class MonitoringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const { pipeline, driftMonitor } = props;
    const stateMachine = pipeline.stateMachine;
    const endpointName = pipeline.endpointName;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${props.title}: retraining, endpoint \`${endpointName}\`, drift\nLatest drift report: \`${props.latestReportUri}\`. Alarm responses: README "Alarms".`,
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
      new cloudwatch.GraphWidget({
        title: 'Endpoint invocations and errors',
        left: [pipeline.metricEndpointInvocations()],
        right: [pipeline.metricInvocation4XXErrors(), pipeline.metricInvocation5XXErrors()],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Model latency (µs)',
        left: [pipeline.metricModelLatency({ statistic: 'p50' }), pipeline.metricModelLatency()],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Drifted feature share',
        left: [driftMonitor.metricDriftedFeatureShare()],
        leftAnnotations: [{ value: driftMonitor.driftedShareThreshold, label: 'alarm threshold' }],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jensen-Shannon distance per feature',
        left: props.featureNames.map((f) => driftMonitor.metricFeature(DriftMetricNames.FEATURE_JS, f, { label: f })),
        leftAnnotations: [{ value: driftMonitor.jensenShannonThreshold, label: 'threshold' }],
        width: 12,
      }),
    );
  }
}
