import { WASM_BASE64, type WasmExports as KernelExports } from '../generated/fast-row.wasm';
import { Kernel } from './kernel-abi';
import type { ScratchSink, SpillFile } from '../io/spill-file';
import { ExactSum } from './exact-sum';
import { NUMERIC, TypedRow, type FilePlan } from './validate';
import type { ValueHistogram } from './value-histogram';

/**
 * The common row in one pass over its bytes: a line of exactly the file's fields, each unquoted
 * or quoted without doubled quotes or line breaks, every value plain (a decimal in range,
 * 1/0/yes/no/true/false, a category already seen), nothing to trim, nothing missing except an
 * empty optional number. Such a row is valid, and the kernel (wasm/fast-row.ts, compiled to
 * WebAssembly) reads it straight from the input bytes (field bounds, typed values, categories
 * through a byte table instead of strings), picks its split and writes its encoding to that
 * split's scratch sink. Anything else (a row to reject, a missing token, white space, a line cut
 * by the chunk's end) makes read() return -1 and the row takes the general path (parser +
 * validateRecord + encodeAccepted), which decides. Both paths give the same outputs: a test runs
 * the same data through each.
 *
 * The kernel works in its own memory: input chunks are copied into its input window
 * (RowKernel.input) and parsed there; the typed row, the category values and the scratch sinks'
 * buffers are views of that memory too, so the general path's rows land in the same buffers, in
 * order. The memory has a fixed size and never grows (growing would detach every view).
 */

/** What a categorical column's table holds for a value, found once through the value's text; -1: not for the fast path. */
export type CategoryResolver = (text: string) => number;

/** How the kernel writes rows, for the whole run (see wasm/fast-row.ts configureEncoding). */
export interface KernelEncoding {
  /** Config columns. */
  readonly columns: number;
  /** Per feature, in output order: its config column and kind (validate.ts NUMERIC, BOOLEAN, CATEGORICAL). */
  readonly featureColumns: Int32Array;
  readonly featureKinds: Uint8Array;
  readonly label:
    | { readonly kind: 'copy'; readonly column: number }
    | { readonly kind: 'entry'; readonly column: number }
    | { readonly kind: 'equals'; readonly column: number; readonly positive: number };
  readonly validationShare: number;
  /** The most bytes a row's encoding takes beyond the record's own bytes. */
  readonly rowSlack: number;
  readonly maxRecordLength: number;
}

/** One file's layout for the kernel: each feature's field, the numeric runs (process.ts FileEncoding), the label's and the id's field. */
export interface FileLayout {
  readonly featureFields: Int32Array;
  readonly runs: Int32Array;
  readonly labelField: number;
  readonly idField: number | undefined;
}

const { NOT_FAST, UNKNOWN_CATEGORY, OUTPUT_FULL, IGNORED, INFO_FIELD, INFO_START, INFO_STOP, INFO_SPLIT, INFO_BATCH_FULL, BATCH } = Kernel;
const LABEL_MODES = { copy: Kernel.LABEL_COPY, entry: Kernel.LABEL_ENTRY, equals: Kernel.LABEL_EQUALS } as const;

/** Files with more fields take the general path. */
const MAX_FIELDS = 4096;
/** The category table: distinct values of all columns of a file (beyond them, rows with new values take the general path). */
const MAX_CATEGORIES = 1 << 17;
const TABLE_SLOTS = 2 * MAX_CATEGORIES;
const CATEGORY_TEXT_BYTES = 4 << 20;
/** The input window: chunks are copied in, in pieces of at most this many bytes. */
const INPUT_BYTES = 1 << 20;
/** Each scratch sink's buffer holds at least this much (and at least one record of the longest allowed). */
const MIN_REGION_BYTES = 2 << 20;
const PAGE_BYTES = 65536;

const decoder = new TextDecoder();

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
let compiled: object | undefined;

/**
 * Hands out 8-byte aligned regions of the kernel's memory; page 0 is left to the compiler's own
 * data. Each region starts 64 bytes further into a 4 KiB page than the one before: per-field
 * arrays whose element addresses differ by a multiple of 4 KiB make the CPU take a load for a
 * reload of the store just made to the other (4K aliasing), which cost 13% of the kernel's time.
 */
class Layout {
  size = PAGE_BYTES;
  private regions = 0;

  take(bytes: number): number {
    const at = this.size;
    this.regions++;
    this.size += Math.ceil(bytes / 4096) * 4096 + ((this.regions * 64) % 4096);
    return at;
  }
}

/** The training rows' counts once they are all read (mergeable: shards' counts add up to one run's). */
export interface TrainingCounts {
  readonly rows: number;
  /** The labels' exact sum (binary: the positive rows). */
  readonly labelSum: ExactSum;
  readonly missing: Float64Array;
  readonly trues: Float64Array;
}

/**
 * One WebAssembly instance of the row kernel and its memory, for one processing run (files are
 * read one after another: each file's reader reconfigures it).
 */
export class RowKernel {
  /** Where the run copies its input for the kernel (see scanFile). */
  readonly input: Uint8Array;
  /** The typed row both paths write (validateRecord and the kernel). */
  readonly row: TypedRow;
  /** Per config column: the fast row's categorical table entry (see the resolvers). */
  readonly categoryValues: Int32Array;
  /** The scratch files' sinks: the kernel's rows and the general path's go through the same buffers. */
  readonly sinks: { readonly train: ScratchSink; readonly validation: ScratchSink };
  /** Training rows counted: rows, then per feature its missing values, then per feature its trues (booleans). */
  private readonly statistics: Float64Array;
  /** Per numeric feature (slot): its histogram, its batch of bucket numbers and how full it is. */
  private readonly slotHistograms: ValueHistogram[];
  private readonly batches: Uint32Array[];
  private readonly fills: Int32Array;
  /** The exact sums (see ExactSum): the labels', then per slot its values' and their squares'. */
  private readonly sums: BigInt64Array[];
  private readonly memory: { readonly buffer: ArrayBuffer };
  private readonly kernel: KernelExports;
  private readonly at: Record<
    | 'kinds'
    | 'columns'
    | 'required'
    | 'min'
    | 'max'
    | 'starts'
    | 'ends'
    | 'numbers'
    | 'missing'
    | 'categoryValues'
    | 'info'
    | 'slots'
    | 'entries'
    | 'texts'
    | 'input',
    number
  >;
  private readonly encodingAt: Record<'fields' | 'kinds' | 'columns' | 'runs' | 'regions' | 'cursors' | 'train' | 'validation', number>;

  /** `histograms`: per feature, the histogram of a numeric one (the kernel counts the training rows' values into it). */
  constructor(
    private readonly encoding: KernelEncoding,
    scratch: { readonly train: SpillFile; readonly validation: SpillFile },
    histograms: readonly (ValueHistogram | undefined)[],
  ) {
    const { columns } = encoding;
    const features = encoding.featureColumns.length;
    const regionBytes = Math.max(MIN_REGION_BYTES, encoding.maxRecordLength + encoding.rowSlack);
    const layout = new Layout();
    this.at = {
      kinds: layout.take(MAX_FIELDS),
      columns: layout.take(4 * MAX_FIELDS),
      required: layout.take(MAX_FIELDS),
      min: layout.take(8 * MAX_FIELDS),
      max: layout.take(8 * MAX_FIELDS),
      starts: layout.take(4 * MAX_FIELDS),
      ends: layout.take(4 * MAX_FIELDS),
      numbers: layout.take(8 * columns),
      missing: layout.take(columns),
      categoryValues: layout.take(4 * columns),
      info: layout.take(32),
      slots: layout.take(4 * TABLE_SLOTS),
      entries: layout.take(Kernel.ENTRY_BYTES * MAX_CATEGORIES),
      texts: layout.take(CATEGORY_TEXT_BYTES),
      input: layout.take(INPUT_BYTES),
    };
    this.encodingAt = {
      fields: layout.take(4 * features),
      kinds: layout.take(features),
      columns: layout.take(4 * features),
      runs: layout.take(4 * features),
      regions: layout.take(8),
      cursors: layout.take(8),
      train: layout.take(regionBytes),
      validation: layout.take(regionBytes),
    };
    const slots = Int32Array.from(encoding.featureKinds, (kind) => (kind === NUMERIC ? 0 : -1));
    let numeric = 0;
    slots.forEach((slot, i) => slot === 0 && (slots[i] = numeric++));
    const statisticsAt = {
      counts: layout.take(8 * (1 + 2 * features)),
      slots: layout.take(4 * features),
      sums: layout.take(Kernel.EXACT_SUM_BYTES * (1 + 2 * numeric)),
      batches: layout.take(4 * BATCH * numeric),
      fills: layout.take(4 * numeric),
    };
    const pages = Math.ceil(layout.size / PAGE_BYTES);
    this.memory = new wasm.Memory({ initial: pages, maximum: pages });
    compiled ??= new wasm.Module(Buffer.from(WASM_BASE64, 'base64'));
    this.kernel = new wasm.Instance(compiled, { env: { memory: this.memory } }).exports as KernelExports;

    const buffer = this.memory.buffer;
    this.input = new Uint8Array(buffer, this.at.input, INPUT_BYTES);
    this.row = new TypedRow(columns, new Float64Array(buffer, this.at.numbers, columns), new Uint8Array(buffer, this.at.missing, columns));
    this.categoryValues = new Int32Array(buffer, this.at.categoryValues, columns);
    const e = this.encodingAt;
    new Uint8Array(buffer, e.kinds, features).set(encoding.featureKinds);
    new Int32Array(buffer, e.columns, features).set(encoding.featureColumns);
    new Int32Array(buffer, e.regions, 2).set([e.train, e.validation]);
    new Int32Array(buffer, statisticsAt.slots, features).set(slots);
    this.statistics = new Float64Array(buffer, statisticsAt.counts, 1 + 2 * features);
    this.sums = Array.from(
      { length: 1 + 2 * numeric },
      (_, k) => new BigInt64Array(buffer, statisticsAt.sums + Kernel.EXACT_SUM_BYTES * k, Kernel.EXACT_SUM_BYTES / 8),
    );
    this.fills = new Int32Array(buffer, statisticsAt.fills, numeric);
    this.batches = Array.from({ length: numeric }, (_, k) => new Uint32Array(buffer, statisticsAt.batches + 4 * BATCH * k, BATCH));
    this.slotHistograms = histograms.filter((histogram, i) => slots[i] >= 0 && histogram !== undefined) as ValueHistogram[];
    if (this.slotHistograms.length !== numeric) throw new Error(`RowKernel: ${numeric} numeric features but ${this.slotHistograms.length} histograms`);
    const cursors = new Int32Array(buffer, e.cursors, 2);
    this.sinks = {
      train: scratch.train.sink(new Uint8Array(buffer, e.train, regionBytes), cursors, 0),
      validation: scratch.validation.sink(new Uint8Array(buffer, e.validation, regionBytes), cursors, 1),
    };
    this.kernel.configureStatistics(statisticsAt.counts, statisticsAt.slots, statisticsAt.sums, 1 + 2 * numeric, statisticsAt.batches, statisticsAt.fills);
    this.configureKernel(0, 0, -1);
  }

  /**
   * Counts a training row of the general path (its typed values in `row`; the kernel counts its
   * own rows as it reads them). Both paths' rows go through the kernel's one implementation, in
   * row order, so sums come out the same whichever path a row took.
   */
  countTraining(label: number): void {
    if (this.kernel.countTraining(label) === 1) this.countBatches(false);
  }

  /** Counts the full batches (all of them with `all`) into the histograms. */
  countBatches(all: boolean): void {
    const fills = this.fills;
    for (let k = 0; k < fills.length; k++) {
      if (fills[k] === BATCH || (all && fills[k] > 0)) {
        this.slotHistograms[k].countBuckets(this.batches[k], fills[k]);
        fills[k] = 0;
      }
    }
  }

  /** The training rows' statistics once every row is read (the histograms are complete too). */
  finishTraining(): TrainingCounts {
    this.countBatches(true);
    this.slotHistograms.forEach((histogram, k) => histogram.addMoments(this.sums[1 + 2 * k], this.sums[2 + 2 * k]));
    const features = this.encoding.featureColumns.length;
    const statistics = this.statistics;
    const labelSum = new ExactSum();
    labelSum.addWords(this.sums[0]);
    return {
      rows: statistics[0],
      labelSum,
      missing: statistics.slice(1, 1 + features),
      trues: statistics.slice(1 + features, 1 + 2 * features),
    };
  }

  /**
   * Points the kernel at its memory, for a file of `fields` fields (none before the first file:
   * the general path's rows still need the encoding and statistics), whose label and id are in
   * the given fields (-1: no id).
   */
  private configureKernel(fields: number, labelField: number, idField: number): void {
    const { at, encoding } = this;
    this.kernel.configure(
      fields,
      encoding.maxRecordLength,
      at.kinds,
      at.columns,
      at.required,
      at.min,
      at.max,
      at.starts,
      at.ends,
      at.numbers,
      at.missing,
      at.categoryValues,
      at.info,
      at.slots,
      TABLE_SLOTS,
      at.entries,
      MAX_CATEGORIES,
      at.texts,
      CATEGORY_TEXT_BYTES,
    );
    const e = this.encodingAt;
    const label = encoding.label;
    this.kernel.configureEncoding(
      LABEL_MODES[label.kind],
      labelField,
      label.column,
      label.kind === 'equals' ? label.positive : 0,
      idField,
      encoding.validationShare,
      encoding.featureColumns.length,
      e.fields,
      e.kinds,
      e.columns,
      e.runs,
      encoding.rowSlack,
      e.regions,
      this.sinks.train.capacity,
      e.cursors,
    );
  }

  /** The kernel's histogram bucket for a value (ValueHistogram must agree: a test compares them). */
  bucketOf(value: number): number {
    return this.kernel.bucketOf(value) >>> 0;
  }

  /**
   * Configures the kernel for one file and returns its reader (undefined for a file wider than
   * the kernel takes). `resolvers`: per config column, how a categorical value first seen maps to
   * its table entry (undefined for the other column types).
   */
  reader(plan: FilePlan, file: FileLayout, resolvers: readonly (CategoryResolver | undefined)[]): FastRowReader | undefined {
    const fields = plan.fieldCount;
    if (fields > MAX_FIELDS) return undefined;
    const buffer = this.memory.buffer;
    const { at, encoding } = this;
    const kinds = new Uint8Array(buffer, at.kinds, fields).fill(IGNORED);
    const fieldColumns = new Int32Array(buffer, at.columns, fields);
    const required = new Uint8Array(buffer, at.required, fields);
    const min = new Float64Array(buffer, at.min, fields);
    const max = new Float64Array(buffer, at.max, fields);
    const fieldResolvers = new Array<CategoryResolver | undefined>(fields).fill(undefined);
    const { rules } = plan;
    for (let column = 0; column < rules.index.length; column++) {
      const field = rules.index[column];
      kinds[field] = rules.kind[column];
      fieldColumns[field] = column;
      required[field] = rules.required[column];
      min[field] = rules.min[column];
      max[field] = rules.max[column];
      fieldResolvers[field] = resolvers[column];
    }
    this.configureKernel(fields, file.labelField, file.idField ?? -1);
    const features = encoding.featureColumns.length;
    new Int32Array(buffer, this.encodingAt.fields, features).set(file.featureFields);
    new Int32Array(buffer, this.encodingAt.runs, features).set(file.runs);
    return new FastRowReader(this.kernel, buffer, new Int32Array(buffer, at.info, 8), fieldResolvers, this.sinks, () => this.countBatches(false));
  }
}

/**
 * One file's fast rows: read() writes the row to its scratch sink, counts a training row in the
 * training statistics (category counts aside) and fills the kernel's typed row and category values.
 */
export class FastRowReader {
  /** Whether the row read last went to validation. */
  validation = false;
  /** The exports' functions, loaded once (a property of the exports object is a slow, generic load). */
  private readonly readRow: KernelExports['readRow'];
  private readonly addCategory: KernelExports['addCategory'];
  /** The input seen last and whether it lies in the kernel's memory (reading `buffer` calls into the runtime). */
  private bytes: Uint8Array | undefined;
  private inKernel = false;

  constructor(
    kernel: KernelExports,
    private readonly buffer: ArrayBufferLike,
    private readonly info: Int32Array,
    private readonly fieldResolvers: readonly (CategoryResolver | undefined)[],
    private readonly sinks: { readonly train: ScratchSink; readonly validation: ScratchSink },
    /** Counts the full batches of bucket numbers (the kernel has just filled one). */
    private readonly countBatches: () => void,
  ) {
    this.readRow = kernel.readRow;
    this.addCategory = kernel.addCategory;
  }

  /**
   * Reads the row starting at bytes[start] (the input holds bytes[0, length), which must lie in
   * the kernel's input window for the fast path). Returns the position after its line end, or -1
   * when the row is not a fast one (what it wrote into the typed row is then meaningless).
   */
  read(bytes: Uint8Array, start: number, length: number): number {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.inKernel = bytes.buffer === this.buffer;
    }
    if (!this.inKernel) return NOT_FAST; // e.g. a record completed across two chunks
    const base = bytes.byteOffset;
    for (;;) {
      const next = this.readRow(base, start, length);
      if (next >= 0) {
        this.validation = this.info[INFO_SPLIT] === 1;
        if (this.info[INFO_BATCH_FULL] === 1) this.countBatches();
        return next;
      }
      if (next === OUTPUT_FULL) {
        this.sinks.train.handOver();
        this.sinks.validation.handOver();
        continue;
      }
      if (next !== UNKNOWN_CATEGORY) return NOT_FAST;
      // A categorical value not in the table yet: resolve it once through its text, then read again.
      const text = decoder.decode(bytes.subarray(this.info[INFO_START], this.info[INFO_STOP]));
      const entry = this.fieldResolvers[this.info[INFO_FIELD]]!(text);
      if (entry < 0 || !this.addCategory(base, entry)) return NOT_FAST;
    }
  }
}
