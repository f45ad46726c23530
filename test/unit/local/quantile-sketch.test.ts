import { xgboostCuts } from '../../../lib/local/trainer/quantile-sketch';
import { seededRandom } from '../../../lib/local/trainer/random';

/** The sketch's own rules; test/parity/trainer-parity.test.ts holds it to XGBoost itself. */
describe("XGBoost 1.7's hist cut points", () => {
  test('GIVEN at most 256 distinct values THEN every value but the smallest is a cut, and the bounds lie outside the values as XGBoost sets them', () => {
    const values = Float32Array.from([3, 1, 2, 2, 5, 1, 4]);
    const { cuts, lower, upper } = xgboostCuts(values, 256);
    expect(Array.from(cuts)).toEqual([2, 3, 4, 5]);
    // min - |min| - 1e-5 and max + (|max| + 1e-5), in float32.
    expect(lower).toBe(Math.fround(Math.fround(1 - 1) - Math.fround(1e-5)));
    expect(upper).toBe(Math.fround(5 + Math.fround(5 + Math.fround(1e-5))));
  });

  test('GIVEN thousands of distinct values THEN at most 255 increasing cuts, each a value of the column, spread by rank', () => {
    const random = seededRandom(3);
    const values = Float32Array.from({ length: 20_000 }, () => random() * 1000);
    const { cuts } = xgboostCuts(values, 256);
    const present = new Set(values);
    expect(cuts.length).toBeGreaterThan(200);
    expect(cuts.length).toBeLessThanOrEqual(255);
    for (let i = 1; i < cuts.length; i++) expect(cuts[i]).toBeGreaterThan(cuts[i - 1]);
    expect(Array.from(cuts).every((c) => present.has(c))).toBe(true);
    // Uniform values: each bin holds about 1/256 of the rows (the sketch's error is within 1/2048).
    const sorted = Float32Array.from(values).sort();
    const rankOf = (c: number) => sorted.findIndex((v) => v >= c) / sorted.length;
    for (let b = 0; b < cuts.length; b += 50) expect(Math.abs(rankOf(cuts[b]) - (b + 1) / 256)).toBeLessThan(0.01);
  });

  test('GIVEN a column of one value or none THEN no inner cut (XGBoost cannot split it)', () => {
    expect(Array.from(xgboostCuts(Float32Array.from([7, 7, 7]), 256).cuts)).toEqual([]);
    const empty = xgboostCuts(new Float32Array(0), 256);
    expect(Array.from(empty.cuts)).toEqual([]);
    expect(empty.lower).toBe(Math.fround(1e-5));
  });
});
