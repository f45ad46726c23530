import type { ServiceAuth } from '../auth/request-auth';
import { ServiceError, startJsonRpcServer, type RequestAuthorizer, type RunningServer } from './json-rpc-server';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { ControlPlaneStore } from '../state/control-plane-store';

/**
 * The local stand-in for CloudWatch metrics and alarms: a loopback server that accepts the SDK's
 * PutMetricData (AWS JSON 1.0, `X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`) and
 * stores every datum, and an evaluator that judges the alarms of a synthesized template against
 * them (statistic per period, comparison, M of N datapoints, missing-data treatment) and reports
 * state transitions, as CloudWatch would publish them to the alarm actions.
 */

interface Datum {
  readonly time: number;
  readonly value: number;
}

export interface AlarmDefinition {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  readonly treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  readonly actions: readonly string[];
  readonly okActions: readonly string[];
  readonly alarmArn: string;
  readonly description?: string;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmTransition {
  readonly alarm: AlarmDefinition;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly reason: string;
  readonly time: Date;
}

const metricKey = (namespace: string, name: string, dimensions: Readonly<Record<string, string>>) =>
  `${namespace}|${name}|${Object.entries(dimensions)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

/** Reads the alarms of a synthesized template with their references resolved locally. */
export function alarmsOf(template: CfnTemplate, options: RenderOptions): AlarmDefinition[] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((logicalId) => {
    const p = resolveIntrinsics(template, template.Resources[logicalId].Properties, options) as Record<string, unknown>;
    if (!p.MetricName) throw new Error(`alarm ${logicalId}: only single-metric alarms are evaluated locally`);
    const dims = (p.Dimensions as { Name: string; Value: string }[] | undefined) ?? [];
    return {
      logicalId,
      alarmName: (p.AlarmName as string | undefined) ?? logicalId,
      namespace: p.Namespace as string,
      metricName: p.MetricName as string,
      dimensions: Object.fromEntries(dims.map((d) => [d.Name, String(d.Value)])),
      statistic: (p.ExtendedStatistic as string | undefined) ?? (p.Statistic as string),
      periodSeconds: Number(p.Period),
      evaluationPeriods: Number(p.EvaluationPeriods),
      datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
      threshold: Number(p.Threshold),
      comparison: p.ComparisonOperator as AlarmDefinition['comparison'],
      treatMissingData: ((p.TreatMissingData as string | undefined) ?? 'missing') as AlarmDefinition['treatMissingData'],
      actions: (p.AlarmActions as string[] | undefined) ?? [],
      okActions: (p.OKActions as string[] | undefined) ?? [],
      alarmArn: resolveIntrinsics(template, { 'Fn::GetAtt': [logicalId, 'Arn'] }, options) as string,
      description: p.AlarmDescription as string | undefined,
    };
  });
}

function statistic(name: string, values: readonly number[]): number {
  switch (name) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const percentile = /^p(\d+(\.\d+)?)$/.exec(name);
      if (!percentile) throw new Error(`statistic ${name} is not supported locally`);
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1)];
    }
  }
}

function breaches(alarm: AlarmDefinition, value: number): boolean {
  switch (alarm.comparison) {
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    default:
      return value <= alarm.threshold;
  }
}

export class LocalCloudWatch {
  private readonly data = new Map<string, Datum[]>();
  private readonly states = new Map<string, AlarmState>();
  /** The time stamped on data sent without one, and the evaluation time. */
  clock: () => Date = () => new Date();

  /** `store` keeps the data and the alarm states (in memory by default). */
  constructor(
    readonly alarms: readonly AlarmDefinition[] = [],
    private readonly store: ControlPlaneStore = ControlPlaneStore.inMemory(),
  ) {
    for (const alarm of alarms) this.states.set(alarm.alarmName, 'INSUFFICIENT_DATA');
    const known = new Set(alarms.map((a) => a.alarmName));
    for (const { alarmName, state } of store.alarmStates()) if (known.has(alarmName)) this.states.set(alarmName, state as AlarmState);
    for (const { metric, time, value } of store.metricData()) {
      const list = this.data.get(metric) ?? [];
      list.push({ time, value });
      this.data.set(metric, list);
    }
  }

  state(alarmName: string): AlarmState | undefined {
    return this.states.get(alarmName);
  }

  /** Stores data as PutMetricData does (values must be finite; at most 1000 per call). */
  putMetricData(input: {
    Namespace?: string;
    MetricData?: { MetricName?: string; Dimensions?: { Name: string; Value: string }[]; Value?: number; Timestamp?: number }[];
  }): void {
    if (!input.Namespace) throw new ServiceError('InvalidParameterValue', 'Namespace is required');
    const data = input.MetricData ?? [];
    if (data.length > 1000) throw new ServiceError('InvalidParameterValue', `${data.length} metrics in one request; the limit is 1000`);
    for (const datum of data) {
      if (!datum.MetricName || typeof datum.Value !== 'number' || !Number.isFinite(datum.Value)) {
        throw new ServiceError('InvalidParameterValue', `metric ${datum.MetricName}: Value must be a finite number`);
      }
      const key = metricKey(input.Namespace, datum.MetricName, Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name, d.Value])));
      const list = this.data.get(key) ?? [];
      const point = { time: datum.Timestamp !== undefined ? datum.Timestamp * 1000 : this.clock().getTime(), value: datum.Value };
      list.push(point);
      this.data.set(key, list);
      this.store.saveDatum(key, point.time, point.value);
    }
  }

  /** Data of one metric, oldest first. */
  datapoints(namespace: string, metricName: string, dimensions: Record<string, string>): readonly Datum[] {
    return this.data.get(metricKey(namespace, metricName, dimensions)) ?? [];
  }

  /** Judges every alarm at the current clock; returns the state changes (what would be notified). */
  evaluate(): AlarmTransition[] {
    const now = this.clock();
    const transitions: AlarmTransition[] = [];
    for (const alarm of this.alarms) {
      const period = alarm.periodSeconds * 1000;
      const points = this.data.get(metricKey(alarm.namespace, alarm.metricName, alarm.dimensions)) ?? [];
      const end = Math.floor(now.getTime() / period) * period + period;
      let breaching = 0;
      let present = 0;
      for (let p = 0; p < alarm.evaluationPeriods; p++) {
        const from = end - (p + 1) * period;
        const values = points.filter((d) => d.time >= from && d.time < from + period).map((d) => d.value);
        if (values.length === 0) {
          if (alarm.treatMissingData === 'breaching') breaching++;
          continue;
        }
        present++;
        if (breaches(alarm, statistic(alarm.statistic, values))) breaching++;
      }
      const previous = this.states.get(alarm.alarmName) ?? 'INSUFFICIENT_DATA';
      let next: AlarmState;
      if (breaching >= alarm.datapointsToAlarm) next = 'ALARM';
      else if (present === 0 && alarm.treatMissingData === 'missing') next = 'INSUFFICIENT_DATA';
      else if (present === 0 && alarm.treatMissingData === 'ignore') next = previous;
      else next = 'OK';
      if (next !== previous) {
        this.states.set(alarm.alarmName, next);
        this.store.saveAlarmState(alarm.alarmName, next, now.getTime());
        const reason = `${breaching} of the last ${alarm.evaluationPeriods} datapoints of ${alarm.metricName} (${alarm.statistic}, ${alarm.periodSeconds} s) breached ${alarm.comparison} ${alarm.threshold}; ${alarm.datapointsToAlarm} needed`;
        transitions.push({ alarm, from: previous, to: next, reason, time: now });
      }
    }
    return transitions;
  }

  /** Serves PutMetricData over the wire (AWS JSON 1.0) for unmodified SDK clients via AWS_ENDPOINT_URL_CLOUDWATCH. */
  start(port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
    return startJsonRpcServer(
      {
        title: 'local CloudWatch',
        targetPrefix: 'GraniteServiceVersion20100801',
        signingName: 'monitoring',
        protocol: '1.0',
        operations: { PutMetricData: (input) => (this.putMetricData(input), {}) },
      },
      port,
      authorize,
      auth,
    );
  }
}
