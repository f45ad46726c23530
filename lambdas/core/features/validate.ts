import type { MlopsConfig } from '../../../lib/config/resolve';
import type { CsvRecord } from '../csv/csv-parser';
import { isMissingBytes, parseBooleanBytes, parseNumberBytes } from './values';

type Dataset = MlopsConfig['dataset'];
export type ColumnType = Dataset['columns'][number]['type'];

/** A typed value: numbers for numeric and boolean columns, text for categorical, null when missing. */
export type Value = number | string | null;

/** Why one value of a row was rejected. */
export interface RowIssue {
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

/** A file whose header does not fit the config; the whole run stops. */
export class HeaderError extends Error {
  override readonly name = 'HeaderError';
}

/** Where each configured column sits in one file, with its rules. */
export interface ColumnPlan {
  readonly name: string;
  readonly type: ColumnType;
  readonly index: number;
  readonly required: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly allowed?: ReadonlySet<string>;
}

export interface FilePlan {
  /** In config column order. */
  readonly columns: readonly ColumnPlan[];
  readonly fieldCount: number;
  /** Header names the config does not know; reported once, ignored. */
  readonly unknownColumns: readonly string[];
}

/** Maps a file's header to the configured columns, in any order. */
export function planFile(header: readonly string[], dataset: Dataset, source: string): FilePlan {
  const names = header.map((h) => h.trim());
  const position = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '' && i === names.length - 1) return; // a trailing delimiter on the header line
    if (position.has(name)) throw new HeaderError(`${source}: line 1, column ${i + 1}: duplicate header "${name}" (also column ${position.get(name)! + 1})`);
    position.set(name, i);
  });
  const missing = dataset.columns.filter((c) => !position.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new HeaderError(`${source}: line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (header has: ${names.join(', ')})`);
  }
  const known = new Set(dataset.columns.map((c) => c.name));
  return {
    columns: dataset.columns.map((c) => ({
      name: c.name,
      type: c.type,
      index: position.get(c.name)!,
      required: c.required || c.name === dataset.targetColumn,
      min: c.min,
      max: c.max,
      allowed: c.allowedValues ? new Set(c.allowedValues) : undefined,
    })),
    fieldCount: header.length,
    unknownColumns: [...position.keys()].filter((n) => !known.has(n)),
  };
}

/**
 * Checks one record against the plan, writing typed values into `out` (config column order).
 * Returns the problems found, or undefined when the row is valid.
 */
export function validateRecord(plan: FilePlan, record: CsvRecord, out: Value[]): RowIssue[] | undefined {
  if (record.count !== plan.fieldCount) {
    return [{ column: '(row)', value: '', reason: `expected ${plan.fieldCount} fields, found ${record.count}` }];
  }
  let issues: RowIssue[] | undefined;
  const fail = (column: string, index: number, reason: string) => {
    issues ??= [];
    issues.push({ column, value: record.trimmedText(index), reason });
  };
  const bytes = record.bytes;
  const columns = plan.columns;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    const index = col.index;
    const start = record.trimmedStart(index);
    const end = record.trimmedEnd(index);
    if (isMissingBytes(bytes, start, end)) {
      out[i] = null;
      if (col.required) fail(col.name, index, 'missing');
      continue;
    }
    switch (col.type) {
      case 'numeric': {
        const n = parseNumberBytes(bytes, start, end, () => record.trimmedText(index));
        if (n === undefined) fail(col.name, index, 'not a number');
        else if (col.min !== undefined && n < col.min) fail(col.name, index, `below the minimum ${col.min}`);
        else if (col.max !== undefined && n > col.max) fail(col.name, index, `above the maximum ${col.max}`);
        out[i] = n ?? null;
        break;
      }
      case 'boolean': {
        const b = parseBooleanBytes(bytes, start, end, () => record.trimmedText(index));
        if (b === undefined) fail(col.name, index, 'not a boolean (yes/no, true/false, 1/0)');
        out[i] = b ?? null;
        break;
      }
      default: {
        const text = record.trimmedText(index);
        if (col.allowed && !col.allowed.has(text)) fail(col.name, index, 'not an allowed value');
        out[i] = text;
      }
    }
  }
  return issues;
}
