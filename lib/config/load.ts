import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { resolveConfig, type MlopsConfig } from './resolve';
import { configSchema } from './schema';

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

/** Validates an already-parsed JSON value. `source` names it in errors. */
export function parseConfig(value: unknown, source = 'config'): MlopsConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  return resolveConfig(result.data);
}

/** Reads, parses and validates a JSON config file. */
export function loadConfig(file: string = DEFAULT_CONFIG_PATH): MlopsConfig {
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
  return parseConfig(json, file);
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
