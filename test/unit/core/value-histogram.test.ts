import { binIndex } from '../../../lambdas/core/features/bin-finder';
import { seededRandom } from '../../../lib/local/trainer/random';
import { RowKernel } from '../../../lambdas/core/features/fast-row';
import { NUMERIC } from '../../../lambdas/core/features/validate';
import { BUCKET_RELATIVE_WIDTH, ValueHistogram } from '../../../lambdas/core/features/value-histogram';
import { SpillDirectory } from '../../../lambdas/core/io/spill-file';

function histogramOf(values: readonly number[]): ValueHistogram {
  const histogram = new ValueHistogram();
  for (const v of values) histogram.add(v);
  return histogram;
}

/** Checks the stated bound against the sorted data: edge i is at or just above the ceil(q n)-th value. */
function expectWithinBound(values: readonly number[], bins: number): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const histogram = histogramOf(values);
  const edges = histogram.binEdges(bins);
  for (const edge of edges) {
    const below = sorted.filter((v) => v <= edge).length;
    // The value the edge stands for is the largest one at or below it; the edge is within a bucket of it.
    const x = sorted[below - 1];
    expect(edge).toBeGreaterThanOrEqual(x);
    expect(edge - x).toBeLessThanOrEqual(BUCKET_RELATIVE_WIDTH * Math.abs(edge) + Number.MIN_VALUE);
    // The edge's quantile: no value strictly between x and the edge (same bucket), so the rank is exact.
    expect(sorted.some((v) => v > x && v <= edge)).toBe(false);
  }
  // Every bin count equals the count of the raw values by the bins' rule.
  const expected = new Array<number>(edges.length + 1).fill(0);
  for (const v of sorted) expected[binIndex(edges, v)]++;
  expect(histogram.binCounts(edges)).toEqual(expected);
  return edges;
}

describe('ValueHistogram', () => {
  test('GIVEN small integers THEN each has its own bucket: the edges are the exact quantile values and the counts exact', () => {
    const values = Array.from({ length: 40 }, (_, i) => i + 1);
    const edges = expectWithinBound(values, 4);
    expect(edges).toEqual([10, 20, 30]);
    expect(histogramOf(values).binCounts(edges)).toEqual([10, 10, 10, 10]);
  });

  test.each([
    ['uniform decimals', (r: () => number) => Math.round(r() * 100_000) / 100],
    ['negative and positive, zero and -0', (r: () => number) => (r() < 0.1 ? (r() < 0.5 ? 0 : -0) : (r() - 0.5) * 1e4)],
    ['all negative', (r: () => number) => -1 - r() * 1000],
    [
      'powers of two and their neighbours (bucket bounds)',
      (r: () => number) => 2 ** Math.floor(r() * 20 - 10) * (r() < 0.5 ? 1 : -1) + (r() < 0.3 ? 1e-12 : 0),
    ],
    ['tiny and huge magnitudes', (r: () => number) => (r() < 0.5 ? r() * 1e-300 : r() * 1e300)],
    ['a few distinct values', (r: () => number) => [3, 7, 7.5, 100][Math.floor(r() * 4)]],
  ])('GIVEN %s THEN every edge is within the stated relative error above its quantile and every count is exact', (_name, draw) => {
    const random = seededRandom(9);
    const values = Array.from({ length: 20_000 }, () => draw(random));
    for (const bins of [2, 7, 20]) expectWithinBound(values, bins);
  });

  test('GIVEN missing values (NaN) THEN they are not counted; mean and std are of the present values', () => {
    const histogram = histogramOf([1, Number.NaN, 2, 3, Number.NaN]);
    expect(histogram.count).toBe(3);
    expect(histogram.mean).toBe(2);
    expect(histogram.std).toBe(1);
  });

  test('GIVEN one distinct value, or none THEN no edges and one bin', () => {
    expect(histogramOf([5, 5, 5]).binEdges(20)).toEqual([]);
    expect(histogramOf([5, 5, 5]).binCounts([])).toEqual([3]);
    expect(histogramOf([]).binEdges(20)).toEqual([]);
    expect(histogramOf([]).binCounts([])).toEqual([0]);
  });

  test('GIVEN a skewed column THEN duplicate edges are dropped and the bins still hold every value', () => {
    const values = [...new Array<number>(900).fill(0), ...Array.from({ length: 100 }, (_, i) => i + 1)];
    const edges = expectWithinBound(values, 10);
    expect(edges[0]).toBe(0);
    expect(
      histogramOf(values)
        .binCounts(edges)
        .reduce((a, b) => a + b, 0),
    ).toBe(1000);
  });

  test('GIVEN the fast path kernel THEN it puts every value in the bucket add() puts it in', () => {
    const scratch = new SpillDirectory();
    try {
      const encoding = {
        columns: 2,
        featureColumns: Int32Array.of(0),
        featureKinds: Uint8Array.of(NUMERIC),
        label: { kind: 'copy', column: 1 } as const,
        validationShare: 0.2,
        rowSlack: 2,
        maxRecordLength: 100,
      };
      const kernel = new RowKernel(encoding, { train: scratch.file('t'), validation: scratch.file('v') }, [new ValueHistogram()]);
      const random = seededRandom(3);
      const tricky = [0, -0, 1, -1, 2 ** -1074, -(2 ** -1074), Number.MAX_VALUE, -Number.MAX_VALUE, 1.5, 2048, 2049, 1 + 2 ** -52, 1 - 2 ** -53];
      const values = [...tricky, ...tricky.map((v) => v * 3), ...Array.from({ length: 2000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20))];
      const byKernel = new ValueHistogram();
      byKernel.countBuckets(
        Uint32Array.from(values, (v) => kernel.bucketOf(v)),
        values.length,
      );
      const byAdd = histogramOf(values);
      // As many bins as values: every non-empty bucket bound becomes an edge.
      expect(byKernel.binEdges(values.length)).toEqual(byAdd.binEdges(values.length));
      expect(byKernel.binCounts(byAdd.binEdges(values.length))).toEqual(byAdd.binCounts(byAdd.binEdges(values.length)));
    } finally {
      scratch.remove();
    }
  });
});
