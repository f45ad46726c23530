export { configSchema, type ConfigInput } from '../../lambdas/contracts/config/schema';
export * from '../../lambdas/contracts/config/resolve';
export { loadConfig, parseConfig, ConfigError, DEFAULT_CONFIG_PATH } from './load';
