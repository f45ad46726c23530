import { binaryAuc } from '../../../lib/local/trainer/metrics';

/** AUC by definition: over all positive/negative pairs, 1 when the positive scores higher, 1/2 on a tie. */
function pairwiseAuc(predictions: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  predictions.forEach((p, i) =>
    predictions.forEach((q, j) => {
      if (labels[i] !== 1 || labels[j] !== 0) return;
      pairs++;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    }),
  );
  return wins / pairs;
}

describe('binary AUC', () => {
  test('GIVEN scores with many ties THEN it equals the pairwise definition', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 20; trial++) {
      const labels = Array.from({ length: 300 }, () => (next() < 0.3 ? 1 : 0));
      const predictions = labels.map((y) => Math.round((next() + y * 0.3) * 10) / 10);
      expect(binaryAuc(predictions, labels)).toBeCloseTo(pairwiseAuc(predictions, labels), 12);
    }
  });

  test('GIVEN perfect, reversed and one-class scores THEN 1, 0 and NaN', () => {
    expect(binaryAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(binaryAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(binaryAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});
