import { endianness } from 'node:os';
import { ExactSum, type ExactSumJson } from './exact-sum';
import { Kernel } from './kernel-abi';

/**
 * A numeric column's distribution in bounded memory, counted exactly in one pass: every value
 * lands in a bucket of relative width 2^-10 (1,024 buckets per power of two, found from the bits
 * of the double), plus the exact sum and sum of squares for mean and std. Histograms of shards merge
 * (merge, toJSON/fromJSON) into the histogram of their union, exactly. Quantile bin edges are bucket
 * bounds, so each bin's count is an exact sum of buckets and pass 2 needs no numbers at all.
 *
 * Error bound (a streaming sketch with relative accuracy, as in DDSketch): the edge for quantile
 * q is the upper bound of the bucket holding the ceil(q * n)-th smallest value x, so x <= edge and
 * edge - x < 2^-10 |edge| (0.1%); the share of values <= edge is exact and at least q. Integers up
 * to 2,048 in magnitude get a bucket each, so their edges are the values themselves.
 *
 * Memory: 4 KB per power of two (and sign) a column's values span (tens of KB for typical data;
 * at most 16 MB for values spread over every exponent a double has).
 *
 * Buckets match the bins' rule (edges[i-1] < v <= edges[i]): positive buckets are (a_k, a_k+1],
 * negative ones (-a_k+1, -a_k], where a_k are the doubles whose 42 low mantissa bits are zero;
 * zero falls in the negative bucket (-a_1, 0].
 */
export const BUCKET_BITS = Kernel.BUCKET_BITS;
/** Relative width of a bucket: the error bound of an edge. */
export const BUCKET_RELATIVE_WIDTH = 2 ** -BUCKET_BITS;

const BLOCK_SIZE = 1 << BUCKET_BITS;
/** Buckets are grouped into blocks, one per binary exponent (2,048 of them), allocated on first use. */
const BLOCKS = 1 << 11;
/** The bucket number's bit that marks negative values (after the 21 bits of exponent and bucket). */
const NEGATIVE = Kernel.NEGATIVE_BUCKET;
if (NEGATIVE !== BLOCKS * BLOCK_SIZE) throw new Error('value-histogram: NEGATIVE_BUCKET must follow the blocks of every exponent');

if (endianness() !== 'LE') throw new Error('value-histogram reads doubles as two 32-bit words, low word first (little-endian only)');
const DOUBLE = new Float64Array(1);
const WORDS = new Uint32Array(DOUBLE.buffer);

/** Values gathered before their buckets are found (see flush). */
const BATCH = 1024;

export class ValueHistogram {
  private counted = 0;
  private readonly sum = new ExactSum();
  private readonly squares = new ExactSum();
  /** Per block (positive exponents, then negative), its place in `counts`, or -1 while empty. */
  private readonly blockAt = new Int32Array(2 * BLOCKS).fill(-1);
  private counts = new Uint32Array(4 * BLOCK_SIZE);
  private blocksUsed = 0;
  /** The batch, and the same memory as 32-bit words (low word first). */
  private readonly batch = new Float64Array(BATCH);
  private readonly batchWords = new Uint32Array(this.batch.buffer);
  private batched = 0;

  add(value: number): void {
    if (value !== value) return;
    this.batch[this.batched++] = value;
    if (this.batched === BATCH) this.flush();
  }

  /** Values counted (NaN is missing and not counted). */
  get count(): number {
    this.flush();
    return this.counted;
  }

  /**
   * Counts the batch. Reading a double's bits right after storing it (one value at a time) stalls
   * the CPU on every value, and the buckets of 14 columns' values in turn miss the cache; a batch
   * of one column reads bits stored long before, from one column's blocks: ~half the time, though
   * it executes a few more instructions (measured when feature processing still counted through
   * add(); its kernel now hands over bucket numbers, see countBuckets).
   */
  private flush(): void {
    const { batch, batchWords, blockAt, sum, squares } = this;
    for (let i = 0; i < this.batched; i++) {
      const value = batch[i];
      sum.add(value);
      squares.add(value * value);
      let bucket: number;
      if (value > 0) {
        const low = batchWords[2 * i];
        const high = batchWords[2 * i + 1];
        // The bits minus one: a value on a bucket bound closes the bucket below it.
        bucket = (low === 0 ? high - 1 : high) >>> (20 - BUCKET_BITS);
      } else {
        // The magnitude's bits (sign cleared, so -0 and 0 alike).
        bucket = NEGATIVE | ((batchWords[2 * i + 1] & 0x7fff_ffff) >>> (20 - BUCKET_BITS));
      }
      let at = blockAt[bucket >>> BUCKET_BITS];
      if (at < 0) at = this.newBlock(bucket >>> BUCKET_BITS);
      this.counts[at + (bucket & (BLOCK_SIZE - 1))]++;
    }
    this.addCounted(this.batched);
    this.batched = 0;
  }

  /**
   * Counts `n` values already turned into bucket numbers elsewhere (the fast path's kernel, whose
   * bucketOf equals flush's); their sum and sum of squares come through addMoments.
   */
  countBuckets(buckets: Uint32Array, n: number): void {
    const blockAt = this.blockAt;
    for (let i = 0; i < n; i++) {
      const bucket = buckets[i];
      let at = blockAt[bucket >>> BUCKET_BITS];
      if (at < 0) at = this.newBlock(bucket >>> BUCKET_BITS);
      this.counts[at + (bucket & (BLOCK_SIZE - 1))]++;
    }
    this.addCounted(n);
  }

  /** Adds the exact sum and sum of squares (the kernel's words, see ExactSum) of values counted through countBuckets. */
  addMoments(sum: BigInt64Array, squares: BigInt64Array): void {
    this.sum.addWords(sum);
    this.squares.addWords(squares);
  }

  /** Adds another histogram's values (a shard's): the result is the histogram of both, exactly. */
  merge(other: ValueHistogram): void {
    this.flush();
    other.forEachBucketNumber((bucket, count) => {
      let at = this.blockAt[bucket >>> BUCKET_BITS];
      if (at < 0) at = this.newBlock(bucket >>> BUCKET_BITS);
      this.counts[at + (bucket & (BLOCK_SIZE - 1))] += count;
    });
    this.addCounted(other.count);
    this.sum.merge(other.sum);
    this.squares.merge(other.squares);
  }

  /** The histogram as JSON: its non-empty buckets as [bucket number, count] pairs, and its exact sums. */
  toJSON(): ValueHistogramJson {
    const buckets: number[] = [];
    this.forEachBucketNumber((bucket, count) => buckets.push(bucket, count));
    return { buckets, sum: this.sum.toJSON(), squares: this.squares.toJSON() };
  }

  static fromJSON(json: ValueHistogramJson): ValueHistogram {
    const histogram = new ValueHistogram();
    const { buckets } = json;
    for (let i = 0; i < buckets.length; i += 2) {
      const bucket = buckets[i];
      let at = histogram.blockAt[bucket >>> BUCKET_BITS];
      if (at < 0) at = histogram.newBlock(bucket >>> BUCKET_BITS);
      histogram.counts[at + (bucket & (BLOCK_SIZE - 1))] += buckets[i + 1];
      histogram.addCounted(buckets[i + 1]);
    }
    histogram.sum.merge(ExactSum.fromJSON(json.sum));
    histogram.squares.merge(ExactSum.fromJSON(json.squares));
    return histogram;
  }

  /** Every non-empty bucket by its number (the order blocks were first used in). */
  private forEachBucketNumber(visit: (bucket: number, count: number) => void): void {
    this.flush();
    for (let block = 0; block < 2 * BLOCKS; block++) {
      const at = this.blockAt[block];
      if (at < 0) continue;
      for (let i = 0; i < BLOCK_SIZE; i++) if (this.counts[at + i] > 0) visit(block * BLOCK_SIZE + i, this.counts[at + i]);
    }
  }

  private addCounted(n: number): void {
    this.counted += n;
    // 32-bit bucket counters: far beyond any snapshot the function takes (10 GiB of scratch), but
    // fail loudly rather than wrap.
    if (this.counted > 0xffff_ffff) throw new Error(`more than ${0xffff_ffff} values in one numeric column: beyond the baseline histogram's 32-bit counters`);
  }

  private newBlock(block: number): number {
    const at = this.blocksUsed++ * BLOCK_SIZE;
    if (at + BLOCK_SIZE > this.counts.length) {
      const grown = new Uint32Array(this.counts.length * 2);
      grown.set(this.counts);
      this.counts = grown;
    }
    this.blockAt[block] = at;
    return at;
  }

  get mean(): number {
    const n = this.count;
    return n === 0 ? 0 : this.sum.value() / n;
  }

  /** Sample standard deviation. */
  get std(): number {
    const n = this.count;
    if (n < 2) return 0;
    const mean = this.sum.value() / n;
    return Math.sqrt(Math.max(0, (this.squares.value() - n * mean * mean) / (n - 1)));
  }

  /**
   * Cut points for `bins` equally populated bins: for i = 1..bins-1, the upper bound of the
   * bucket holding the ceil(i * n / bins)-th smallest value. Duplicates are dropped (a column of
   * few distinct values gets fewer bins), and so is an edge at the largest bucket's bound (it
   * would leave the last bin always empty).
   */
  binEdges(bins: number): number[] {
    const edges: number[] = [];
    const n = this.count;
    if (n === 0) return edges;
    let next = 1;
    let seen = 0;
    let last = Number.NaN;
    this.forEachBucket((upper, count) => {
      seen += count;
      last = upper;
      while (next < bins && seen >= Math.ceil((next * n) / bins)) {
        if (edges.length === 0 || upper > edges[edges.length - 1]) edges.push(upper);
        next++;
      }
    });
    while (edges.length > 0 && edges[edges.length - 1] >= last) edges.pop();
    return edges;
  }

  /** Exact value counts per bin for `edges` found by binEdges (edges.length + 1 bins). */
  binCounts(edges: readonly number[]): number[] {
    const counts = new Array<number>(edges.length + 1).fill(0);
    let bin = 0;
    this.forEachBucket((upper, count) => {
      while (bin < edges.length && upper > edges[bin]) bin++;
      counts[bin] += count;
    });
    return counts;
  }

  /** Every non-empty bucket in increasing value order, with its upper bound. */
  private forEachBucket(visit: (upper: number, count: number) => void): void {
    this.flush();
    const counts = this.counts;
    for (let block = BLOCKS - 1; block >= 0; block--) {
      const at = this.blockAt[BLOCKS + block];
      if (at < 0) continue;
      for (let i = BLOCK_SIZE - 1; i >= 0; i--) if (counts[at + i] > 0) visit(0 - boundOf(block * BLOCK_SIZE + i), counts[at + i]);
    }
    for (let block = 0; block < BLOCKS; block++) {
      const at = this.blockAt[block];
      if (at < 0) continue;
      for (let i = 0; i < BLOCK_SIZE; i++) if (counts[at + i] > 0) visit(boundOf(block * BLOCK_SIZE + i + 1), counts[at + i]);
    }
  }
}

/** A ValueHistogram as JSON (a shard's statistics). */
export interface ValueHistogramJson {
  /** Bucket number, count, bucket number, count... */
  readonly buckets: readonly number[];
  readonly sum: ExactSumJson;
  readonly squares: ExactSumJson;
}

/** a_k: the double whose high bits are bucket k and whose other bits are zero. */
function boundOf(bucket: number): number {
  WORDS[0] = 0;
  WORDS[1] = bucket << (20 - BUCKET_BITS);
  return DOUBLE[0];
}
