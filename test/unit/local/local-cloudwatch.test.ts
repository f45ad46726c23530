import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { alarmsOf, LocalCloudWatch, type AlarmDefinition } from '../../../lib/local/services/cloudwatch';
import { synthMlopsStack } from '../../helpers/app';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-26T00:00:00Z');

describe('local CloudWatch: PutMetricData over the wire', () => {
  test('GIVEN the real SDK client THEN every datum is stored under its namespace, name and dimensions', async () => {
    const cloudwatch = new LocalCloudWatch();
    const server = await cloudwatch.start();
    const client = new CloudWatchClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      await client.send(
        new PutMetricDataCommand({
          Namespace: 'ServerlessMlops',
          MetricData: [
            { MetricName: 'DriftedFeatureShare', Dimensions: [{ Name: 'EndpointName', Value: 'ep' }], Value: 0.25, Timestamp: new Date(T0) },
            {
              MetricName: 'FeaturePSI',
              Dimensions: [
                { Name: 'Feature', Value: 'age' },
                { Name: 'EndpointName', Value: 'ep' },
              ],
              Value: 0.03,
              Unit: 'None',
            },
          ],
        }),
      );
      expect(cloudwatch.datapoints('ServerlessMlops', 'DriftedFeatureShare', { EndpointName: 'ep' })).toEqual([{ time: T0, value: 0.25 }]);
      expect(cloudwatch.datapoints('ServerlessMlops', 'FeaturePSI', { EndpointName: 'ep', Feature: 'age' })).toHaveLength(1);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('local CloudWatch: alarms of the synthesized template', () => {
  const { template } = synthMlopsStack();
  const alarms = alarmsOf(template.toJSON() as never, { region: 'us-east-1' });
  const drift = alarms.find((a) => a.metricName === 'DriftedFeatureShare')!;

  test('GIVEN the template THEN the drift alarm is read with its rule and action', () => {
    expect(drift).toMatchObject({
      namespace: 'ServerlessMlops',
      statistic: 'Maximum',
      periodSeconds: 3600,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0.5,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    expect(drift.actions).toHaveLength(1);
    expect(alarms.length).toBe(7);
  });

  function run(alarm: AlarmDefinition, points: [number, number][], at: number) {
    const cloudwatch = new LocalCloudWatch([alarm]);
    cloudwatch.clock = () => new Date(at);
    cloudwatch.putMetricData({
      Namespace: alarm.namespace,
      MetricData: points.map(([hour, value]) => ({
        MetricName: alarm.metricName,
        Dimensions: Object.entries(alarm.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Value: value,
        Timestamp: (T0 + hour * HOUR) / 1000,
      })),
    });
    return { cloudwatch, transitions: cloudwatch.evaluate() };
  }

  test('GIVEN one drifted check of three THEN the drift alarm stays OK (M of N avoids flapping)', () => {
    const { transitions } = run(
      drift,
      [
        [0, 0.1],
        [1, 0.7],
        [2, 0.2],
      ],
      T0 + 2.5 * HOUR,
    );
    expect(transitions.map((t) => t.to)).toEqual(['OK']);
  });

  test('GIVEN two drifted checks of three THEN the alarm fires, with the reason', () => {
    const { transitions } = run(
      drift,
      [
        [0, 0.6],
        [1, 0.1],
        [2, 0.9],
      ],
      T0 + 2.5 * HOUR,
    );
    expect(transitions).toEqual([
      expect.objectContaining({
        from: 'INSUFFICIENT_DATA',
        to: 'ALARM',
        reason: '2 of the last 3 datapoints of DriftedFeatureShare (Maximum, 3600 s) breached GreaterThanOrEqualToThreshold 0.5; 2 needed',
      }),
    ]);
  });

  test('GIVEN no checks at all THEN missing data is not drift (notBreaching): OK, not ALARM', () => {
    expect(run(drift, [], T0).transitions.map((t) => t.to)).toEqual(['OK']);
  });

  test('GIVEN the same state again THEN there is no new transition (nothing re-notified)', () => {
    const { cloudwatch } = run(
      drift,
      [
        [0, 0.6],
        [1, 0.9],
      ],
      T0 + 1.5 * HOUR,
    );
    expect(cloudwatch.evaluate()).toEqual([]);
    expect(cloudwatch.state(drift.alarmName)).toBe('ALARM');
  });

  test('GIVEN a p99 latency alarm THEN the percentile of the period is compared', () => {
    const latency = alarms.find((a) => a.metricName === 'ModelLatency')!;
    expect(latency).toMatchObject({ statistic: 'p99', threshold: 1_000_000, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 });
    const minute = (m: number, values: number[]) => values.map((v) => [m / 60, v] as [number, number]);
    // 1 slow call in 100 leaves p99 fast; 2 in 100 make it slow.
    const oneSlow = [...Array(99).fill(1000), 2_000_000];
    const twoSlow = [...Array(98).fill(1000), 2_000_000, 2_000_000];
    expect(run(latency, [...minute(0, oneSlow), ...minute(1, twoSlow), ...minute(2, twoSlow)], T0 + 2.5 * 60_000).transitions.map((t) => t.to)).toEqual(['OK']);
    expect(run(latency, [...minute(0, twoSlow), ...minute(1, twoSlow), ...minute(2, twoSlow)], T0 + 2.5 * 60_000).transitions.map((t) => t.to)).toEqual([
      'ALARM',
    ]);
  });

  test('GIVEN treat-missing "missing" and no data THEN the alarm stays INSUFFICIENT_DATA', () => {
    expect(run({ ...drift, treatMissingData: 'missing' }, [], T0).transitions).toEqual([]);
  });

  test('GIVEN a NaN value THEN PutMetricData rejects it, as CloudWatch does', () => {
    expect(() => new LocalCloudWatch().putMetricData({ Namespace: 'n', MetricData: [{ MetricName: 'm', Value: Number.NaN }] })).toThrow(
      'metric m: Value must be a finite number',
    );
  });
});
