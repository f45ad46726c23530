import { ExactSum, type ExactSumJson } from './exact-sum';
import { ValueHistogram, type ValueHistogramJson } from './value-histogram';

/** One input file's counts (a file split into byte ranges is summed over its shards). */
export interface FileSummary {
  readonly name: string;
  readonly rowsRead: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly blankLines: number;
  /** Header columns the config does not describe; ignored. */
  readonly unknownColumns: readonly string[];
}

/**
 * What pass 1 gathers over a shard of the snapshot (some files, or a byte range of one): counts
 * that merge exactly, so the statistics of any split of the snapshot merge to those of one
 * process reading it all (exact value histograms and sums, category counts by value, rejected
 * rows by reason). The spec and baseline are fitted from the merged statistics alone.
 */
export interface ShardStatistics {
  readonly files: readonly FileSummary[];
  /** "column: reason" → rows, in the order reasons were first seen. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly split: { readonly train: number; readonly validation: number };
  readonly training: {
    readonly rows: number;
    /** The labels' exact sum (binary: the positive rows). */
    readonly labelSum: ExactSum;
    /** Per feature. */
    readonly missing: readonly number[];
    /** Per feature (booleans): rows whose value is true. */
    readonly trues: readonly number[];
  };
  /** Multiclass: training rows per class, in label order (else empty). */
  readonly classCounts: readonly number[];
  /**
   * Per feature: a categorical one's training values with their counts and the ids pass 1's
   * placeholders carry for them in this shard (undefined for the other features).
   */
  readonly categories: readonly (readonly CategoryCount[] | undefined)[];
  /** Per feature: a numeric one's value histogram (undefined for the others). */
  readonly histograms: readonly (ValueHistogram | undefined)[];
  /** Scratch disk the shard's pending rows took (merged: the largest shard's, what one child needs). */
  readonly scratchBytes: number;
}

export interface CategoryCount {
  readonly value: string;
  /** The placeholder id in this shard's pending rows (merged statistics have none: -1). */
  readonly id: number;
  readonly count: number;
}

/** A shard's statistics as JSON (written by a Distributed Map child, read by the merge). */
export interface ShardStatisticsJson extends Omit<ShardStatistics, 'training' | 'categories' | 'histograms'> {
  readonly version: 1;
  readonly training: Omit<ShardStatistics['training'], 'labelSum'> & { readonly labelSum: ExactSumJson };
  /** Per feature: [value, id, count] triples, flattened. */
  readonly categories: readonly ((string | number)[] | null)[];
  readonly histograms: readonly (ValueHistogramJson | null)[];
}

export function statisticsToJson(s: ShardStatistics): ShardStatisticsJson {
  return {
    version: 1,
    files: s.files,
    rejectedByReason: s.rejectedByReason,
    split: s.split,
    training: { ...s.training, labelSum: s.training.labelSum.toJSON() },
    classCounts: s.classCounts,
    categories: s.categories.map((entries) => (entries ? entries.flatMap((e) => [e.value, e.id, e.count]) : null)),
    histograms: s.histograms.map((h) => (h ? h.toJSON() : null)),
    scratchBytes: s.scratchBytes,
  };
}

export function statisticsFromJson(json: ShardStatisticsJson, source: string): ShardStatistics {
  if (json.version !== 1) throw new Error(`${source}: unknown shard statistics version ${String(json.version)}`);
  return {
    files: json.files,
    rejectedByReason: json.rejectedByReason,
    split: json.split,
    training: { ...json.training, labelSum: ExactSum.fromJSON(json.training.labelSum) },
    classCounts: json.classCounts,
    categories: json.categories.map((flat) => {
      if (!flat) return undefined;
      const entries: CategoryCount[] = [];
      for (let i = 0; i < flat.length; i += 3) entries.push({ value: flat[i] as string, id: flat[i + 1] as number, count: flat[i + 2] as number });
      return entries;
    }),
    histograms: json.histograms.map((h) => (h ? ValueHistogram.fromJSON(h) : undefined)),
    scratchBytes: json.scratchBytes,
  };
}

/**
 * The statistics of the shards' union, in shard order (which is the snapshot's row order: files
 * and ranges as the manifest lists them). Counts add; histograms and sums merge exactly.
 */
export function mergeStatistics(shards: readonly ShardStatistics[]): ShardStatistics {
  if (shards.length === 0) throw new Error('no shard statistics to merge');
  if (shards.length === 1) return shards[0];
  const features = shards[0].categories.length;
  const files = new Map<string, FileSummary>();
  const rejectedByReason: Record<string, number> = {};
  const labelSum = new ExactSum();
  const missing = new Array<number>(features).fill(0);
  const trues = new Array<number>(features).fill(0);
  const classCounts = new Array<number>(shards[0].classCounts.length).fill(0);
  const categories = shards[0].categories.map((c) => (c ? new Map<string, number>() : undefined));
  const histograms = shards[0].histograms.map((h) => (h ? new ValueHistogram() : undefined));
  let rows = 0;
  let scratchBytes = 0;
  const split = { train: 0, validation: 0 };
  for (const shard of shards) {
    if (shard.categories.length !== features) throw new Error(`shard statistics disagree on the features: ${shard.categories.length} against ${features}`);
    for (const file of shard.files) {
      const seen = files.get(file.name);
      files.set(
        file.name,
        seen
          ? {
              ...seen,
              rowsRead: seen.rowsRead + file.rowsRead,
              accepted: seen.accepted + file.accepted,
              rejected: seen.rejected + file.rejected,
              blankLines: seen.blankLines + file.blankLines,
            }
          : file,
      );
    }
    for (const [reason, n] of Object.entries(shard.rejectedByReason)) rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + n;
    split.train += shard.split.train;
    split.validation += shard.split.validation;
    rows += shard.training.rows;
    labelSum.merge(shard.training.labelSum);
    for (let i = 0; i < features; i++) {
      missing[i] += shard.training.missing[i];
      trues[i] += shard.training.trues[i];
      const counts = categories[i];
      if (counts) for (const { value, count } of shard.categories[i]!) counts.set(value, (counts.get(value) ?? 0) + count);
      histograms[i]?.merge(shard.histograms[i]!);
    }
    shard.classCounts.forEach((n, c) => (classCounts[c] += n));
    scratchBytes = Math.max(scratchBytes, shard.scratchBytes);
  }
  return {
    files: [...files.values()],
    rejectedByReason,
    split,
    training: { rows, labelSum, missing, trues },
    classCounts,
    categories: categories.map((counts) => (counts ? [...counts].map(([value, count]) => ({ value, id: -1, count })) : undefined)),
    histograms,
    scratchBytes,
  };
}
