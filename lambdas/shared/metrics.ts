import { METRICS_NAMESPACE } from '../contracts/metrics';

/**
 * Writes metrics as one CloudWatch Embedded Metric Format log line: Lambda's log pipeline turns
 * it into metrics, with no API call on the hot path (and it stays a readable log line locally).
 */
export function emitMetrics(
  dimensions: Record<string, string>,
  metrics: Record<string, number>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  write(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          { Namespace: METRICS_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })) },
        ],
      },
      ...dimensions,
      ...metrics,
    }),
  );
}
