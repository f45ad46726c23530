import type { MlopsConfig } from '../../../lib/config/resolve';
import { CsvParser, type CsvRecord } from '../csv/csv-parser';
import type { LineSink } from '../io/line-sink';
import { BaselineCounter, type Baseline } from './baseline';
import { categoricalEncoding, categoryCode, encodeLabel, type FeatureEncoding, type FeatureSpec } from './feature-spec';
import { DEFAULT_SAMPLE_CAPACITY, QuantileSample } from './quantile-sample';
import { isValidationRecord } from './split';
import { planFile, TypedRow, validateRecord, type ColumnPlan, type FilePlan, type RowIssue } from './validate';
import { booleanField, isMissingBytes, numberField } from './values';

/**
 * Validation and feature engineering over any number of CSV files, in two streaming passes:
 *   1. parse + validate every row, quarantine the bad ones, and gather training statistics
 *      (category counts, a quantile sample per numeric column);
 *   2. parse again, encode the accepted rows with the fitted spec into the train/validation
 *      outputs, and count the baseline exactly into the fixed bins.
 * Memory is O(columns x (categories + sample)), independent of the data size. The inputs must
 * not change between the passes (callers pin S3 versions); the row counts are checked to agree.
 */

export interface DataSource {
  /** Names the file in errors and in the quarantine, e.g. "raw/2026/data.csv". */
  readonly name: string;
  /** Streams the bytes; called once per pass. */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface ProcessOptions {
  readonly dataset: MlopsConfig['dataset'];
  readonly features: MlopsConfig['features'];
  readonly maxBadRowShare: number;
  /** @default DEFAULT_SAMPLE_CAPACITY */
  readonly sampleCapacity?: number;
  /** @default the CSV parser's 1 MiB */
  readonly maxRecordLength?: number;
}

export interface ProcessOutputs {
  /** One JSON line per rejected row: file, line, every problem, and the original fields. */
  readonly quarantine: LineSink;
  readonly train: LineSink;
  readonly validation: LineSink;
}

export interface FileSummary {
  readonly name: string;
  readonly rowsRead: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly blankLines: number;
  /** Header columns the config does not describe; ignored. */
  readonly unknownColumns: readonly string[];
}

export interface ProcessSummary {
  readonly rowsRead: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedShare: number;
  /** "column: reason" → rows; a row with several problems counts under each. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly train: number;
  readonly validation: number;
  readonly files: readonly FileSummary[];
}

export interface ProcessResult {
  readonly spec: FeatureSpec;
  readonly baseline: Baseline;
  readonly summary: ProcessSummary;
}

/** The data cannot produce a training set; the message says which file and why. */
export class DataValidationError extends Error {
  override readonly name = 'DataValidationError';
}

/** Distinct categories counted per column; beyond this, new values count as "other" (bounded memory). */
const MAX_TRACKED_CATEGORIES = 100_000;

interface Layout {
  readonly featureIndexes: readonly number[];
  readonly targetIndex: number;
  readonly idIndexInConfig: number | undefined;
}

function layoutOf(dataset: MlopsConfig['dataset']): Layout {
  const columns = dataset.columns;
  return {
    targetIndex: columns.findIndex((c) => c.name === dataset.targetColumn),
    idIndexInConfig: dataset.idColumn === undefined ? undefined : columns.findIndex((c) => c.name === dataset.idColumn),
    featureIndexes: columns.flatMap((c, i) => (c.name === dataset.targetColumn || c.name === dataset.idColumn ? [] : [i])),
  };
}

/** Streams one file through the parser, handing each data record (with its plan) to `onRow`. */
async function scanFile(
  source: DataSource,
  options: ProcessOptions,
  onRow: (plan: FilePlan, record: CsvRecord) => void,
  drain: () => Promise<void>,
): Promise<{ plan: FilePlan; rowsRead: number; blankLines: number }> {
  let plan: FilePlan | undefined;
  let rowsRead = 0;
  let blankLines = 0;
  const parser = new CsvParser({
    source: source.name,
    maxRecordLength: options.maxRecordLength,
    onRecord: (record) => {
      if (!plan) {
        if (record.isBlank()) throw new DataValidationError(`${source.name}: line ${record.line}: the header line is empty`);
        plan = planFile(record.texts(), options.dataset, source.name);
        return;
      }
      if (record.isBlank()) {
        blankLines++;
        return;
      }
      rowsRead++;
      onRow(plan, record);
    },
  });
  for await (const chunk of source.chunks()) {
    parser.write(chunk);
    await drain();
  }
  parser.end();
  await drain();
  if (!plan) throw new DataValidationError(`${source.name}: the file is empty`);
  if (rowsRead === 0) throw new DataValidationError(`${source.name}: the file has a header but no data rows`);
  return { plan, rowsRead, blankLines };
}

export async function processDataset(sources: readonly DataSource[], outputs: ProcessOutputs, options: ProcessOptions): Promise<ProcessResult> {
  if (sources.length === 0) throw new DataValidationError('no input files');
  const { dataset, features } = options;
  const layout = layoutOf(dataset);
  const columns = dataset.columns;
  const binary = dataset.problemType === 'binary';
  const drainAll = async () => {
    await Promise.all([outputs.quarantine.drain(), outputs.train.drain(), outputs.validation.drain()]);
  };

  // Pass 1: validate, quarantine, split, gather statistics of the training rows.
  const featureIndexes = layout.featureIndexes;
  const samples = layout.featureIndexes.map((ci, i) => (columns[ci].type === 'numeric' ? new QuantileSample(options.sampleCapacity ?? DEFAULT_SAMPLE_CAPACITY, i + 1) : undefined));
  const categoryCounts = layout.featureIndexes.map(() => new Map<string, number>());
  const rejectedByReason: Record<string, number> = {};
  const files: FileSummary[] = [];
  const firstPassSplit = { train: 0, validation: 0 };
  const isCategorical = featureIndexes.map((ci) => columns[ci].type === 'categorical');
  const row = new TypedRow(columns.length);
  // Pass 1 decides each row's fate; pass 2 looks it up (1 bit per line) instead of recomputing.
  const rejectedLines = sources.map(() => new LineSet());
  const validationLines = sources.map(() => new LineSet());
  for (const [fileIndex, source] of sources.entries()) {
    let accepted = 0;
    let rejected = 0;
    const scan = await scanFile(
      source,
      options,
      (plan, record) => {
        const issues = validateRecord(plan, record, row);
        if (issues) {
          rejected++;
          rejectedLines[fileIndex].add(record.line);
          quarantine(outputs.quarantine, source.name, record.line, issues, record.texts(), rejectedByReason);
          return;
        }
        accepted++;
        if (isValidationRecord(record, idFieldOf(plan, layout), features.validationShare)) {
          validationLines[fileIndex].add(record.line);
          firstPassSplit.validation++;
          return;
        }
        firstPassSplit.train++;
        for (let i = 0; i < featureIndexes.length; i++) {
          const ci = featureIndexes[i];
          if (row.missing[ci] === 1) continue;
          const sample = samples[i];
          if (sample) sample.add(row.numbers[ci]);
          else if (isCategorical[i]) countCategory(categoryCounts[i], row.texts[ci]);
        }
      },
      drainAll,
    );
    files.push({ name: source.name, rowsRead: scan.rowsRead, accepted, rejected, blankLines: scan.blankLines, unknownColumns: scan.plan.unknownColumns });
  }

  const rowsRead = files.reduce((n, f) => n + f.rowsRead, 0);
  const rejected = files.reduce((n, f) => n + f.rejected, 0);
  const rejectedShare = rejected / rowsRead;
  if (rejectedShare > options.maxBadRowShare) {
    const top = Object.entries(rejectedByReason)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([reason, n]) => `${reason} (${n})`)
      .join('; ');
    throw new DataValidationError(
      `${rejected} of ${rowsRead} rows (${(rejectedShare * 100).toFixed(1)}%) were rejected, more than the allowed ${(options.maxBadRowShare * 100).toFixed(1)}% (retraining.maxBadRowShare). Most common: ${top}. Rejected rows are in the quarantine file.`,
    );
  }
  if (firstPassSplit.train === 0 || firstPassSplit.validation === 0) {
    throw new DataValidationError(`too few valid rows to split into training and validation sets (train ${firstPassSplit.train}, validation ${firstPassSplit.validation})`);
  }

  const encodings: FeatureEncoding[] = layout.featureIndexes.map((ci, i) => {
    const column = columns[ci];
    if (column.type === 'categorical') return categoricalEncoding(column.name, categoryCounts[i], features.topCategories);
    return { name: column.name, type: column.type };
  });
  const target = columns[layout.targetIndex];
  const spec: FeatureSpec = {
    version: 1,
    problemType: dataset.problemType,
    target: { name: target.name, type: target.type, ...(binary ? { positiveClass: dataset.positiveClass } : {}) },
    features: encodings,
  };
  const edges = samples.map((sample) => (sample ? sample.binEdges(features.numericBins) : []));

  // Pass 2: encode accepted rows into the outputs and count the baseline into the fixed bins.
  const counter = new BaselineCounter(encodings, edges);
  const split = { train: 0, validation: 0 };
  const fileEncodings = new Map<FilePlan, FileEncoding>();
  for (const [fileIndex, source] of sources.entries()) {
    const skip = rejectedLines[fileIndex];
    const validationSet = validationLines[fileIndex];
    await scanFile(
      source,
      options,
      (plan, record) => {
        if (skip.has(record.line)) return;
        const validation = validationSet.has(record.line);
        const sink = validation ? outputs.validation : outputs.train;
        const label = writeLabel(sink, spec, plan.columns[layout.targetIndex], record);
        if (validation) split.validation++;
        else {
          split.train++;
          counter.row(label);
        }
        let file = fileEncodings.get(plan);
        if (!file) fileEncodings.set(plan, (file = fileEncodingOf(plan, layout, encodings)));
        const { columns: featureColumns, runs } = file;
        for (let i = 0; i < encodings.length; i++) {
          sink.appendByte(COMMA);
          if (runs[i] > i && writePlainRun(sink, featureColumns, record, i, runs[i], validation ? undefined : counter)) {
            i = runs[i];
            continue;
          }
          writeFeature(sink, encodings[i], i, featureColumns[i], record, validation ? undefined : counter);
        }
        sink.endLine();
      },
      drainAll,
    );
  }
  if (split.train !== firstPassSplit.train || split.validation !== firstPassSplit.validation) {
    throw new DataValidationError('the input changed between the two passes (row counts differ); the snapshot must be immutable');
  }

  return {
    spec,
    baseline: counter.result(samples, binary),
    summary: { rowsRead, accepted: rowsRead - rejected, rejected, rejectedShare, rejectedByReason, train: split.train, validation: split.validation, files },
  };
}

const COMMA = 44;
const ZERO = 48;

function idFieldOf(plan: FilePlan, layout: Layout): number | undefined {
  return layout.idIndexInConfig === undefined ? undefined : plan.columns[layout.idIndexInConfig].index;
}

/**
 * Writes the label (first column) of a row that passed validation, and returns it as a number:
 * 1/0 for binary problems, the target as written for regression.
 */
function writeLabel(sink: LineSink, spec: FeatureSpec, column: ColumnPlan, record: CsvRecord): number {
  const index = column.index;
  const value = column.type === 'numeric' ? numberField(record, index) : column.type === 'boolean' ? booleanField(record, index) : record.trimmedText(index);
  if (spec.problemType === 'regression') {
    sink.appendBytes(record.bytes, record.trimmedStart(index), record.trimmedEnd(index));
    return value as number;
  }
  const label = encodeLabel(spec, value) === '1' ? 1 : 0;
  sink.appendByte(ZERO + label);
  return label;
}

/**
 * Writes one feature of a row that passed validation: numbers as written (no float formatting),
 * booleans as 1/0, categories as their code, missing as nothing. Training rows also count into
 * the baseline (`counter`).
 */
function writeFeature(sink: LineSink, encoding: FeatureEncoding, feature: number, index: number, record: CsvRecord, counter: BaselineCounter | undefined): void {
  const bytes = record.bytes;
  const start = record.trimmedStart(index);
  const end = record.trimmedEnd(index);
  if (isMissingBytes(bytes, start, end)) {
    counter?.missing(feature);
    return;
  }
  switch (encoding.type) {
    case 'numeric':
      sink.appendBytes(bytes, start, end);
      counter?.numeric(feature, numberField(record, index));
      return;
    case 'boolean': {
      const b = booleanField(record, index);
      sink.appendByte(ZERO + b);
      counter?.code(feature, b);
      return;
    }
    default: {
      const code = categoryCode(encoding, record.trimmedText(index));
      sink.appendAscii(String(code));
      counter?.code(feature, code);
    }
  }
}

/** How pass 2 finds one file's features: each feature's column in the file, and the numeric runs. */
interface FileEncoding {
  readonly columns: Int32Array;
  /**
   * Runs of numeric features that sit in consecutive columns: runs[i] is the last feature of the
   * run starting at feature i (i itself when none does).
   */
  readonly runs: Int32Array;
}

function fileEncodingOf(plan: FilePlan, layout: Layout, encodings: readonly FeatureEncoding[]): FileEncoding {
  const columns = Int32Array.from(layout.featureIndexes, (ci) => plan.columns[ci].index);
  const runs = Int32Array.from(encodings, (_, i) => i);
  for (let i = 0; i < encodings.length; i++) {
    let last = i;
    while (last + 1 < encodings.length && encodings[i].type === 'numeric' && encodings[last + 1].type === 'numeric' && columns[last + 1] === columns[last] + 1) last++;
    runs[i] = last;
    i = last;
  }
  return { columns, runs };
}

/**
 * Writes numeric features first..last with one copy of their input bytes, commas included, when
 * the row writes them plainly: unquoted, no surrounding blanks, no missing token (an empty field
 * copies as empty, which is its encoding). Returns false, writing nothing, when a field is not plain.
 */
function writePlainRun(sink: LineSink, columns: Int32Array, record: CsvRecord, first: number, last: number, counter: BaselineCounter | undefined): boolean {
  const { bytes, starts, ends, trimmedStarts, trimmedEnds } = record;
  for (let i = first; i <= last; i++) {
    const index = columns[i];
    const start = starts[index];
    const end = ends[index];
    if (trimmedStarts[index] !== start || trimmedEnds[index] !== end) return false;
    if (end > start && (bytes[start] | 32) === LOWER_N) return false; // NA, N/A, NaN, null...
    // Exactly one byte (the comma) up to the next field: neither this one nor the next is quoted.
    if (i < last && starts[index + 1] !== end + 1) return false;
  }
  sink.appendBytes(bytes, starts[columns[first]], ends[columns[last]]);
  if (counter) {
    for (let i = first; i <= last; i++) {
      const index = columns[i];
      if (ends[index] === starts[index]) counter.missing(i);
      else counter.numeric(i, numberField(record, index));
    }
  }
  return true;
}

const LOWER_N = 110;

/** A set of line numbers as a growable bitset: 1 bit per line, so 10 million lines take 1.25 MB. */
class LineSet {
  private bits = new Uint8Array(1024);

  add(line: number): void {
    const byte = line >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte] |= 1 << (line & 7);
  }

  has(line: number): boolean {
    const byte = line >>> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (line & 7))) !== 0;
  }
}

function countCategory(counts: Map<string, number>, category: string): void {
  const n = counts.get(category);
  if (n !== undefined) counts.set(category, n + 1);
  else if (counts.size < MAX_TRACKED_CATEGORIES) counts.set(category, 1);
}

function quarantine(sink: LineSink, file: string, line: number, issues: readonly RowIssue[], fields: readonly string[], byReason: Record<string, number>): void {
  for (const issue of issues) {
    const key = `${issue.column}: ${issue.reason}`;
    byReason[key] = (byReason[key] ?? 0) + 1;
  }
  sink.write(JSON.stringify({ file, line, issues, fields }));
}
