import type { MlopsConfig } from '../../contracts/config/resolve';
import { encodesPositiveClass } from '../../contracts/problem-types';
import { targetClasses } from '../../contracts/config/target-classes';
import { CsvParser, DEFAULT_MAX_RECORD_LENGTH, type CsvRecord, type FastRecordHandler } from '../csv/csv-parser';
import type { LineSink } from '../io/line-sink';
import { gunzipIfCompressed } from '../io/gunzip';
import { SpillDirectory, SPILL_READ_CHUNK, type SpillFile } from '../io/spill-file';
import { BaselineCounter, type Baseline } from './baseline';
import { oneClassMessage } from './class-check';
import { RowKernel, type CategoryResolver, type KernelEncoding } from './fast-row';
import { categoricalEncoding, categoryCode, positiveValue, type FeatureEncoding, type FeatureSpec } from './feature-spec';
import { CategoryCounter, CategoryIds, fillCodes, PLACEHOLDER_OVERHEAD, PlaceholderResolver, writePlaceholder } from './pending-categories';
import { isValidationHash, splitHash } from './split';
import { BOOLEAN, categoryTextOf, kindOf, NUMERIC, planFile, validateRecord, type ColumnType, type FilePlan, type RowIssue } from './validate';
import { ValueHistogram } from './value-histogram';
import { mergeStatistics, type FileSummary, type ShardStatistics } from './shard-statistics';

export type { FileSummary } from './shard-statistics';

/**
 * Validation and feature engineering over any number of CSV files. The input is read once:
 *   1. parse + validate every row, quarantine the bad ones, write the accepted rows encoded to
 *      scratch files on local disk (categories as placeholders: their codes are frequency ranks,
 *      not known yet), and gather training statistics (category counts, the numeric columns'
 *      value histograms). Plain rows take the fast path (RowKernel, in WebAssembly: one pass over
 *      the bytes, then the row's encoding); the others the parser's records, validateRecord and
 *      encodeAccepted. The kernel counts both paths' training rows (one implementation, row order);
 *   2. fit the spec and the baseline's bin edges, then copy the scratch rows to the
 *      train/validation outputs with the codes filled in (the numeric features' bins are cut and
 *      counted from exact histograms gathered in pass 1, so pass 2 reads no numbers).
 * Memory is O(columns x (categories + histogram buckets)) plus the kernel's fixed memory (~13 MB
 * reserved), independent of the data size; scratch disk is about the size of the encoded output
 * (0.82x the input for the sample data: summary.scratchBytes).
 */

export interface DataSource {
  /** Names the file in errors and in the quarantine, e.g. "raw/2026/data.csv". */
  readonly name: string;
  /** Streams the bytes, gzip-compressed or not (called once; again only to explain a failure). */
  chunks(): AsyncIterable<Uint8Array>;
  /**
   * A byte range of a file (see record-ranges.ts): chunks() yields the file's header line, then the
   * range, whose first record is on this line of the file.
   */
  readonly firstDataLine?: number;
}

export interface ProcessOptions {
  readonly dataset: MlopsConfig['dataset'];
  readonly features: MlopsConfig['features'];
  readonly maxBadRowShare: number;
  /** @default the CSV parser's 1 MiB */
  readonly maxRecordLength?: number;
  /** Where the scratch files go (removed at the end, also on failure). @default the OS temporary directory */
  readonly scratchDirectory?: string;
  /**
   * false: every row takes the general path (parser records, validateRecord), the reference the
   * fast path's outputs are tested against. @default true
   */
  readonly fastPath?: boolean;
}

export interface ProcessOutputs {
  /** One JSON line per rejected row: file, line, every problem, and the original fields. */
  readonly quarantine: LineSink;
  /** Told the number of training rows before they are written, if it wants to know (ShardedLineSink). */
  readonly train: LineSink & { expectRows?(rows: number): void };
  readonly validation: LineSink;
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
  /** Local disk the run used between its passes (the encoded rows), for sizing the function's storage. */
  readonly scratchBytes: number;
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

/**
 * Streams one file through the parser, handing each data record (with its plan) to `onRow`; once
 * the header is read, `fastPath` may supply a handler that takes valid rows whole (they count as
 * read and accepted, in `fastRows`). With a `window`, each chunk is parsed from there (the fast
 * path's input window, see RowKernel).
 */
async function scanFile(
  source: DataSource,
  options: ProcessOptions,
  onRow: (plan: FilePlan, record: CsvRecord) => void,
  fastPath: (plan: FilePlan) => FastRecordHandler | undefined,
  drain: () => Promise<void>,
  window: Uint8Array | undefined,
): Promise<{ plan: FilePlan; rowsRead: number; fastRows: number; blankLines: number }> {
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
        parser.fastRecord = fastPath(plan);
        if (source.firstDataLine !== undefined) parser.continueAtLine(source.firstDataLine);
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
  for await (const chunk of gunzipIfCompressed(source.chunks(), source.name)) {
    if (window === undefined) parser.write(chunk);
    else {
      // The fast path reads only its own memory: the chunk goes through its input window.
      for (let at = 0; at < chunk.length; at += window.length) {
        const piece = Math.min(window.length, chunk.length - at);
        window.set(at === 0 && piece === chunk.length ? chunk : chunk.subarray(at, at + piece));
        parser.write(window.subarray(0, piece));
      }
    }
    await drain();
  }
  parser.end();
  await drain();
  if (!plan) throw new DataValidationError(`${source.name}: the file is empty`);
  rowsRead += parser.fastRecords;
  // A byte range may hold blank lines only; its file is checked once its ranges are merged (fitFeatures).
  if (rowsRead === 0 && source.firstDataLine === undefined) throw new DataValidationError(noDataRows(source.name));
  return { plan, rowsRead, fastRows: parser.fastRecords, blankLines };
}

export async function processDataset(sources: readonly DataSource[], outputs: ProcessOutputs, options: ProcessOptions): Promise<ProcessResult> {
  if (sources.length === 0) throw new DataValidationError('no input files');
  const scratch = new SpillDirectory(options.scratchDirectory);
  try {
    const shard = await gatherShard(sources, outputs.quarantine, scratch, options);
    const fitted = await fitFeatures([shard.statistics], options, { sources });
    outputs.train.expectRows?.(shard.statistics.split.train);
    await shard.writeEncoded(fitted.spec, outputs);
    return fitted;
  } finally {
    scratch.remove();
  }
}

/** Pass 1 over a shard: its statistics, and its accepted rows encoded with category placeholders in scratch files. */
export interface GatheredShard {
  readonly statistics: ShardStatistics;
  /** The pending rows, complete on disk. */
  readonly pending: { readonly train: SpillFile; readonly validation: SpillFile };
  /** Pass 2 in the same process: the pending rows with the codes of `spec` filled in, to the outputs. */
  writeEncoded(spec: FeatureSpec, outputs: Pick<ProcessOutputs, 'train' | 'validation'>): Promise<void>;
}

/** The facts about the data set both passes use: where the target and features are, the classes. */
function datasetPlan(dataset: MlopsConfig['dataset']) {
  const layout = layoutOf(dataset);
  const columns = dataset.columns;
  const binary = encodesPositiveClass(dataset.problemType);
  const targetColumn = columns[layout.targetIndex];
  // Multiclass: label i is classes[i] (the target's allowedValues, as values are read).
  const classes = targetClasses(dataset);
  const target: FeatureSpec['target'] = {
    name: targetColumn.name,
    type: targetColumn.type,
    ...(binary ? { positiveClass: dataset.positiveClass } : {}),
    ...(classes ? { classes } : {}),
  };
  const categoryText = categoryTextOf(dataset);
  const configuredPositive = binary ? positiveValue(target) : undefined;
  // A categorical target's positive class is read as its values are (categoryCase).
  const positive = typeof configuredPositive === 'string' ? categoryText(configuredPositive) : configuredPositive;
  return { layout, columns, binary, targetColumn, classes, target, categoryText, positive };
}

/**
 * Pass 1 over some files (or a byte range of one, see DataSource.firstDataLine): validates every
 * row, writes the rejected ones to `quarantine`, the accepted ones encoded (categories as
 * placeholders) to scratch files, and gathers the shard's statistics.
 */
export async function gatherShard(
  sources: readonly DataSource[],
  quarantineSink: LineSink,
  scratch: SpillDirectory,
  options: ProcessOptions,
): Promise<GatheredShard> {
  const { dataset, features } = options;
  const { layout, columns, targetColumn, classes, categoryText, positive } = datasetPlan(dataset);
  const classIndex = new Map(classes?.map((c, i) => [c, i]));
  const classCounts = new Float64Array(classes?.length ?? 0);

  // Pass 1: validate, quarantine, split, write encoded rows to scratch, gather statistics of the training rows.
  const featureIndexes = layout.featureIndexes;
  const types = featureIndexes.map((ci) => columns[ci].type);
  const categoryIds = new CategoryIds();
  const categories = types.map((type) => (type === 'categorical' ? new CategoryCounter(categoryIds) : undefined));
  const histograms = types.map((type) => (type === 'numeric' ? new ValueHistogram() : undefined));
  // The per-row loops read typed arrays of small integers, not the config's strings.
  const kinds = Uint8Array.from(types, kindOf);
  /** The categorical features' config columns (the fast path counts their ids). */
  const categoricalFeatures = Int32Array.from(types.flatMap((type, i) => (type === 'categorical' ? [featureIndexes[i]] : [])));
  const rejectedByReason: Record<string, number> = {};
  const files: FileSummary[] = [];
  const split = { train: 0, validation: 0 };
  const pending = { train: scratch.file('train.csv'), validation: scratch.file('validation.csv') };
  /** What a row's encoding may take beyond its input bytes: the label (a class index's digits) and line end, a placeholder's overhead per category. */
  const rowSlack = 1 + String(Math.max(0, classCounts.length - 1)).length + PLACEHOLDER_OVERHEAD * types.filter((type) => type === 'categorical').length;
  const maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  // The kernel also keeps the training statistics and the scratch buffers for the general path's rows.
  const kernel = new RowKernel(kernelEncoding(), pending, histograms);
  const row = kernel.row;
  const pendingSinks = kernel.sinks;
  const fileEncodings = new Map<FilePlan, FileEncoding>();
  const fileEncodingFor = (plan: FilePlan): FileEncoding => {
    let file = fileEncodings.get(plan);
    if (!file) fileEncodings.set(plan, (file = fileEncodingOf(plan, layout, types)));
    return file;
  };
  const drainAll = async () => {
    await Promise.all([quarantineSink.drain(), pendingSinks.train.drain(), pendingSinks.validation.drain()]);
  };
  const targetField = (plan: FilePlan) => plan.columns[layout.targetIndex].index;

  /** The kernel's encoding of rows: the same as encodeAccepted's. */
  function kernelEncoding(): KernelEncoding {
    const t = layout.targetIndex;
    return {
      columns: columns.length,
      featureColumns: Int32Array.from(featureIndexes),
      featureKinds: kinds,
      label: classes
        ? { kind: 'entry', column: t }
        : positive === undefined
          ? { kind: 'copy', column: t }
          : targetColumn.type === 'categorical'
            ? { kind: 'entry', column: t }
            : { kind: 'equals', column: t, positive: typeof positive === 'number' ? positive : Number.NaN },
      validationShare: features.validationShare,
      rowSlack,
      maxRecordLength,
    };
  }

  /**
   * Writes a valid row of the general path (the kernel writes the fast path's) to its split's
   * scratch file by its split hash, and counts it in the training statistics.
   */
  const encodeAccepted = (plan: FilePlan, file: FileEncoding, record: CsvRecord, hash: number): void => {
    const validation = isValidationHash(hash, features.validationShare);
    const sink = validation ? pendingSinks.validation : pendingSinks.train;
    const { bytes, trimmedStarts, trimmedEnds } = record;
    // The row is written straight into the sink's buffer: its encoding is never longer than the
    // record plus a placeholder's overhead per category (see rowSlack).
    const out = sink.reserve(record.end - record.begin + rowSlack);
    let at = sink.end;
    const t = layout.targetIndex;
    let label: number;
    if (classes) {
      label = classIndex.get(row.texts[t] as string)!;
      at = writeDigits(out, at, label);
    } else if (positive === undefined) {
      const field = targetField(plan);
      for (let k = trimmedStarts[field]; k < trimmedEnds[field]; k++) out[at++] = bytes[k];
      label = row.numbers[t];
    } else {
      if (targetColumn.type === 'categorical') label = row.texts[t] === positive ? 1 : 0;
      else label = row.numbers[t] === positive ? 1 : 0;
      out[at++] = ZERO + label;
    }
    const { columns: featureColumns, runs } = file;
    for (let i = 0; i < types.length; i++) {
      out[at++] = COMMA;
      if (runs[i] > i && isPlainRun(featureColumns, record, i, runs[i])) {
        const to = record.ends[featureColumns[runs[i]]];
        for (let k = record.starts[featureColumns[i]]; k < to; k++) out[at++] = bytes[k];
        i = runs[i];
        continue;
      }
      const ci = featureIndexes[i];
      if (row.missing[ci] === 1) continue;
      const kind = kinds[i];
      if (kind === NUMERIC) {
        const field = featureColumns[i];
        for (let k = trimmedStarts[field]; k < trimmedEnds[field]; k++) out[at++] = bytes[k];
      } else if (kind === BOOLEAN) out[at++] = ZERO + row.numbers[ci];
      else {
        const text = row.texts[ci];
        const category = categories[i]!;
        at = writePlaceholder(out, at, validation ? category.idOf(text) : category.count(text), text, i);
      }
    }
    out[at++] = LF;
    sink.endRow(at);
    if (validation) split.validation++;
    else {
      split.train++;
      kernel.countTraining(label);
      if (classes) classCounts[label]++;
    }
  };

  /** The fast path for one file's rows (see RowKernel), unless options.fastPath is false. */
  const fastPath = (plan: FilePlan): FastRecordHandler | undefined => {
    if (options.fastPath === false) return undefined;
    const resolvers = plan.columns.map((column, ci): CategoryResolver | undefined => {
      if (column.type !== 'categorical') return undefined;
      const feature = featureIndexes.indexOf(ci);
      // Only values counted by training rows have ids, and only valid values are counted.
      if (feature >= 0) return (text) => categories[feature]!.idOf(categoryText(text));
      const allowed = (text: string) => column.allowed === undefined || column.allowed.has(text);
      if (ci !== layout.targetIndex) return (text) => (allowed(categoryText(text)) ? 0 : -1);
      return (raw) => {
        const text = categoryText(raw);
        if (classes) return classIndex.get(text) ?? -1;
        return positive === undefined || !allowed(text) ? -1 : text === positive ? 1 : 0;
      };
    });
    const file = fileEncodingFor(plan);
    const idField = idFieldOf(plan, layout);
    const reader = kernel.reader(plan, { featureFields: file.columns, runs: file.runs, labelField: targetField(plan), idField }, resolvers);
    if (reader === undefined) return undefined;
    const values = kernel.categoryValues;
    return (bytes, start, length) => {
      const next = reader.read(bytes, start, length);
      if (next < 0) return next;
      if (reader.validation) split.validation++;
      else {
        split.train++;
        for (let k = 0; k < categoricalFeatures.length; k++) categoryIds.counts[values[categoricalFeatures[k]]]++;
        if (classes) classCounts[values[layout.targetIndex]]++;
      }
      return next;
    };
  };

  for (const source of sources) {
    let accepted = 0;
    let rejected = 0;
    const scan = await scanFile(
      source,
      options,
      (plan, record) => {
        const issues = validateRecord(plan, record, row);
        if (issues) {
          rejected++;
          quarantine(quarantineSink, source.name, record.line, issues, record.texts(), rejectedByReason);
          return;
        }
        accepted++;
        encodeAccepted(plan, fileEncodingFor(plan), record, splitHash(record, idFieldOf(plan, layout)));
      },
      fastPath,
      drainAll,
      options.fastPath === false ? undefined : kernel.input,
    );
    accepted += scan.fastRows;
    files.push({ name: source.name, rowsRead: scan.rowsRead, accepted, rejected, blankLines: scan.blankLines, unknownColumns: scan.plan.unknownColumns });
  }

  const training = kernel.finishTraining();
  // The pending rows complete on disk (pass 2, or an upload, reads them back), their size known.
  await pendingSinks.train.flush();
  await pendingSinks.validation.flush();
  const statistics: ShardStatistics = {
    files,
    rejectedByReason,
    split,
    training: { rows: training.rows, labelSum: training.labelSum, missing: [...training.missing], trues: [...training.trues] },
    classCounts: [...classCounts],
    categories: categories.map((counter) => counter?.entries()),
    histograms,
    scratchBytes: pending.train.bytesWritten + pending.validation.bytesWritten,
  };
  return {
    statistics,
    pending,
    async writeEncoded(spec, outputs) {
      const buffer = new Uint8Array(SPILL_READ_CHUNK);
      const resolver = placeholderResolver(statistics, spec);
      await copyResolved(pending.train, pendingSinks.train, outputs.train, buffer, resolver);
      await copyResolved(pending.validation, pendingSinks.validation, outputs.validation, buffer, resolver);
    },
  };
}

/** Pass 2's resolver for a shard's pending rows: its placeholder ids' codes under the fitted spec. */
export function placeholderResolver(statistics: ShardStatistics, spec: FeatureSpec): PlaceholderResolver {
  const codes: Uint8Array[] = [];
  spec.features.forEach((encoding, i) => {
    if (encoding.type === 'categorical') fillCodes(statistics.categories[i]!, encoding, codes);
  });
  return new PlaceholderResolver(
    codes,
    spec.features.map((e) => (e.type === 'categorical' ? e : undefined)),
  );
}

/**
 * The spec and baseline from the shards' statistics (merged in shard order, i.e. row order), after
 * the checks that the data can train a model: the share of rejected rows, both splits non-empty,
 * two classes at least. `explain.sources` are read again to list the target's values when only
 * one class is present (all the snapshot's files, or a sample of them: `sampleNote` says which).
 */
export async function fitFeatures(
  shards: readonly ShardStatistics[],
  options: Pick<ProcessOptions, 'dataset' | 'features' | 'maxBadRowShare'>,
  explain: { readonly sources: readonly DataSource[]; readonly sampleNote?: string },
): Promise<ProcessResult> {
  const { dataset, features } = options;
  const { layout, columns, binary, targetColumn, classes, target, positive } = datasetPlan(dataset);
  const merged = mergeStatistics(shards);
  const { files, rejectedByReason, split, training, categories, histograms } = merged;
  const classCounts = Float64Array.from(merged.classCounts);
  const empty = files.find((f) => f.rowsRead === 0);
  if (empty) throw new DataValidationError(noDataRows(empty.name));
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
  if (split.train === 0 || split.validation === 0) {
    throw new DataValidationError(`too few valid rows to split into training and validation sets (train ${split.train}, validation ${split.validation})`);
  }
  const labelSum = training.labelSum.value();
  if (positive !== undefined && (labelSum === 0 || labelSum === training.rows)) {
    const message = await oneClassMessage(explain.sources, targetColumn.name, String(dataset.positiveClass), labelSum, training.rows);
    throw new DataValidationError(explain.sampleNote ? `${message} (${explain.sampleNote})` : message);
  }

  if (classes && classCounts.filter((n) => n > 0).length < 2) throw new DataValidationError(oneOfManyClassesMessage(targetColumn.name, classes, classCounts));

  const encodings: FeatureEncoding[] = layout.featureIndexes.map((ci, i) => {
    const column = columns[ci];
    if (column.type === 'categorical') {
      const counts = new Map(categories[i]!.map((e) => [e.value, e.count]));
      return categoricalEncoding(column.name, counts, features.topCategories, dataset.categoryCase === 'ignore');
    }
    return { name: column.name, type: column.type };
  });
  const spec: FeatureSpec = { version: 1, problemType: dataset.problemType, target, features: encodings };

  // The baseline from the exact counts: categories by code, the numeric features' histograms.
  const counter = new BaselineCounter(encodings, histograms, features.numericBins);
  counter.addRows(training.rows, labelSum);
  encodings.forEach((encoding, i) => {
    counter.missing(i, training.missing[i]);
    if (encoding.type === 'boolean') {
      counter.code(i, 1, training.trues[i]);
      counter.code(i, 0, training.rows - training.missing[i] - training.trues[i]);
    } else if (encoding.type === 'categorical') {
      for (const { value, count } of categories[i]!) counter.code(i, categoryCode(encoding, value), count);
    }
  });

  return {
    spec,
    baseline: counter.result(binary, classes ? { classes, counts: classCounts } : undefined),
    summary: {
      rowsRead,
      accepted: rowsRead - rejected,
      rejected,
      rejectedShare,
      rejectedByReason,
      train: split.train,
      validation: split.validation,
      scratchBytes: merged.scratchBytes,
      files,
    },
  };
}

/** Copies pass 1's rows from scratch to the output with the codes filled in by `resolver`. */
async function copyResolved(file: SpillFile, scratchSink: LineSink, output: LineSink, buffer: Uint8Array, resolver: PlaceholderResolver): Promise<void> {
  await scratchSink.flush();
  await file.readBack(buffer, async (bytes, atEnd) => {
    const { length, consumed } = resolver.resolve(bytes, atEnd);
    output.appendBytes(bytes, 0, length);
    await output.drain();
    return consumed;
  });
}

const COMMA = 44;
const ZERO = 48;
const LF = 10;

/** Writes a non-negative integer's decimal digits at `at` (a class index); returns the end. */
function writeDigits(out: Uint8Array, at: number, value: number): number {
  if (value >= 10) at = writeDigits(out, at, Math.floor(value / 10));
  out[at] = ZERO + (value % 10);
  return at + 1;
}

/** Why a multiclass run cannot train: its training rows hold fewer than two of the configured classes. */
function oneOfManyClassesMessage(targetColumn: string, classes: readonly string[], counts: Float64Array): string {
  const seen = classes.flatMap((c, i) => (counts[i] > 0 ? [`"${c}" (${counts[i]})`] : []));
  return (
    `the training rows of "${targetColumn}" hold ${seen.length === 0 ? 'no class' : `one class only, ${seen.join(', ')}`}, so no model can be trained; ` +
    `the configured classes (the target's allowedValues) are ${classes.map((c) => `"${c}"`).join(', ')}`
  );
}

function noDataRows(file: string): string {
  return `${file}: the file has a header but no data rows`;
}

function idFieldOf(plan: FilePlan, layout: Layout): number | undefined {
  return layout.idIndexInConfig === undefined ? undefined : plan.columns[layout.idIndexInConfig].index;
}

/** How one file's features are found: each feature's column in the file, and the numeric runs. */
interface FileEncoding {
  readonly columns: Int32Array;
  /**
   * Runs of numeric features that sit in consecutive columns: runs[i] is the last feature of the
   * run starting at feature i (i itself when none does).
   */
  readonly runs: Int32Array;
}

function fileEncodingOf(plan: FilePlan, layout: Layout, types: readonly ColumnType[]): FileEncoding {
  const columns = Int32Array.from(layout.featureIndexes, (ci) => plan.columns[ci].index);
  const runs = Int32Array.from(types, (_, i) => i);
  for (let i = 0; i < types.length; i++) {
    let last = i;
    while (last + 1 < types.length && types[i] === 'numeric' && types[last + 1] === 'numeric' && columns[last + 1] === columns[last] + 1) last++;
    runs[i] = last;
    i = last;
  }
  return { columns, runs };
}

/**
 * Whether numeric features first..last can be written with one copy of their input bytes, commas
 * included: each is unquoted, without surrounding blanks or a missing token (an empty field copies
 * as empty, which is its encoding).
 */
function isPlainRun(columns: Int32Array, record: CsvRecord, first: number, last: number): boolean {
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
  return true;
}

const LOWER_N = 110;

function quarantine(
  sink: LineSink,
  file: string,
  line: number,
  issues: readonly RowIssue[],
  fields: readonly string[],
  byReason: Record<string, number>,
): void {
  for (const issue of issues) {
    const key = `${issue.column}: ${issue.reason}`;
    byReason[key] = (byReason[key] ?? 0) + 1;
  }
  sink.write(JSON.stringify({ file, line, issues, fields }));
}
