import { DriftMetricNames } from '../../contracts/metrics';
import type { DriftSummary } from './drift-window';

/** The shape CloudWatch PutMetricData takes for one datum. */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Dimensions: { readonly Name: string; readonly Value: string }[];
  readonly Value: number;
  readonly Unit: 'None' | 'Count';
}

/** CloudWatch takes at most 1000 data a request (and 1 MB; 1000 of these are far below it). */
export const MAX_METRICS_PER_REQUEST = 1000;

/**
 * Summary metrics (dimension EndpointName) and per-feature metrics (EndpointName, Feature): JS
 * distance, PSI and the verdict. KS, robust L-infinity and missing-share change are in the report
 * only (each custom metric costs money every month). Per-feature metrics are published only for
 * judged features; non-finite values never are.
 */
export function driftMetrics(endpointName: string, summary: DriftSummary, extra: Record<string, number> = {}): MetricDatum[] {
  const endpoint = [{ Name: 'EndpointName', Value: endpointName }];
  const data: MetricDatum[] = [
    { MetricName: DriftMetricNames.RECORDS_ANALYSED, Dimensions: endpoint, Value: summary.rows, Unit: 'Count' },
    { MetricName: DriftMetricNames.CORRUPTED_RECORDS, Dimensions: endpoint, Value: summary.corruptedRecords, Unit: 'Count' },
    { MetricName: DriftMetricNames.INSUFFICIENT_DATA, Dimensions: endpoint, Value: summary.insufficientData ? 1 : 0, Unit: 'None' },
    ...Object.entries(extra).map(([MetricName, Value]) => ({ MetricName, Dimensions: endpoint, Value, Unit: 'Count' as const })),
  ];
  if (!summary.insufficientData) {
    data.push(
      { MetricName: DriftMetricNames.DRIFTED_FEATURE_SHARE, Dimensions: endpoint, Value: summary.driftedShare, Unit: 'None' },
      { MetricName: DriftMetricNames.DATASET_DRIFT, Dimensions: endpoint, Value: summary.datasetDrift ? 1 : 0, Unit: 'None' },
    );
    for (const f of summary.features) {
      if (f.status !== 'drifted' && f.status !== 'stable') continue;
      const dims = [...endpoint, { Name: 'Feature', Value: f.name }];
      data.push(
        { MetricName: DriftMetricNames.FEATURE_JS, Dimensions: dims, Value: f.jensenShannon, Unit: 'None' },
        { MetricName: DriftMetricNames.FEATURE_PSI, Dimensions: dims, Value: f.psi, Unit: 'None' },
        { MetricName: DriftMetricNames.FEATURE_DRIFTED, Dimensions: dims, Value: f.status === 'drifted' ? 1 : 0, Unit: 'None' },
      );
    }
  }
  return data.filter((d) => Number.isFinite(d.Value));
}

export function batches<T>(items: readonly T[], size = MAX_METRICS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
