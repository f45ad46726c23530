import { BinFinder } from './bin-finder';
import type { FeatureEncoding } from './feature-spec';
import { rankErrorBound, type SampledColumn } from './quantile-sample';

/** A numeric feature's training distribution over fixed bins (the live window is counted into the same bins). */
export interface NumericBaseline {
  readonly name: string;
  readonly type: 'numeric';
  readonly count: number;
  readonly missing: number;
  readonly missingShare: number;
  /** Interior cut points; bin i holds edges[i-1] < v <= edges[i], tails open. */
  readonly edges: readonly number[];
  /** Exact training counts per bin (edges.length + 1 bins). */
  readonly counts: readonly number[];
  readonly mean: number;
  readonly std: number;
  /** How the edges were found: exact, or from a reservoir sample with its DKW rank error bound (p = 1e-6). */
  readonly edgeMethod: { readonly kind: 'exact' | 'reservoir-sample'; readonly sampleSize: number; readonly rankErrorBound: number };
}

/** A categorical (or boolean) feature's training frequencies by category, plus other/unseen. */
export interface CategoricalBaseline {
  readonly name: string;
  readonly type: 'categorical' | 'boolean';
  readonly count: number;
  readonly missing: number;
  readonly missingShare: number;
  /** Top categories with their codes (booleans: "0" and "1"). */
  readonly categories: readonly { readonly value: string; readonly code: number; readonly count: number }[];
  /** Training values outside the top K. */
  readonly otherCount: number;
}

export type FeatureBaseline = NumericBaseline | CategoricalBaseline;

/** Stored as features/<run>/baseline.json; the drift check compares live traffic with it. */
export interface Baseline {
  readonly version: 1;
  /** Training rows the statistics describe. */
  readonly rows: number;
  readonly features: readonly FeatureBaseline[];
  /** Label distribution of the training rows: positive share for binary, bins for regression. */
  readonly label: { readonly positiveShare?: number; readonly mean: number };
}

/** Counts training values exactly into fixed bins/categories in O(features x bins) memory. */
export class BaselineCounter {
  private readonly counts: number[][];
  private readonly missingCounts: number[];
  private readonly sums: number[];
  private readonly squares: number[];
  private readonly finders: BinFinder[];
  private rows = 0;
  private labelSum = 0;

  constructor(
    private readonly encodings: readonly FeatureEncoding[],
    private readonly edges: readonly (readonly number[])[],
  ) {
    this.counts = encodings.map((e, i) => new Array<number>(e.type === 'numeric' ? edges[i].length + 1 : e.type === 'boolean' ? 2 : e.unseenCode + 1).fill(0));
    this.missingCounts = encodings.map(() => 0);
    this.sums = encodings.map(() => 0);
    this.squares = encodings.map(() => 0);
    this.finders = edges.map((e) => new BinFinder(e));
  }

  /** Adds training rows, with the sum of their labels (1/0, or the regression target). */
  addRows(rows: number, labelSum: number): void {
    this.rows += rows;
    this.labelSum += labelSum;
  }

  missing(feature: number, count = 1): void {
    this.missingCounts[feature] += count;
  }

  /**
   * Counts `count` values of one numeric feature, values[first], values[first + stride], ...
   * (rows of numbers, one column per numeric feature) into its bins, mean and variance. NaN is
   * missing and is counted with missing().
   */
  numericColumn(feature: number, values: Float64Array, first: number, stride: number, count: number): void {
    const counts = this.counts[feature];
    const finder = this.finders[feature];
    let sum = this.sums[feature];
    let squares = this.squares[feature];
    for (let k = first, end = first + stride * count; k < end; k += stride) {
      const value = values[k];
      if (value !== value) continue;
      counts[finder.bin(value)]++;
      sum += value;
      squares += value * value;
    }
    this.sums[feature] = sum;
    this.squares[feature] = squares;
  }

  /** A categorical or boolean feature's code. */
  code(feature: number, code: number, count = 1): void {
    this.counts[feature][code] += count;
  }

  /** `sampled`: how each numeric feature's edges were found. */
  result(sampled: readonly (SampledColumn | undefined)[], binary: boolean): Baseline {
    const features = this.encodings.map((encoding, i): FeatureBaseline => {
      const present = this.rows - this.missingCounts[i];
      const common = { name: encoding.name, count: this.rows, missing: this.missingCounts[i], missingShare: this.rows === 0 ? 0 : this.missingCounts[i] / this.rows };
      if (encoding.type === 'numeric') {
        const mean = present === 0 ? 0 : this.sums[i] / present;
        const variance = present < 2 ? 0 : Math.max(0, (this.squares[i] - present * mean * mean) / (present - 1));
        const sample = sampled[i]!;
        const sampleSize = sample.size;
        return {
          ...common,
          type: 'numeric',
          edges: this.edges[i],
          counts: this.counts[i],
          mean,
          std: Math.sqrt(variance),
          edgeMethod: sample.exact ? { kind: 'exact', sampleSize, rankErrorBound: 0 } : { kind: 'reservoir-sample', sampleSize, rankErrorBound: rankErrorBound(sampleSize) },
        };
      }
      if (encoding.type === 'boolean') {
        return { ...common, type: 'boolean', categories: [0, 1].map((code) => ({ value: String(code), code, count: this.counts[i][code] })), otherCount: 0 };
      }
      const categories = Object.entries(encoding.codes).map(([value, code]) => ({ value, code, count: this.counts[i][code] }));
      return { ...common, type: 'categorical', categories, otherCount: this.counts[i][encoding.otherCode] };
    });
    const mean = this.rows === 0 ? 0 : this.labelSum / this.rows;
    return { version: 1, rows: this.rows, features, label: binary ? { positiveShare: mean, mean } : { mean } };
  }
}
