export { configSchema, datasetSchema, featuresSchema, type ConfigInput, type ParsedConfig } from './schema';
export * from './resolve';
export type { Delivery } from './stages';
