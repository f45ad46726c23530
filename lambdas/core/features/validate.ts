import type { MlopsConfig } from '../../contracts/config/resolve';
import type { CsvRecord } from '../csv/csv-parser';
import { Kernel } from './kernel-abi';
import { booleanField, foldAsciiCase, isMissingField, numberField, plainDecimalBytes } from './values';

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
  /** The columns' rules as flat arrays (config order), for the per-row loop. */
  readonly rules: ColumnRules;
  /** How categorical values are read: as written, or with A-Z folded (dataset.categoryCase "ignore"). */
  readonly categoryText: (text: string) => string;
}

/** Column rules in typed arrays: one monomorphic load per check instead of a property per column object. */
export interface ColumnRules {
  readonly index: Int32Array;
  readonly kind: Uint8Array;
  readonly required: Uint8Array;
  /** -Infinity / +Infinity when unset. */
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** A column type as a small integer, for typed arrays in per-row loops. */
export const NUMERIC = Kernel.NUMERIC;
export const BOOLEAN = Kernel.BOOLEAN;
export const CATEGORICAL = Kernel.CATEGORICAL;

export function kindOf(type: ColumnType): number {
  return type === 'numeric' ? NUMERIC : type === 'boolean' ? BOOLEAN : CATEGORICAL;
}

function rulesOf(columns: readonly ColumnPlan[]): ColumnRules {
  return {
    index: Int32Array.from(columns, (c) => c.index),
    kind: Uint8Array.from(columns, (c) => kindOf(c.type)),
    required: Uint8Array.from(columns, (c) => (c.required ? 1 : 0)),
    min: Float64Array.from(columns, (c) => c.min ?? -Infinity),
    max: Float64Array.from(columns, (c) => c.max ?? Infinity),
  };
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
    throw new HeaderError(
      `${source}: line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (header has: ${names.join(', ')})`,
    );
  }
  const known = new Set(dataset.columns.map((c) => c.name));
  const categoryText = categoryTextOf(dataset);
  const columns = dataset.columns.map((c): ColumnPlan => ({
    name: c.name,
    type: c.type,
    index: position.get(c.name)!,
    required: c.required || c.name === dataset.targetColumn,
    min: c.min,
    max: c.max,
    allowed: c.allowedValues ? new Set(c.allowedValues.map(categoryText)) : undefined,
  }));
  return { columns, fieldCount: header.length, unknownColumns: [...position.keys()].filter((n) => !known.has(n)), rules: rulesOf(columns), categoryText };
}

const asWritten = (text: string) => text;

/** How a data set's categorical values are read (see FilePlan.categoryText). */
export function categoryTextOf(dataset: Pick<Dataset, 'categoryCase'>): (text: string) => string {
  return dataset.categoryCase === 'ignore' ? foldAsciiCase : asWritten;
}

/**
 * One row's typed values in config column order, reused for every row (no allocation per value):
 * numbers for numeric and boolean (1/0) columns, texts for categorical ones, and a missing flag.
 */
export class TypedRow {
  readonly numbers: Float64Array;
  readonly texts: string[];
  readonly missing: Uint8Array;

  /** `numbers` and `missing` may be given (e.g. views of the fast path's memory). */
  constructor(columns: number, numbers = new Float64Array(columns), missing = new Uint8Array(columns)) {
    this.numbers = numbers;
    this.texts = new Array<string>(columns).fill('');
    this.missing = missing;
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
  const { index, kind, min, max } = plan.rules;
  const { bytes, trimmedStarts, trimmedEnds } = record;
  const { numbers, missing } = row;
  let bad = false;
  for (let i = 0; i < index.length; i++) {
    const field = index[i];
    if (kind[i] === NUMERIC) {
      // Fast path: a plain decimal within its range (missing tokens and anything else go the general way).
      const n = plainDecimalBytes(bytes, trimmedStarts[field], trimmedEnds[field]);
      if (n >= min[i] && n <= max[i]) {
        missing[i] = 0;
        numbers[i] = n;
        continue;
      }
    }
    if (problemOf(plan, i, record, row) !== undefined) bad = true;
  }
  return bad ? issuesOf(plan, record, row) : undefined;
}

/** Every problem of a row already found invalid (the slow path: only for rejected rows). */
function issuesOf(plan: FilePlan, record: CsvRecord, row: TypedRow): RowIssue[] {
  const issues: RowIssue[] = [];
  plan.columns.forEach((col, i) => {
    const reason = problemOf(plan, i, record, row);
    if (reason !== undefined) issues.push({ column: col.name, value: record.trimmedText(col.index), reason });
  });
  return issues;
}

/** Checks column i of a record, writing its typed value; returns what is wrong with it, if anything. */
function problemOf(plan: FilePlan, i: number, record: CsvRecord, row: TypedRow): string | undefined {
  const col = plan.columns[i];
  const index = col.index;
  if (isMissingField(record, index)) {
    row.missing[i] = 1;
    return col.required ? 'missing' : undefined;
  }
  row.missing[i] = 0;
  switch (col.type) {
    case 'numeric': {
      const n = numberField(record, index);
      row.numbers[i] = n;
      if (Number.isNaN(n)) return 'not a number';
      if (col.min !== undefined && n < col.min) return `below the minimum ${col.min}`;
      if (col.max !== undefined && n > col.max) return `above the maximum ${col.max}`;
      return undefined;
    }
    case 'boolean': {
      const b = booleanField(record, index);
      row.numbers[i] = b;
      return b === -1 ? 'not a boolean (yes/no, true/false, 1/0)' : undefined;
    }
    default: {
      const text = plan.categoryText(record.trimmedText(index));
      row.texts[i] = text;
      return col.allowed && !col.allowed.has(text) ? 'not an allowed value' : undefined;
    }
  }
}
