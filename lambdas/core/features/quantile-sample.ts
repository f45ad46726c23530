import { seededRandom } from '../random';
import { selectRanks } from './select-ranks';

/**
 * Quantiles of numeric columns in bounded memory: a uniform reservoir sample of at most `capacity`
 * rows, each with `width` numbers (one per numeric column, NaN for missing), with a seeded
 * generator so a run is reproducible. Once the reservoir is full, Li's Algorithm L jumps straight
 * to the next row to keep (O(k log(n/k)) random draws instead of one per row, as Algorithm R
 * needs), with the same uniform distribution. Sampling rows rather than each column's values
 * takes one draw schedule for all columns, and a kept row is written in one place (row-major).
 *
 * A column's present values in a uniform sample of rows are a uniform sample of its present
 * values, so the bound below holds per column with n = the values it has in the sample.
 * Error bound: for a sample of n values, the Dvoretzky–Kiefer–Wolfowitz inequality gives
 * P(max |F_sample - F_data| > eps) <= 2 exp(-2 n eps^2). With the default capacity of 100,000 a
 * quantile's rank is off by more than 1% with probability below 5e-9. Columns with fewer rows
 * than the capacity are kept whole and their quantiles are exact.
 */
export const DEFAULT_SAMPLE_CAPACITY = 100_000;

/** The rank error eps that holds with probability 1 - delta for a sample of n values (DKW). */
export function rankErrorBound(n: number, delta = 1e-6): number {
  return n === 0 ? 1 : Math.sqrt(Math.log(2 / delta) / (2 * n));
}

/** How one column's edges were found: the values it has in the sample, and whether that is all of them. */
export interface SampledColumn {
  readonly size: number;
  readonly exact: boolean;
}

export class QuantileSample {
  /** Row-major: row r's numbers are values[r * width, (r + 1) * width). */
  readonly values: Float64Array;
  private seen = 0;
  private readonly random: () => number;
  /** Algorithm L: the current weight, and the 1-based count at which the next row is kept. */
  private w = 1;
  private next = Infinity;

  constructor(
    private readonly capacity = DEFAULT_SAMPLE_CAPACITY,
    seed = 1,
    readonly width = 1,
  ) {
    this.values = new Float64Array(capacity * width);
    this.random = seededRandom(seed);
  }

  /** Rows offered so far. */
  get count(): number {
    return this.seen;
  }

  /** Rows held in the sample. */
  get size(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** Whether the sample holds every row offered (quantiles are then exact). */
  get exact(): boolean {
    return this.seen <= this.capacity;
  }

  /**
   * Offers the next row: returns the offset in `values` to write its `width` numbers at, or -1
   * when the row is not kept.
   */
  offer(): number {
    if (this.seen < this.capacity) {
      const slot = this.seen++;
      if (this.seen === this.capacity) this.scheduleNext();
      return slot * this.width;
    }
    this.seen++;
    if (this.seen < this.next) return -1;
    const slot = Math.floor(this.random() * this.capacity);
    this.scheduleNext();
    return slot * this.width;
  }

  /** One number per row (width 1). */
  add(value: number): void {
    const at = this.offer();
    if (at >= 0) this.values[at] = value;
  }

  /** Algorithm L: W shrinks as the reservoir keeps fewer of the rows seen; skips are geometric in W. */
  private scheduleNext(): void {
    this.w *= Math.exp(Math.log(this.randomOpen()) / this.capacity);
    this.next = this.seen + Math.floor(Math.log(this.randomOpen()) / Math.log(1 - this.w)) + 1;
  }

  /** A draw in (0, 1), for logarithms. */
  private randomOpen(): number {
    return (this.random() * 0x1_0000_0000 + 0.5) / 0x1_0000_0001;
  }

  /** Column `column`'s present (not NaN) values in the sample. */
  private column(column: number): Float64Array {
    const rows = this.size;
    const out = new Float64Array(rows);
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = this.values[r * this.width + column];
      if (v === v) out[n++] = v;
    }
    return out.subarray(0, n);
  }

  /** How column `column`'s edges were found. */
  sampled(column = 0): SampledColumn {
    let size = 0;
    for (let at = column, end = this.size * this.width; at < end; at += this.width) {
      const v = this.values[at];
      if (v === v) size++;
    }
    return { size, exact: this.exact };
  }

  /**
   * Cut points that split column `column`'s values into `bins` equally populated bins (type-7
   * quantiles at i/bins, i = 1..bins-1), with duplicates removed: a column with few distinct
   * values gets fewer bins.
   */
  binEdges(bins: number, column = 0): number[] {
    const values = this.column(column);
    const n = values.length;
    if (n === 0) return [];
    // Only the ranks the edges read need to be in their sorted places.
    const ranks = [n - 1];
    for (let i = 1; i < bins; i++) {
      const lo = Math.floor(((n - 1) * i) / bins);
      ranks.push(lo, Math.min(lo + 1, n - 1));
    }
    selectRanks(values, ranks);
    const edges: number[] = [];
    for (let i = 1; i < bins; i++) {
      const h = ((n - 1) * i) / bins;
      const lo = Math.floor(h);
      const edge = values[lo] + (h - lo) * (values[Math.min(lo + 1, n - 1)] - values[lo]);
      if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
    }
    // A top edge equal to the maximum would leave the last bin always empty.
    while (edges.length > 0 && edges[edges.length - 1] >= values[n - 1]) edges.pop();
    return edges;
  }
}

/**
 * The bin of a value for interior cut points `edges` (ascending): bin i holds
 * edges[i-1] < v <= edges[i], with open tails (bin 0 is v <= edges[0], the last is v > the last edge).
 */
export function binIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
