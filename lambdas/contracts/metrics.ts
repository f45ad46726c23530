/** Namespace of every metric the project publishes. */
export const METRICS_NAMESPACE = 'ServerlessMlops';

/** What the drift check publishes: summary metrics (EndpointName) and per-feature ones (EndpointName, Feature). */
export const DriftMetricNames = {
  DRIFTED_FEATURE_SHARE: 'DriftedFeatureShare',
  DATASET_DRIFT: 'DatasetDrift',
  RECORDS_ANALYSED: 'RecordsAnalysed',
  CORRUPTED_RECORDS: 'CorruptedRecords',
  INSUFFICIENT_DATA: 'InsufficientData',
  NO_DEPLOYED_MODEL: 'NoDeployedModel',
  BASELINE_MISSING_FEATURES: 'BaselineMissingFeatures',
  FEATURE_JS: 'FeatureJensenShannon',
  FEATURE_PSI: 'FeaturePSI',
  FEATURE_DRIFTED: 'FeatureDrifted',
} as const;

/** The namespace SageMaker publishes endpoint metrics in (dimensions EndpointName, VariantName). */
export const SAGEMAKER_ENDPOINT_NAMESPACE = 'AWS/SageMaker';

/** SageMaker's endpoint metrics the alarms and the dashboard read. ModelLatency is in microseconds. */
export const EndpointMetricNames = {
  INVOCATIONS: 'Invocations',
  INVOCATION_4XX_ERRORS: 'Invocation4XXErrors',
  INVOCATION_5XX_ERRORS: 'Invocation5XXErrors',
  MODEL_LATENCY: 'ModelLatency',
} as const;
