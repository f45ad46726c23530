import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { CsvParser, type CsvRecord } from '../../lambdas/core/csv/csv-parser';
import { gunzipIfCompressed } from '../../lambdas/core/io/gunzip';
import { isMissing, parseBoolean, parseNumber } from '../../lambdas/core/features/values';
import type { ConfigInput } from '../../lambdas/contracts/config/schema';

/**
 * `mlops init`: a config inferred from a CSV file, streamed (memory bounded by the distinct values
 * kept per column, at most DISTINCT_LIMIT, not by the file), with the reason for every decision.
 * Types use the same readers as validation (values.ts), so what is inferred numeric is what
 * feature processing accepts as numeric.
 */

/** Distinct values remembered per column; past it a column is too varied to be a category. */
export const DISTINCT_LIMIT = 1000;
/** A categorical column with more distinct values than this is free text or an identifier. */
const CATEGORY_LIMIT = 200;
/** A numeric target with at most this many distinct integers and the config's one class... is a class label. */
const CLASS_LIMIT = 20;
/** More classes than this in a text target read as labels of rows, not classes a model can learn (each class is a tree per round). */
const MULTICLASS_LIMIT = 100;
/** Longer average values with spaces read as text written by people, not categories. */
const FREE_TEXT_LENGTH = 30;
const ID_NAME = /(^|[_\-\s.])(id|uuid|guid|key)$|^id$/i;

export type InferredKind = 'numeric' | 'boolean' | 'categorical' | 'identifier' | 'constant' | 'free text';

export interface InferredColumn {
  readonly name: string;
  readonly kind: InferredKind;
  /** Why: the evidence in a few words. */
  readonly reason: string;
  readonly rows: number;
  readonly missing: number;
  /** Missing tokens seen, with counts (README "Data contracts": empty, NA, N/A, NaN, nan, null, NULL). */
  readonly missingTokens: Readonly<Record<string, number>>;
  /** Distinct non-missing values, or undefined past DISTINCT_LIMIT. */
  readonly distinct: number | undefined;
  /** Numeric columns: the range seen (a suggestion, written as limits only with `limits`). */
  readonly min?: number;
  readonly max?: number;
  /** Values of a numeric column that are not numbers: rows holding them would be quarantined. */
  readonly nonNumeric?: number;
  /** Whether the column is in the config (excluded ones are not: feature processing ignores unknown columns). */
  readonly included: boolean;
}

export interface InferenceResult {
  readonly config: ConfigInput;
  readonly columns: readonly InferredColumn[];
  readonly rows: number;
  readonly problemType: 'binary' | 'multiclass' | 'regression';
  /** Binary and multiclass: every class with its count, in descending count. */
  readonly classes?: readonly { value: string; count: number }[];
  readonly notes: readonly string[];
}

export interface InferOptions {
  readonly file: string;
  readonly target: string;
  /** Binary: the class encoded 1 (default: the minority class). With more classes: one class against the rest. */
  readonly positive?: string;
  readonly id?: string;
  /** dataset.name (default: from the file name). */
  readonly name?: string;
  /** Write each numeric column's range seen as min/max (rows outside are then quarantined). */
  readonly limits?: boolean;
}

/** The file cannot give a config; the message says why and what to do. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
}

class ColumnStats {
  rows = 0;
  missing = 0;
  readonly missingTokens: Record<string, number> = {};
  numbers = 0;
  integers = 0;
  booleans = 0;
  min = Infinity;
  max = -Infinity;
  textLength = 0;
  withSpaces = 0;
  /** Value → count while there are at most DISTINCT_LIMIT; undefined after. */
  counts: Map<string, number> | undefined = new Map();
  /** Non-numeric values of a mostly numeric column (the first few). */
  readonly oddValues = new Map<string, number>();

  constructor(readonly name: string) {}

  add(text: string): void {
    this.rows++;
    if (isMissing(text)) {
      this.missing++;
      const token = text === '' ? '(empty)' : text;
      this.missingTokens[token] = (this.missingTokens[token] ?? 0) + 1;
      return;
    }
    const n = parseNumber(text);
    if (n !== undefined) {
      this.numbers++;
      if (Number.isInteger(n)) this.integers++;
      if (n < this.min) this.min = n;
      if (n > this.max) this.max = n;
    } else if (this.oddValues.size < 5 || this.oddValues.has(text)) this.oddValues.set(text, (this.oddValues.get(text) ?? 0) + 1);
    if (parseBoolean(text) !== undefined) this.booleans++;
    this.textLength += text.length;
    if (text.includes(' ')) this.withSpaces++;
    if (this.counts) {
      this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
      if (this.counts.size > DISTINCT_LIMIT) this.counts = undefined;
    }
  }

  get present(): number {
    return this.rows - this.missing;
  }
}

/** Streams the file's records to `onRecord` (gzip read transparently, as feature processing does). */
async function scanCsv(file: string, onRecord: (record: CsvRecord) => void): Promise<void> {
  const parser = new CsvParser({ source: file, onRecord });
  for await (const chunk of gunzipIfCompressed(createReadStream(file), file)) parser.write(chunk);
  parser.end();
}

export async function inferConfig(options: InferOptions): Promise<InferenceResult> {
  let header: string[] | undefined;
  let stats: ColumnStats[] = [];
  let rows = 0;
  let shortRows = 0;
  await scanCsv(options.file, (record) => {
    if (!header) {
      if (record.isBlank()) throw new InferenceError(`${options.file}: line ${record.line}: the header line is empty`);
      header = record.texts().map((h) => h.trim());
      stats = header.map((name) => new ColumnStats(name));
      return;
    }
    if (record.isBlank()) return;
    rows++;
    if (record.count !== header.length) shortRows++;
    for (let i = 0; i < stats.length && i < record.count; i++) stats[i].add(record.trimmedText(i));
  });
  if (!header) throw new InferenceError(`${options.file}: the file is empty`);
  if (rows === 0) throw new InferenceError(`${options.file}: the file has a header but no data rows`);
  const byName = new Map(stats.map((s) => [s.name, s]));
  const targetStats = byName.get(options.target);
  if (!targetStats) throw new InferenceError(`${options.file}: no column "${options.target}" (--target); the header has: ${header.join(', ')}`);
  if (options.id !== undefined && !byName.has(options.id))
    throw new InferenceError(`${options.file}: no column "${options.id}" (--id); the header has: ${header.join(', ')}`);
  if (options.id === options.target) throw new InferenceError('--id and --target name the same column');

  const notes: string[] = [];
  if (shortRows > 0) notes.push(`${shortRows} rows have another number of fields than the header: they would be quarantined`);
  const target = inferTarget(targetStats, options, notes);
  const features = stats.filter((s) => s !== targetStats).map((s) => inferFeature(s, s.name === options.id));
  const identifiers = features.filter((c) => c.kind === 'identifier');
  const idColumn = options.id ?? (identifiers.length === 1 ? identifiers[0].name : undefined);
  if (options.id === undefined && idColumn !== undefined)
    notes.push(`"${idColumn}" looks like a row identifier: it is the idColumn (it decides the train/validation split); pass --id to choose another`);
  const columns = features.map((c) => (c.name === idColumn ? { ...c, reason: `${c.reason}; the idColumn (drives the split)`, included: true } : c));
  if (columns.filter((c) => c.included && c.kind !== 'identifier').length === 0)
    throw new InferenceError(`${options.file}: no column besides the target can be a feature (${columns.map((c) => `${c.name}: ${c.kind}`).join(', ')})`);

  const configColumns = [...columns, target.column]
    .filter((c) => c.included)
    .map((c) => {
      if (c === target.column) return { name: c.name, type: target.type, required: true, ...(target.allowed ? { allowedValues: target.allowed } : {}) };
      if (c.name === idColumn) return { name: c.name, type: 'categorical' as const, required: true };
      return {
        name: c.name,
        type: c.kind as 'numeric' | 'boolean' | 'categorical',
        ...(options.limits && c.kind === 'numeric' ? { min: c.min, max: c.max } : {}),
      };
    });
  const config: ConfigInput = {
    dataset: {
      name: options.name ?? datasetNameOf(options.file),
      targetColumn: options.target,
      problemType: target.problemType,
      ...(target.positive !== undefined ? { positiveClass: target.positive } : {}),
      ...(idColumn !== undefined ? { idColumn } : {}),
      columns: configColumns,
    },
  };
  return { config, columns: [...columns, target.column], rows, problemType: target.problemType, classes: target.classes, notes };
}

interface InferredTarget {
  readonly column: InferredColumn;
  readonly problemType: 'binary' | 'multiclass' | 'regression';
  readonly type: 'numeric' | 'categorical';
  readonly positive?: string;
  readonly allowed?: string[];
  readonly classes?: { value: string; count: number }[];
}

function inferTarget(s: ColumnStats, options: InferOptions, notes: string[]): InferredTarget {
  const base = { name: s.name, rows: s.rows, missing: s.missing, missingTokens: s.missingTokens, distinct: s.counts?.size, included: true };
  if (s.present === 0) throw new InferenceError(`${options.file}: the target "${s.name}" has no values (${s.missing} rows, all missing)`);
  if (s.missing > 0) notes.push(`${s.missing} rows have no target value: they would be quarantined`);
  const classes = s.counts && [...s.counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? 1 : -1));
  const numeric = s.numbers === s.present;
  const classLike = classes !== undefined && (!numeric || (s.integers === s.present && classes.length <= CLASS_LIMIT));
  if (!classLike || (numeric && options.positive === undefined && classes.length > 2)) {
    if (!numeric)
      throw new InferenceError(
        `${options.file}: the target "${s.name}" has more than ${DISTINCT_LIMIT} distinct values and not all are numbers: it is neither a class nor a number to predict`,
      );
    if (options.positive !== undefined)
      throw new InferenceError(
        `--positive "${options.positive}": the target "${s.name}" is a number with ${classes?.length ?? `over ${DISTINCT_LIMIT}`} distinct values (regression), not a class`,
      );
    return {
      column: { ...base, kind: 'numeric', reason: `target: numbers, ${describeDistinct(s)} (regression)`, min: s.min, max: s.max },
      problemType: 'regression',
      type: 'numeric',
    };
  }
  const seen = classes.map((c) => `"${c.value}" (${c.count})`).join(', ');
  if (classes.length === 1)
    throw new InferenceError(
      `${options.file}: the target "${s.name}" has one class only, "${classes[0].value}" (${classes[0].count} rows): a model needs at least two`,
    );
  let positive: string;
  if (options.positive !== undefined) {
    if (!s.counts!.has(options.positive)) {
      const near = classes.find((c) => c.value.toLowerCase() === options.positive!.toLowerCase());
      throw new InferenceError(
        `--positive "${options.positive}" is not a value of "${s.name}"${near ? ` (values are case-sensitive: did you mean "${near.value}"?)` : ''}; values seen: ${seen}`,
      );
    }
    positive = options.positive;
  } else if (classes.length > 2) {
    if (classes.length > MULTICLASS_LIMIT)
      throw new InferenceError(
        `the target "${s.name}" has ${classes.length} distinct values, more than the ${MULTICLASS_LIMIT} classes a multiclass model is inferred for; pass --positive VALUE to predict one class against the rest`,
      );
    // Multiclass: the classes in value order (label i is the i-th), listed as allowedValues.
    const allowed = classes.map((c) => c.value).sort();
    return {
      column: { ...base, kind: 'categorical', reason: `target: ${classes.length} classes ${seen} (multiclass; --positive V predicts one against the rest)` },
      problemType: 'multiclass',
      type: 'categorical',
      allowed,
      classes,
    };
  } else positive = classes[classes.length - 1].value;
  const reason =
    classes.length === 2
      ? `target: two classes ${seen}; positive "${positive}" (${options.positive !== undefined ? '--positive' : 'the minority'})`
      : `target: ${classes.length} classes, "${positive}" against the rest (--positive)`;
  return {
    column: { ...base, kind: 'categorical', reason },
    problemType: 'binary',
    type: 'categorical',
    positive,
    // Two classes: a third value later is a data error, quarantined. One against the rest: any value is a class.
    allowed: classes.length === 2 ? classes.map((c) => c.value) : undefined,
    classes,
  };
}

function describeDistinct(s: ColumnStats): string {
  return s.counts ? `${s.counts.size} distinct` : `over ${DISTINCT_LIMIT} distinct`;
}

function inferFeature(s: ColumnStats, namedId: boolean): InferredColumn {
  const base = { name: s.name, rows: s.rows, missing: s.missing, missingTokens: s.missingTokens, distinct: s.counts?.size };
  const kind = (k: InferredKind, reason: string, extra: Partial<InferredColumn> = {}): InferredColumn => ({
    ...base,
    kind: k,
    reason,
    included: k === 'numeric' || k === 'boolean' || k === 'categorical',
    ...extra,
  });
  const present = s.present;
  const unique = s.counts !== undefined && s.counts.size === present;
  if (namedId) return kind('identifier', '--id');
  if (present === 0) return kind('constant', 'every value is missing: excluded');
  if (s.counts?.size === 1) return kind('constant', `one value, "${[...s.counts.keys()][0]}", in every row: excluded (it cannot inform a split)`);
  if (s.booleans === present && (s.counts === undefined || s.counts.size <= 2 || s.numbers < present))
    return kind('boolean', 'every value is a boolean token (yes/no, true/false, y/n, t/f, 1/0)');
  const idLike = ID_NAME.test(s.name) && (s.counts === undefined || unique) && s.integers === s.numbers;
  if (s.numbers === present) {
    if (idLike && present > CATEGORY_LIMIT) return kind('identifier', `a unique value per row and an identifier's name: excluded from the features`);
    return kind('numeric', `every value is a number, ${describeDistinct(s)}`, { min: s.min, max: s.max });
  }
  if (s.numbers >= 0.95 * present) {
    const odd = [...s.oddValues].map(([v, n]) => `"${v}" (${n})`).join(', ');
    return kind('numeric', `${present - s.numbers} of ${present} values are not numbers (${odd}): rows with them would be quarantined`, {
      min: s.min,
      max: s.max,
      nonNumeric: present - s.numbers,
    });
  }
  const averageLength = s.textLength / present;
  const texty = averageLength >= FREE_TEXT_LENGTH && s.withSpaces >= 0.5 * present;
  if (texty && (s.counts === undefined || s.counts.size > CATEGORY_LIMIT || s.counts.size > 0.5 * present))
    return kind('free text', `long values with spaces (${averageLength.toFixed(0)} characters on average), ${describeDistinct(s)}: excluded`);
  if (s.counts === undefined || s.counts.size > CATEGORY_LIMIT || (unique && present > CATEGORY_LIMIT / 4)) {
    return kind(
      'identifier',
      unique
        ? `a different value in every row: excluded (an identifier, not a category)`
        : `${s.counts ? s.counts.size : `over ${DISTINCT_LIMIT}`} distinct values (categories stop at ${CATEGORY_LIMIT}): excluded as an identifier`,
    );
  }
  return kind('categorical', `text, ${s.counts.size} distinct`);
}

/** dataset.name from a file name: lower-case letters, digits and hyphens, starting with a letter, 24 at most. */
export function datasetNameOf(file: string): string {
  const stem = path
    .basename(file)
    .replace(/\.gz$/i, '')
    .replace(/\.[^.]*$/, '');
  const cleaned = stem
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return cleaned === '' ? 'dataset' : cleaned;
}
