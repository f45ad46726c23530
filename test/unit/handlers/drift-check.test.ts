import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { captureObjectKey, formatCaptureRecord } from '../../../lambdas/core/drift/capture';
import { encodeRawFeatures, type FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { processDataset } from '../../../lambdas/core/features/process';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';
import { makeConfig } from '../../helpers/config';
import { memorySink, textSource } from '../../helpers/sinks';

const SAMPLE = readFileSync(path.join(__dirname, '..', '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const ENDPOINT = 'churn-endpoint';
const PARAMETER = '/stack/churn-endpoint/deployed-model';
const cloudwatch = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
let localS3: LocalS3;
let s3: S3Client;
let spec: FeatureSpec;
let handler: typeof import('../../../lambdas/drift-check/handler').handler;
const END = new Date('2026-11-26T12:00:00Z');

/** The sample's raw feature values per row (spec order), without the label. */
function rawRows(): string[][] {
  const [header, ...lines] = SAMPLE.trimEnd()
    .split('\n')
    .map((l) => l.split(',').map((f) => f.replace(/^"|"$/g, '')));
  return lines.map((fields) => spec.features.map((f) => fields[header.indexOf(f.name)]));
}

/** Writes capture files of `rows` (each request a batch of 10) as the endpoint would, at `time`. */
async function capture(rows: string[][], time: Date, file: string, extraLines: string[] = []): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i += 10) {
    const batch = rows.slice(i, i + 10).map((r) => encodeRawFeatures(spec, r).join(','));
    lines.push(formatCaptureRecord(batch.join('\n'), batch.map(() => '0.1').join('\n'), `e${i}`, time));
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: 'capture',
      Key: captureObjectKey('capture/', ENDPOINT, 'AllTraffic', time, file),
      Body: [...lines, ...extraLines].join('\n'),
    }),
  );
}

function deployed(value: Record<string, unknown>): void {
  ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: JSON.stringify(value) } });
}

function published(): { MetricName: string; Dimensions: { Name: string; Value: string }[]; Value: number }[] {
  return cloudwatch.commandCalls(PutMetricDataCommand).flatMap((c) => {
    expect(c.args[0].input.Namespace).toBe('ServerlessMlops');
    return c.args[0].input.MetricData as never;
  });
}

const metric = (name: string, feature?: string) => (m: { MetricName: string; Dimensions: { Name: string; Value: string }[] }) =>
  m.MetricName === name &&
  m.Dimensions.some((d) => d.Name === 'EndpointName' && d.Value === ENDPOINT) &&
  (feature === undefined ? m.Dimensions.length === 1 : m.Dimensions.some((d) => d.Name === 'Feature' && d.Value === feature));

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: ['data', 'capture'] });
  const config = makeConfig();
  Object.assign(process.env, localS3.clientEnv, {
    ENDPOINT_NAME: ENDPOINT,
    DATA_BUCKET: 'data',
    CAPTURE_BUCKET: 'capture',
    CAPTURE_PREFIX: 'capture/',
    DEPLOYED_MODEL_PARAMETER: PARAMETER,
    WINDOW_MINUTES: '60',
    DRIFT_RULES: JSON.stringify({ minWindowRecords: 1000, jensenShannon: 0.1, psi: 0.2, driftedShare: 0.5 }),
  });
  s3 = new S3Client({});
  // The baseline and spec come from the real feature processing of the sample.
  const result = await processDataset(
    [textSource('raw/mlc_churn.csv', SAMPLE, 65_536)],
    { quarantine: memorySink(), train: memorySink(), validation: memorySink() },
    { dataset: config.dataset, features: config.features, maxBadRowShare: 0.05 },
  );
  spec = result.spec;
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'features/run1/baseline.json', Body: JSON.stringify(result.baseline) }));
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'features/run1/feature-spec.json', Body: JSON.stringify(spec) }));
  ({ handler } = await import('../../../lambdas/drift-check/handler'));
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  jest.restoreAllMocks();
  s3.destroy();
  await localS3.close();
});
beforeEach(() => {
  cloudwatch.reset();
  cloudwatch.on(PutMetricDataCommand).resolves({});
  ssm.reset();
  deployed({
    endpointName: ENDPOINT,
    deployed: true,
    modelPackageArn: 'arn:pkg/1',
    baselineUri: 's3://data/features/run1/baseline.json',
    featureSpecUri: 's3://data/features/run1/feature-spec.json',
    variantName: 'AllTraffic',
  });
});

describe('drift-check handler', () => {
  test('GIVEN normal traffic THEN no drift, exact metrics, and a JSON + HTML report', async () => {
    await capture(rawRows().slice(0, 3000), new Date('2026-11-26T11:20:00Z'), 'normal');
    const result = await handler({ windowEnd: END.toISOString(), windowMinutes: 60 });

    expect(result).toMatchObject({
      status: 'checked',
      summary: { rows: 3000, records: 300, corruptedRecords: 0, insufficientData: false, datasetDrift: false },
    });
    const metrics = published();
    expect(metrics.find(metric('RecordsAnalysed'))?.Value).toBe(3000);
    expect(metrics.find(metric('DatasetDrift'))?.Value).toBe(0);
    expect(metrics.find(metric('InsufficientData'))?.Value).toBe(0);
    expect(metrics.filter(metric('FeatureJensenShannon', 'total_day_minutes'))).toHaveLength(1);
    expect(metrics.filter((m) => m.MetricName === 'FeatureDrifted').every((m) => m.Value === 0)).toBe(true);
    expect(metrics.every((m) => Number.isFinite(m.Value))).toBe(true);
    const html = await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'drift/churn-endpoint/latest/report.html' }))).Body!.transformToString();
    expect(html).toContain('<h1>Drift report: churn-endpoint — no drift</h1>');
    expect(html).toContain('<svg');
    expect(result.reportUri).toBe('s3://data/drift/churn-endpoint/2026-11-26T12-00-00-000Z/report.json');
  });

  test('GIVEN 1,001 capture files in the window (past one listing page) THEN every file is read', async () => {
    const rows = rawRows();
    const time = new Date('2026-11-27T11:30:00Z');
    const files = Array.from({ length: 1001 }, (_, i) => i);
    for (let i = 0; i < files.length; i += 100) {
      await Promise.all(files.slice(i, i + 100).map((f) => capture(rows.slice((f * 3) % 2997, ((f * 3) % 2997) + 3), time, `many-${f}`)));
    }
    const result = await handler({ windowEnd: '2026-11-27T12:00:00Z', windowMinutes: 60 });
    expect(result).toMatchObject({ status: 'checked', summary: { rows: 3003, records: 1001, corruptedRecords: 0 } });
  }, 60_000);

  test('GIVEN shifted traffic THEN the shifted features drift and the data set drifts', async () => {
    const shifted = rawRows()
      .slice(0, 3000)
      .map((r) => r.map((v, i) => (spec.features[i].type === 'numeric' && v !== '' ? String(Number(v) * 1.6 + 5) : v)));
    await capture(shifted, new Date('2026-11-26T13:10:00Z'), 'shifted');
    const result = await handler({ windowEnd: '2026-11-26T14:00:00Z', windowMinutes: 60 });
    expect(result.summary).toMatchObject({ datasetDrift: true });
    const metrics = published();
    expect(metrics.find(metric('FeatureDrifted', 'total_day_minutes'))?.Value).toBe(1);
    expect(metrics.find(metric('FeatureDrifted', 'state'))?.Value).toBe(0);
    expect(metrics.find(metric('DriftedFeatureShare'))!.Value).toBeGreaterThan(0.5);
  });

  test('GIVEN corrupted capture lines THEN they are counted with file and line, never fatal', async () => {
    await capture(rawRows().slice(0, 1500), new Date('2026-11-26T15:30:00Z'), 'mixed', ['{"captureData":', 'not json at all']);
    const result = await handler({ windowEnd: '2026-11-26T16:00:00Z', windowMinutes: 60 });
    expect(result.summary).toMatchObject({ corruptedRecords: 2, rows: 1500 });
    const report = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'drift/churn-endpoint/latest/report.json' }))).Body!.transformToString(),
    );
    expect(report.corruptedExamples).toEqual([
      { file: 'capture/churn-endpoint/AllTraffic/2026/11/26/15/mixed.jsonl', line: 151, reason: 'not valid JSON' },
      { file: 'capture/churn-endpoint/AllTraffic/2026/11/26/15/mixed.jsonl', line: 152, reason: 'not valid JSON' },
    ]);
    expect(published().find(metric('CorruptedRecords'))?.Value).toBe(2);
  });

  test('GIVEN no capture in the window THEN it reports no data and insufficient data, not a crash', async () => {
    const result = await handler({ windowEnd: '2026-11-20T00:00:00Z', windowMinutes: 60 });
    expect(result).toMatchObject({ status: 'no-data', summary: { rows: 0, insufficientData: true } });
    const metrics = published();
    expect(metrics.find(metric('InsufficientData'))?.Value).toBe(1);
    expect(metrics.find(metric('DatasetDrift'))).toBeUndefined();
  });

  test('GIVEN no deployed model yet THEN it says so in a metric and returns', async () => {
    deployed({ endpointName: ENDPOINT, deployed: false });
    expect(await handler({})).toMatchObject({ status: 'no-model' });
    expect(published()).toEqual([{ MetricName: 'NoDeployedModel', Dimensions: [{ Name: 'EndpointName', Value: ENDPOINT }], Value: 1, Unit: 'Count' }]);
  });

  test('GIVEN a baseline that lacks a feature THEN the others are judged and the gap is a metric', async () => {
    const baseline = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'features/run1/baseline.json' }))).Body!.transformToString());
    baseline.features = baseline.features.filter((f: { name: string }) => f.name !== 'account_length');
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'features/run2/baseline.json', Body: JSON.stringify(baseline) }));
    deployed({
      endpointName: ENDPOINT,
      deployed: true,
      baselineUri: 's3://data/features/run2/baseline.json',
      featureSpecUri: 's3://data/features/run1/feature-spec.json',
    });
    const result = await handler({ windowEnd: END.toISOString(), windowMinutes: 60 });
    expect(result.summary).toMatchObject({ rows: 3000, judgedFeatures: 18 });
    expect(published().find(metric('BaselineMissingFeatures'))?.Value).toBe(1);
  });
});
