import type { FeatureEncoding } from './feature-spec';
import { BUCKET_RELATIVE_WIDTH, type ValueHistogram } from './value-histogram';

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
  /**
   * How the edges were found: bucket bounds of an exact histogram of every training value, each
   * edge at most `relativeError` (relative) above the quantile it stands for.
   */
  readonly edgeMethod: { readonly kind: 'histogram'; readonly relativeError: number };
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
  /**
   * Label distribution of the training rows: the mean (of 1/0 for binary, of the value for
   * regression), the positive share for binary, each class's share for multiclass (in label order).
   */
  readonly label: {
    readonly positiveShare?: number;
    readonly mean: number;
    readonly classShares?: readonly { readonly value: string; readonly share: number }[];
  };
}

/**
 * The baseline from pass 1's exact counts: missing values, category/boolean codes, and each numeric
 * feature's value histogram (its bins are cut and counted at the end), in O(features x bins) memory.
 */
export class BaselineCounter {
  private readonly counts: number[][];
  private readonly missingCounts: number[];
  private rows = 0;
  private labelSum = 0;

  /** `histograms`: each numeric feature's values (undefined for the others). */
  constructor(
    private readonly encodings: readonly FeatureEncoding[],
    private readonly histograms: readonly (ValueHistogram | undefined)[],
    private readonly numericBins: number,
  ) {
    this.counts = encodings.map((e) => new Array<number>(e.type === 'numeric' ? 0 : e.type === 'boolean' ? 2 : e.unseenCode + 1).fill(0));
    this.missingCounts = encodings.map(() => 0);
  }

  /** Adds training rows, with the sum of their labels (1/0, or the regression target). */
  addRows(rows: number, labelSum: number): void {
    this.rows += rows;
    this.labelSum += labelSum;
  }

  missing(feature: number, count = 1): void {
    this.missingCounts[feature] += count;
  }

  /** A categorical or boolean feature's code. */
  code(feature: number, code: number, count = 1): void {
    this.counts[feature][code] += count;
  }

  /** `classes`: multiclass, the classes in label order with their training counts. */
  result(binary: boolean, classes?: { readonly classes: readonly string[]; readonly counts: ArrayLike<number> }): Baseline {
    const features = this.encodings.map((encoding, i): FeatureBaseline => {
      const common = {
        name: encoding.name,
        count: this.rows,
        missing: this.missingCounts[i],
        missingShare: this.rows === 0 ? 0 : this.missingCounts[i] / this.rows,
      };
      if (encoding.type === 'numeric') {
        const histogram = this.histograms[i]!;
        const edges = histogram.binEdges(this.numericBins);
        return {
          ...common,
          type: 'numeric',
          edges,
          counts: histogram.binCounts(edges),
          mean: histogram.mean,
          std: histogram.std,
          edgeMethod: { kind: 'histogram', relativeError: BUCKET_RELATIVE_WIDTH },
        };
      }
      if (encoding.type === 'boolean') {
        return { ...common, type: 'boolean', categories: [0, 1].map((code) => ({ value: String(code), code, count: this.counts[i][code] })), otherCount: 0 };
      }
      const categories = Object.entries(encoding.codes).map(([value, code]) => ({ value, code, count: this.counts[i][code] }));
      return { ...common, type: 'categorical', categories, otherCount: this.counts[i][encoding.otherCode] };
    });
    const mean = this.rows === 0 ? 0 : this.labelSum / this.rows;
    const classShares = classes?.classes.map((value, i) => ({ value, share: this.rows === 0 ? 0 : classes.counts[i] / this.rows }));
    return { version: 1, rows: this.rows, features, label: binary ? { positiveShare: mean, mean } : classShares ? { mean, classShares } : { mean } };
  }
}
