export { configSchema, type ConfigInput } from '../../lambdas/contracts/config/schema';
export { resolveConfig, metricDirection, type MlopsConfig } from '../../lambdas/contracts/config/resolve';
export { loadConfig, parseConfig, ConfigError, DEFAULT_CONFIG_PATH } from './load';
