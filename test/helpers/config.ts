import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, parseConfig, type ConfigInput, type MlopsConfig } from '../../lib/config';

type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The shipped default config as raw JSON (before defaults are applied). */
export function defaultConfigJson(): ConfigInput {
  return JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as ConfigInput;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep-merges objects; arrays and scalars in `overrides` replace the base value, undefined deletes it. */
export function merge<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return (overrides === undefined ? base : overrides) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out as T;
}

/** The raw default config with overrides merged in (for tests of validation errors). */
export function makeConfigJson(overrides: DeepPartial<ConfigInput> | Record<string, unknown> = {}): unknown {
  return merge(defaultConfigJson(), overrides);
}

/** A validated config: the default with overrides merged in. */
export function makeConfig(overrides: DeepPartial<ConfigInput> | Record<string, unknown> = {}): MlopsConfig {
  return parseConfig(makeConfigJson(overrides), 'test config');
}
