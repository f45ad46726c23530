/** The one production variant of every endpoint config; a blue/green update keeps its name. */
export const ENDPOINT_VARIANT = 'AllTraffic';

/** The model package metadata key that records a training metric, e.g. "metric:validation:auc". */
export function metricPropertyKey(metric: string): string {
  return `metric:${metric}`;
}

/** Template metadata naming the folder under lambdas/ a function's code comes from (read by the local twin). */
export const HANDLER_METADATA_KEY = 'serverless-mlops:handler';
