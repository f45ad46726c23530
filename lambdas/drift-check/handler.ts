import type { Readable } from 'node:stream';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { scanCapture } from '../core/drift/capture-stream';
import { DriftMetricNames, METRICS_NAMESPACE } from '../contracts/metrics';
import { batches, driftMetrics, type MetricDatum } from '../core/drift/drift-metrics';
import { DriftWindow, type DriftSummary } from '../core/drift/drift-window';
import { renderDriftReport } from '../core/drift/report-html';
import type { Baseline } from '../core/features/baseline';
import type { FeatureSpec } from '../core/features/feature-spec';
import { DRIFT_PREFIX } from '../contracts/layout';
import { readDeployedModel } from '../shared/deployed-model';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { putJson, readJsonAt } from '../shared/s3';

const s3 = new S3Client({});
const ssm = new SSMClient({});
const cloudwatch = new CloudWatchClient({});
const logger = createLogger('drift-check');

const rulesSchema = z.strictObject({
  minWindowRecords: z.number().int().min(1),
  jensenShannon: z.number().positive(),
  psi: z.number().positive(),
  driftedShare: z.number().positive().max(1),
});

/** On demand: `{ "windowEnd": "2026-01-01T12:00:00Z", "windowMinutes": 60 }`; a scheduled event uses now. */
const onDemandSchema = z.object({ windowEnd: z.iso.datetime().optional(), windowMinutes: z.number().int().min(1).max(10_080).optional() }).loose();

export interface DriftCheckResult {
  readonly status: 'checked' | 'no-model' | 'no-data';
  readonly endpointName: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly reportUri?: string;
  readonly htmlReportUri?: string;
  readonly summary?: Pick<
    DriftSummary,
    'rows' | 'records' | 'corruptedRecords' | 'insufficientData' | 'driftedShare' | 'datasetDrift' | 'driftedFeatures' | 'judgedFeatures'
  >;
}

async function publish(metrics: MetricDatum[]): Promise<void> {
  for (const batch of batches(metrics)) await cloudwatch.send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: batch }));
}

/** Capture objects under the hour prefixes that overlap [start, end); records are filtered by inference time. */
async function captureKeys(bucket: string, prefix: string, start: Date, end: Date): Promise<string[]> {
  const keys: string[] = [];
  const pad = (n: number) => String(n).padStart(2, '0');
  for (let hour = new Date(Math.floor(start.getTime() / 3_600_000) * 3_600_000); hour < end; hour = new Date(hour.getTime() + 3_600_000)) {
    const hourPrefix = `${prefix}${hour.getUTCFullYear()}/${pad(hour.getUTCMonth() + 1)}/${pad(hour.getUTCDate())}/${pad(hour.getUTCHours())}/`;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: hourPrefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return keys.sort();
}

/**
 * Compares the endpoint's captured traffic in the window with the deployed model's training
 * baseline, publishes the metrics the drift alarms watch, and writes report.json/html.
 */
export async function handler(event: unknown = {}): Promise<DriftCheckResult> {
  const endpointName = requireEnv('ENDPOINT_NAME');
  const dataBucket = requireEnv('DATA_BUCKET');
  const captureBucket = requireEnv('CAPTURE_BUCKET');
  const rules = rulesSchema.parse(JSON.parse(requireEnv('DRIFT_RULES')));
  const request = onDemandSchema.parse(event ?? {});
  const windowEnd = request.windowEnd ? new Date(request.windowEnd) : new Date();
  const windowMinutes = request.windowMinutes ?? Number(requireEnv('WINDOW_MINUTES'));
  const windowStart = new Date(windowEnd.getTime() - windowMinutes * 60_000);
  const window = { endpointName, windowStart: windowStart.toISOString(), windowEnd: windowEnd.toISOString() };

  const deployed = await readDeployedModel(ssm);
  if (!deployed.deployed && !deployed.baselineUri) {
    logger.warn('no model is deployed on the endpoint yet: nothing to compare', window);
    await publish([{ MetricName: DriftMetricNames.NO_DEPLOYED_MODEL, Dimensions: [{ Name: 'EndpointName', Value: endpointName }], Value: 1, Unit: 'Count' }]);
    return { status: 'no-model', ...window };
  }

  const [baseline, spec] = await Promise.all([readJsonAt<Baseline>(s3, deployed.baselineUri!), readJsonAt<FeatureSpec>(s3, deployed.featureSpecUri!)]);
  // Rows arrive in spec order; a feature the baseline lacks is reported and left out.
  const baselineIndex = new Map(baseline.features.map((f, i) => [f.name, i]));
  const missingFromBaseline = spec.features.filter((f) => !baselineIndex.has(f.name)).map((f) => f.name);
  if (missingFromBaseline.length > 0) logger.warn('the baseline lacks features; they are not judged', { features: missingFromBaseline });
  const kept = spec.features.map((f, i) => (baselineIndex.has(f.name) ? i : -1)).filter((i) => i >= 0);
  const judgedBaseline: Baseline = { ...baseline, features: kept.map((i) => baseline.features[baselineIndex.get(spec.features[i].name)!]) };

  const drift = new DriftWindow(judgedBaseline);
  const prefix = `${requireEnv('CAPTURE_PREFIX')}${endpointName}/${deployed.variantName ?? 'AllTraffic'}/`;
  const keys = await captureKeys(captureBucket, prefix, windowStart, windowEnd);
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: captureBucket, Key: key }));
    await scanCapture(object.Body as Readable, drift, {
      file: key,
      from: windowStart.getTime(),
      to: windowEnd.getTime(),
      transformRows:
        missingFromBaseline.length === 0 ? undefined : (rows) => rows.map((row) => (row.length === spec.features.length ? kept.map((i) => row[i]) : row)),
    });
  }
  const summary = drift.summarize(rules);
  if (keys.length === 0) logger.warn('no captured traffic in the window', { ...window, prefix });

  const stamp = windowEnd.toISOString().replace(/[:.]/g, '-');
  const reportKey = `${DRIFT_PREFIX}${endpointName}/${stamp}/report`;
  const context = { ...window, modelPackageArn: deployed.modelPackageArn ?? 'unknown' };
  const report = { ...context, rules, missingFromBaseline, captureObjects: keys.length, ...summary };
  const html = renderDriftReport(summary, { ...context, rules });
  // The latest report also lives at a stable key that the alarm descriptions point to.
  for (const base of [reportKey, `${DRIFT_PREFIX}${endpointName}/latest/report`]) {
    await putJson(s3, dataBucket, `${base}.json`, report);
    await s3.send(new PutObjectCommand({ Bucket: dataBucket, Key: `${base}.html`, Body: html, ContentType: 'text/html; charset=utf-8' }));
  }
  await publish(driftMetrics(endpointName, summary, { [DriftMetricNames.BASELINE_MISSING_FEATURES]: missingFromBaseline.length }));

  const result: DriftCheckResult = {
    status: keys.length === 0 ? 'no-data' : 'checked',
    ...window,
    reportUri: `s3://${dataBucket}/${reportKey}.json`,
    htmlReportUri: `s3://${dataBucket}/${reportKey}.html`,
    summary: {
      rows: summary.rows,
      records: summary.records,
      corruptedRecords: summary.corruptedRecords,
      insufficientData: summary.insufficientData,
      driftedShare: summary.driftedShare,
      datasetDrift: summary.datasetDrift,
      driftedFeatures: summary.driftedFeatures,
      judgedFeatures: summary.judgedFeatures,
    },
  };
  logger.info('drift check complete', { ...result, drifted: summary.features.filter((f) => f.status === 'drifted').map((f) => f.name) });
  return result;
}
