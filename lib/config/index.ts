export { configSchema, type ConfigInput } from './schema';
export { resolveConfig, metricDirection, type MlopsConfig } from './resolve';
export { loadConfig, parseConfig, ConfigError, DEFAULT_CONFIG_PATH } from './load';
