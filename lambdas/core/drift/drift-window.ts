import type { Baseline, FeatureBaseline } from '../features/baseline';
import { BinFinder } from '../features/bin-finder';
import { parseNumber, parseNumberBytes, plainDecimalBytes, trimField } from '../features/values';
import { CaptureFormatError } from './capture';
import type { CapturedRecord } from './capture';
import { jensenShannonDistance, ksStatistic, noiseFloor, populationStabilityIndex, robustLInfinity, shares } from './distances';

export interface DriftRules {
  /** Fewer feature rows than this: "insufficient-data", no verdict. */
  readonly minWindowRecords: number;
  readonly jensenShannon: number;
  readonly psi: number;
  /** Share of judged features that must drift for the data set to count as drifted. */
  readonly driftedShare: number;
  /** An absolute change in a feature's missing share that counts as drift on its own. @default 0.1 */
  readonly missingShareChange?: number;
}

export type FeatureStatus = 'drifted' | 'stable' | 'insufficient-data' | 'no-baseline';

export interface FeatureDrift {
  readonly name: string;
  readonly type: FeatureBaseline['type'];
  readonly status: FeatureStatus;
  /** Live values present (not missing). */
  readonly n: number;
  /** Baseline values present. */
  readonly m: number;
  readonly jensenShannon: number;
  readonly ks: number;
  readonly robustLInfinity: number;
  readonly psi: number;
  readonly missingShare: number;
  readonly missingShareChange: number;
  /** Categoricals: share of live values never seen in training. */
  readonly unseenShare?: number;
  readonly noiseFloor: { readonly psi: number; readonly jensenShannon: number };
  /** Bin labels with baseline and live shares, for the report's histograms. */
  readonly bins: readonly { readonly label: string; readonly baseline: number; readonly live: number }[];
}

export interface DriftSummary {
  /** Capture records (requests) read, rows (feature vectors) among them. */
  readonly records: number;
  readonly rows: number;
  /** Rows whose field count did not match the baseline's features. */
  readonly malformedRows: number;
  readonly corruptedRecords: number;
  readonly corruptedExamples: readonly { readonly file: string; readonly line: number; readonly reason: string }[];
  readonly insufficientData: boolean;
  readonly features: readonly FeatureDrift[];
  readonly judgedFeatures: number;
  readonly driftedFeatures: number;
  readonly driftedShare: number;
  readonly datasetDrift: boolean;
  readonly predictions: {
    readonly count: number;
    readonly mean: number | null;
    readonly trainingLabelMean: number;
    readonly meanShift: number | null;
    /** Binary: the scores' distribution in ten bins of width 0.1 (shares), for the report. */
    readonly histogram?: readonly { readonly label: string; readonly share: number }[];
    /** Multiclass: each class's share of the predicted (most probable) classes, beside its share of the training labels. */
    readonly classes?: readonly { readonly label: string; readonly share: number; readonly trainingShare: number }[];
  };
}

/** Binary scores are probabilities: ten bins of width 0.1, the last closed. */
const SCORE_BINS = 10;
const scoreBin = (score: number) => Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));
const SCORE_LABELS = Array.from({ length: SCORE_BINS }, (_, i) => `${(i / SCORE_BINS).toFixed(1)}-${((i + 1) / SCORE_BINS).toFixed(1)}`);

const MAX_CORRUPTED_EXAMPLES = 20;

/** Bins of a feature: numeric bins, or categories + "other" + "unseen". */
function binLabels(feature: FeatureBaseline): string[] {
  if (feature.type === 'numeric') {
    const e = feature.edges;
    if (e.length === 0) return ['all'];
    return [`<= ${e[0]}`, ...e.slice(1).map((edge, i) => `(${e[i]}, ${edge}]`), `> ${e[e.length - 1]}`];
  }
  return [...feature.categories.map((c) => c.value), ...(feature.type === 'categorical' ? ['(other)', '(unseen)'] : [])];
}

function baselineCounts(feature: FeatureBaseline): number[] {
  if (feature.type === 'numeric') return [...feature.counts];
  const counts = feature.categories.map((c) => c.count);
  return feature.type === 'categorical' ? [...counts, feature.otherCount, 0] : counts;
}

/**
 * Counts a window of captured rows into the baseline's fixed bins: memory is O(features x bins)
 * whatever the window size. Live values are the encoded features the endpoint received.
 */
export class DriftWindow {
  private readonly counts: number[][];
  /** Numeric features' bins, found as the baseline found them. */
  private readonly finders: (BinFinder | undefined)[];
  private readonly missing: number[];
  private readonly invalid: number[];
  private records = 0;
  private rows = 0;
  private malformedRows = 0;
  private corrupted = 0;
  private readonly corruptedExamples: { file: string; line: number; reason: string }[] = [];
  private predictionCount = 0;
  private predictionSum = 0;
  private readonly scoreCounts = new Array<number>(SCORE_BINS).fill(0);
  /** Multiclass: predictions per class (a prediction is the most probable class's index). */
  private readonly classCounts?: number[];
  private readonly scores: number[] = [];
  private readonly fieldStarts: Int32Array;
  private readonly fieldEnds: Int32Array;

  constructor(private readonly baseline: Baseline) {
    this.counts = baseline.features.map((f) => new Array<number>(baselineCounts(f).length).fill(0));
    this.finders = baseline.features.map((f) => (f.type === 'numeric' ? new BinFinder(f.edges) : undefined));
    this.missing = baseline.features.map(() => 0);
    this.invalid = baseline.features.map(() => 0);
    this.fieldStarts = new Int32Array(baseline.features.length);
    this.fieldEnds = new Int32Array(baseline.features.length);
    if (baseline.label.classShares) this.classCounts = baseline.label.classShares.map(() => 0);
  }

  add(record: CapturedRecord): void {
    this.records++;
    const features = this.baseline.features;
    for (const row of record.rows) {
      if (row.length !== features.length) {
        this.malformedRows++;
        continue;
      }
      this.rows++;
      for (let i = 0; i < features.length; i++) {
        const text = trimField(row[i]);
        if (text === '') {
          this.missing[i]++;
          continue;
        }
        this.countValue(i, parseNumber(text));
      }
    }
    for (const p of record.predictions) this.countPrediction(p);
  }

  /**
   * The byte path of add(): `bytes[start, end)` is the CSV `data` of a capture record as it sits in
   * the JSON line (rows separated by the escape "\n"); `predictions` the same for the output.
   * Nothing is counted when the record is inconsistent (CaptureFormatError, as add() would see it).
   */
  addCsvBytes(bytes: Uint8Array, start: number, dataEnd: number, predictions?: readonly [number, number]): void {
    // A trailing "\n" ends the last row rather than starting an empty one.
    const end = dataEnd - start >= 2 && bytes[dataEnd - 2] === BACKSLASH && bytes[dataEnd - 1] === N ? dataEnd - 2 : dataEnd;
    const rows = start === end ? 0 : countEscapedNewlines(bytes, start, end) + 1;
    const scores = this.scores;
    scores.length = 0;
    if (predictions) {
      forEachField(bytes, predictions[0], predictions[1], true, (s, e) => {
        const trimmedStart = trimStart(bytes, s, e);
        const trimmedEnd = trimEnd(bytes, trimmedStart, e);
        if (trimmedStart === trimmedEnd) return;
        const value = parseNumberBytes(bytes, trimmedStart, trimmedEnd, () => utf8(bytes, trimmedStart, trimmedEnd));
        if (value === undefined) throw new CaptureFormatError('a prediction is not a number');
        scores.push(value);
      });
      if (scores.length !== rows) throw new CaptureFormatError(`${rows} input rows but ${scores.length} predictions`);
    }
    this.records++;
    const features = this.baseline.features.length;
    let rowStart = start;
    for (let r = 0; r < rows; r++) {
      const rowEnd = r === rows - 1 ? end : nextEscapedNewline(bytes, rowStart, end);
      let fields = 0;
      let fieldStart = rowStart;
      for (let b = rowStart; b <= rowEnd; b++) {
        if (b === rowEnd || bytes[b] === COMMA) {
          if (fields < features) {
            this.fieldStarts[fields] = fieldStart;
            this.fieldEnds[fields] = b;
          }
          fields++;
          fieldStart = b + 1;
        }
      }
      if (fields !== features) this.malformedRows++;
      else {
        this.rows++;
        for (let i = 0; i < features; i++) {
          const s = trimStart(bytes, this.fieldStarts[i], this.fieldEnds[i]);
          const e = trimEnd(bytes, s, this.fieldEnds[i]);
          if (s === e) this.missing[i]++;
          else {
            const plain = plainDecimalBytes(bytes, s, e);
            this.countValue(i, Number.isNaN(plain) ? parseNumber(utf8(bytes, s, e)) : plain);
          }
        }
      }
      rowStart = rowEnd + 2;
    }
    // Summed one by one, in order, exactly as add() does.
    for (const score of scores) this.countPrediction(score);
  }

  private countPrediction(score: number): void {
    if (this.classCounts) {
      if (Number.isInteger(score) && score >= 0 && score < this.classCounts.length) this.classCounts[score]++;
      this.predictionCount++;
      return;
    }
    this.predictionCount++;
    this.predictionSum += score;
    this.scoreCounts[scoreBin(score)]++;
  }

  private countValue(i: number, value: number | undefined): void {
    if (value === undefined) {
      this.invalid[i]++;
      return;
    }
    const feature = this.baseline.features[i];
    if (feature.type === 'numeric') {
      this.counts[i][this.finders[i]!.bin(value)]++;
    } else {
      // Categorical codes 0..K-1 (top), K (other), K+1 (unseen); booleans 0/1. Anything else is unseen.
      const bins = this.counts[i];
      const code = Number.isInteger(value) && value >= 0 && value < bins.length ? value : bins.length - 1;
      bins[code]++;
    }
  }

  /** A capture line that could not be used: counted and kept as an example, never fatal. */
  addCorrupted(file: string, line: number, reason: string): void {
    this.corrupted++;
    if (this.corruptedExamples.length < MAX_CORRUPTED_EXAMPLES) this.corruptedExamples.push({ file, line, reason });
  }

  summarize(rules: DriftRules): DriftSummary {
    const insufficientData = this.rows < rules.minWindowRecords;
    const features = this.baseline.features.map((feature, i) => this.featureDrift(feature, i, rules, insufficientData));
    const judged = features.filter((f) => f.status === 'drifted' || f.status === 'stable');
    const drifted = judged.filter((f) => f.status === 'drifted').length;
    const driftedShare = judged.length === 0 ? 0 : drifted / judged.length;
    // A multiclass prediction is a class index: its mean means nothing, its distribution does.
    const mean = this.predictionCount === 0 || this.classCounts ? null : this.predictionSum / this.predictionCount;
    const classShares = this.baseline.label.classShares;
    return {
      records: this.records,
      rows: this.rows,
      malformedRows: this.malformedRows,
      corruptedRecords: this.corrupted,
      corruptedExamples: this.corruptedExamples,
      insufficientData,
      features,
      judgedFeatures: judged.length,
      driftedFeatures: drifted,
      driftedShare,
      datasetDrift: !insufficientData && judged.length > 0 && driftedShare >= rules.driftedShare,
      predictions: {
        count: this.predictionCount,
        mean,
        trainingLabelMean: this.baseline.label.mean,
        meanShift: mean === null ? null : mean - this.baseline.label.mean,
        ...(this.baseline.label.positiveShare !== undefined && this.predictionCount > 0
          ? { histogram: this.scoreCounts.map((count, i) => ({ label: SCORE_LABELS[i], share: count / this.predictionCount })) }
          : {}),
        ...(classShares && this.classCounts && this.predictionCount > 0
          ? { classes: classShares.map((c, i) => ({ label: c.value, share: this.classCounts![i] / this.predictionCount, trainingShare: c.share })) }
          : {}),
      },
    };
  }

  private featureDrift(feature: FeatureBaseline, i: number, rules: DriftRules, insufficientData: boolean): FeatureDrift {
    const base = baselineCounts(feature);
    const live = this.counts[i].map((c, j) => c + (j === this.counts[i].length - 1 && feature.type === 'categorical' ? this.invalid[i] : 0));
    const n = live.reduce((a, b) => a + b, 0);
    const m = base.reduce((a, b) => a + b, 0);
    const p = shares(base);
    const q = shares(live);
    const ks = ksStatistic(p, q);
    const total = n + this.missing[i] + (feature.type === 'categorical' ? 0 : this.invalid[i]);
    const missingShare = total === 0 ? 0 : (this.missing[i] + (feature.type === 'categorical' ? 0 : this.invalid[i])) / total;
    const missingShareChange = missingShare - feature.missingShare;
    const floor = noiseFloor(base.length, n, m);
    const metrics = {
      jensenShannon: n === 0 || m === 0 ? 0 : jensenShannonDistance(p, q),
      ks,
      robustLInfinity: robustLInfinity(ks, n, m),
      psi: n === 0 || m === 0 ? 0 : populationStabilityIndex(p, q),
    };
    let status: FeatureStatus;
    if (insufficientData) status = 'insufficient-data';
    else if (m === 0) status = Math.abs(missingShareChange) > (rules.missingShareChange ?? 0.1) ? 'drifted' : 'no-baseline';
    else {
      const distribution = metrics.jensenShannon > Math.max(rules.jensenShannon, floor.jensenShannon) || metrics.psi > Math.max(rules.psi, floor.psi);
      status = distribution || Math.abs(missingShareChange) > (rules.missingShareChange ?? 0.1) ? 'drifted' : 'stable';
    }
    const labels = binLabels(feature);
    return {
      name: feature.name,
      type: feature.type,
      status,
      n,
      m,
      ...metrics,
      missingShare,
      missingShareChange,
      ...(feature.type === 'categorical' ? { unseenShare: n === 0 ? 0 : live[live.length - 1] / n } : {}),
      noiseFloor: floor,
      bins: labels.map((label, j) => ({ label, baseline: p[j] ?? 0, live: q[j] ?? 0 })),
    };
  }
}

const BACKSLASH = 92;
const N = 110;
const COMMA = 44;

function nextEscapedNewline(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 1; i++) if (bytes[i] === BACKSLASH && bytes[i + 1] === N) return i;
  return end;
}

function countEscapedNewlines(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end - 1; i++) {
    if (bytes[i] === BACKSLASH && bytes[i + 1] === N) {
      count++;
      i++;
    }
  }
  // A trailing "\n" ends the last row rather than starting an empty one.
  return end - start >= 2 && bytes[end - 2] === BACKSLASH && bytes[end - 1] === N ? count - 1 : count;
}

/** Calls `onField` for each comma-separated field (and "\n"-separated, for predictions). */
function forEachField(bytes: Uint8Array, start: number, end: number, newlineSeparates: boolean, onField: (s: number, e: number) => void): void {
  let fieldStart = start;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === COMMA) {
      onField(fieldStart, i);
      fieldStart = i + 1;
    } else if (newlineSeparates && b === BACKSLASH && bytes[i + 1] === N) {
      onField(fieldStart, i);
      fieldStart = i + 2;
      i++;
    }
  }
  onField(fieldStart, end);
}

function trimStart(bytes: Uint8Array, s: number, e: number): number {
  while (s < e && bytes[s] <= 32) s++;
  return s;
}

function trimEnd(bytes: Uint8Array, s: number, e: number): number {
  while (e > s && bytes[e - 1] <= 32) e--;
  return e;
}

const decoder = new TextDecoder('utf-8');
function utf8(bytes: Uint8Array, s: number, e: number): string {
  return decoder.decode(bytes.subarray(s, e));
}
