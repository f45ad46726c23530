import { QuantileSample, rankErrorBound } from '../../../lambdas/core/features/quantile-sample';

describe('quantile sample (reservoir, Algorithm L once full)', () => {
  test('GIVEN fewer values than the capacity THEN it keeps them all and the edges are exact', () => {
    const sample = new QuantileSample(100);
    for (let v = 1; v <= 40; v++) sample.add(v);
    expect(sample.exact).toBe(true);
    expect(sample.binEdges(4)).toEqual([10.75, 20.5, 30.25]);
  });

  test('GIVEN 1M values through a 10k reservoir THEN every decile is within the stated rank error', () => {
    const n = 1_000_000;
    const sample = new QuantileSample(10_000, 7);
    // Values arrive in increasing order: the hardest case for a biased reservoir (late values).
    for (let v = 0; v < n; v++) sample.add(v);
    expect(sample.count).toBe(n);
    expect(sample.size).toBe(10_000);
    const eps = rankErrorBound(10_000);
    sample.binEdges(10).forEach((edge, i) => expect(Math.abs(edge / n - (i + 1) / 10)).toBeLessThan(eps));
  });

  test('GIVEN the same seed THEN the same sample; another seed, another sample', () => {
    const edges = (seed: number) => {
      const sample = new QuantileSample(1_000, seed);
      for (let v = 0; v < 100_000; v++) sample.add((v * 7919) % 100_003);
      return sample.binEdges(20);
    };
    expect(edges(3)).toEqual(edges(3));
    expect(edges(4)).not.toEqual(edges(3));
  });

  test('GIVEN rows of two columns, one with missing values THEN each column has its own edges and sample size', () => {
    const sample = new QuantileSample(1_000, 3, 2);
    for (let r = 0; r < 50_000; r++) {
      const at = sample.offer();
      if (at < 0) continue;
      sample.values[at] = r;
      sample.values[at + 1] = r % 2 === 0 ? Number.NaN : -r;
    }
    expect(sample.count).toBe(50_000);
    expect(sample.exact).toBe(false);
    const first = sample.sampled(0);
    const second = sample.sampled(1);
    expect(first.size).toBe(1_000);
    // About half the kept rows have the second value; the bound applies to that many.
    expect(second.size).toBeGreaterThan(400);
    expect(second.size).toBeLessThan(600);
    const eps = rankErrorBound(second.size);
    sample.binEdges(4, 1).forEach((edge, i) => expect(Math.abs(-edge / 50_000 - (3 - i) / 4)).toBeLessThan(eps));
    sample.binEdges(4, 0).forEach((edge, i) => expect(Math.abs(edge / 50_000 - (i + 1) / 4)).toBeLessThan(rankErrorBound(1_000)));
  });
});
