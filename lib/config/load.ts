import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { resolveConfig, type MlopsConfig } from '../../lambdas/contracts/config/resolve';
import { configSchema } from '../../lambdas/contracts/config/schema';

/** The config that describes the shipped sample data set. */
export const DEFAULT_CONFIG_PATH = path.join(__dirname, '..', '..', 'config', 'churn.json');

/** A config that cannot be used; the message names the file and every bad field. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function fieldPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = fieldPath(issue.path) || '(root)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Objects merge key by key; anything else (arrays included) is replaced by the override, and so is
 * an object whose "type" differs (a variant of a union, e.g. serverless → instances compute).
 */
function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override;
  if ('type' in override && override.type !== base.type) return override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key as string)) return false;
    current = (current as Json)[key as string];
  }
  return true;
}

/**
 * Validates an already-parsed JSON value. `source` names it in errors. With `stage`, the result
 * is that stage's final config: the base config with the stage's overrides merged in, validated
 * again as a whole; a problem an override causes is reported at the override's field.
 */
export function parseConfig(value: unknown, source = 'config', stage?: string): MlopsConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  if (stage === undefined) return resolveConfig(result.data);

  const stages = result.data.stages;
  const chosen = stages[stage];
  if (!chosen) {
    const known = Object.keys(stages);
    throw new ConfigError(source, [`stage: "${stage}" is not defined (${known.length > 0 ? `stages: ${known.join(', ')}` : 'the config has no "stages"'})`]);
  }
  // The overrides as written (before defaults), so that only what the stage sets is merged.
  const overrides = (((value as Json).stages as Json)[stage] as Json).overrides ?? {};
  const merged = deepMerge(value, overrides);
  const staged = configSchema.safeParse(merged);
  if (!staged.success) {
    throw new ConfigError(
      `${source} (stage "${stage}")`,
      staged.error.issues.map((issue) => {
        const inOverride = hasPath(overrides, issue.path);
        return describeIssue(inOverride ? { ...issue, path: ['stages', stage, 'overrides', ...issue.path] } : issue);
      }),
    );
  }
  return {
    ...resolveConfig(staged.data, stage),
    stage: { name: stage, account: chosen.account, region: chosen.region, requiresApproval: chosen.requiresApproval },
  };
}

/** Reads, parses and validates a JSON config file (the final config of `stage`, when given). */
export function loadConfig(file: string = DEFAULT_CONFIG_PATH, stage?: string): MlopsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${jsonErrorLocation(text, err as Error)}`]);
  }
  return parseConfig(json, file, stage);
}

/** Turns V8's "at position N" into a line and column a person can find. */
function jsonErrorLocation(text: string, err: Error): string {
  const match = /position (\d+)/.exec(err.message);
  if (!match) return err.message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}
