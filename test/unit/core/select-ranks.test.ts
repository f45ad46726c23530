import { seededRandom } from '../../../lambdas/core/random';
import { selectRanks } from '../../../lambdas/core/features/select-ranks';

describe('selectRanks', () => {
  test.each([
    ['distinct values', (r: () => number) => r() * 1000 - 500],
    ['many duplicates', (r: () => number) => Math.floor(r() * 7)],
    ['one value', () => 3.5],
    ['already sorted', undefined],
  ])('GIVEN %s THEN every asked rank holds what a full sort puts there', (_case, draw) => {
    const random = seededRandom(11);
    for (const n of [1, 2, 23, 24, 25, 1000, 20_000]) {
      const values = Float64Array.from({ length: n }, (_, i) => (draw ? draw(random) : i));
      const sorted = values.slice().sort();
      const ranks = Array.from({ length: 39 }, () => Math.floor(random() * n)).concat([0, n - 1]);
      selectRanks(values, ranks);
      for (const r of ranks) expect(values[r]).toBe(sorted[r]);
      // Still the same values (a permutation).
      expect(values.slice().sort()).toEqual(sorted);
    }
  });

  test('GIVEN ranks out of range or repeated THEN they are ignored or done once', () => {
    const values = Float64Array.from([5, 1, 4, 2, 3]);
    selectRanks(values, [-1, 2, 2, 9]);
    expect(values[2]).toBe(3);
  });
});
