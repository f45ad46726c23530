import type { MlopsConfig } from '../../../lib/config/resolve';
import type { CsvRecord } from '../csv/csv-parser';
import { booleanField, isMissingField, numberField } from './values';

type Dataset = MlopsConfig['dataset'];
export type ColumnType = Dataset['columns'][number]['type'];

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
 * One row's typed values in config column order, reused for every row (no allocation per value):
 * numbers for numeric and boolean (1/0) columns, texts for categorical ones, and a missing flag.
 */
export class TypedRow {
  readonly numbers: Float64Array;
  readonly texts: string[];
  readonly missing: Uint8Array;

  constructor(columns: number) {
    this.numbers = new Float64Array(columns);
    this.texts = new Array<string>(columns).fill('');
    this.missing = new Uint8Array(columns);
  }
}

/**
 * Checks one record against the plan, writing typed values into `row`.
 * Returns the problems found, or undefined when the row is valid.
 */
export function validateRecord(plan: FilePlan, record: CsvRecord, row: TypedRow): RowIssue[] | undefined {
  if (record.count !== plan.fieldCount) {
    return [{ column: '(row)', value: '', reason: `expected ${plan.fieldCount} fields, found ${record.count}` }];
  }
  let issues: RowIssue[] | undefined;
  const columns = plan.columns;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    const index = col.index;
    let problem: string | undefined;
    if (isMissingField(record, index)) {
      row.missing[i] = 1;
      if (col.required) problem = 'missing';
    } else {
      row.missing[i] = 0;
      switch (col.type) {
        case 'numeric': {
          const n = numberField(record, index);
          if (Number.isNaN(n)) problem = 'not a number';
          else if (col.min !== undefined && n < col.min) problem = `below the minimum ${col.min}`;
          else if (col.max !== undefined && n > col.max) problem = `above the maximum ${col.max}`;
          row.numbers[i] = n;
          break;
        }
        case 'boolean': {
          const b = booleanField(record, index);
          if (b === -1) problem = 'not a boolean (yes/no, true/false, 1/0)';
          row.numbers[i] = b;
          break;
        }
        default: {
          const text = record.trimmedText(index);
          if (col.allowed && !col.allowed.has(text)) problem = 'not an allowed value';
          row.texts[i] = text;
        }
      }
    }
    if (problem !== undefined) (issues ??= []).push({ column: col.name, value: record.trimmedText(index), reason: problem });
  }
  return issues;
}
