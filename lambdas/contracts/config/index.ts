export { configSchema, datasetSchema, featuresSchema, type ConfigInput, type ParsedConfig } from './schema';
export { resolveConfig, metricDirection, type MlopsConfig } from './resolve';
export type { Delivery } from './stages';
