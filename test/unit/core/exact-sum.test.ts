import { execFileSync } from 'node:child_process';
import { ExactSum } from '../../../lambdas/core/features/exact-sum';
import { processDataset } from '../../../lambdas/core/features/process';
import { ValueHistogram } from '../../../lambdas/core/features/value-histogram';
import { seededRandom } from '../../../lib/local/trainer/random';
import { memorySink, textSource } from '../../helpers/sinks';
import { makeConfig } from '../../helpers/config';

function exactSumOf(values: readonly number[]): number {
  const sum = new ExactSum();
  values.forEach((v) => sum.add(v));
  return sum.value();
}

/** Python's math.fsum: an independent correctly rounded sum (values passed as exact hex floats). */
function fsum(lists: readonly (readonly number[])[]): number[] {
  const script = 'import json,math,sys\nprint(json.dumps([math.fsum(float.fromhex(h) for h in l) for l in json.load(sys.stdin)]))';
  const hex = lists.map((l) => l.map(hexOf));
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(hex) }).toString()) as number[];
}

function hexOf(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0x0p+0' : '0x0p+0';
  const words = new DataView(new Float64Array([value]).buffer);
  const bits = words.getBigUint64(0, true);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & 0xfffffffffffffn;
  const sign = bits >> 63n ? '-' : '';
  if (exponent === 0) return `${sign}0x0.${mantissa.toString(16).padStart(13, '0')}p-1022`;
  return `${sign}0x1.${mantissa.toString(16).padStart(13, '0')}p${exponent - 1023}`;
}

describe('ExactSum', () => {
  test('GIVEN values whose float sum loses digits THEN the sum is exact, in any order', () => {
    expect(exactSumOf([1e100, 1, -1e100])).toBe(1);
    expect(exactSumOf([0.1, 0.2, 0.3, -0.6])).toBe(fsum([[0.1, 0.2, 0.3, -0.6]])[0]);
    expect(exactSumOf([2 ** -1074, 2 ** -1074])).toBe(2 ** -1073);
    expect(exactSumOf([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Infinity);
    expect(exactSumOf([Infinity, -Infinity])).toBeNaN();
    expect(exactSumOf([])).toBe(0);
  });

  test('GIVEN random values over many magnitudes THEN the sum is the correctly rounded one (Python fsum) and order-independent', () => {
    const random = seededRandom(7);
    const lists = Array.from({ length: 40 }, () =>
      Array.from({ length: 300 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 600 - 300) * (random() < 0.05 ? 2 ** -800 : 1)),
    );
    const expected = fsum(lists);
    lists.forEach((values, i) => {
      expect(exactSumOf(values)).toBe(expected[i]);
      expect(exactSumOf([...values].reverse())).toBe(expected[i]);
      const merged = new ExactSum();
      merged.merge(ExactSum.fromJSON(JSON.parse(JSON.stringify(new ExactSum().toJSON()))));
      const left = new ExactSum();
      const right = new ExactSum();
      values.forEach((v, k) => (k % 3 === 0 ? left : right).add(v));
      merged.merge(ExactSum.fromJSON(JSON.parse(JSON.stringify(left.toJSON()))));
      merged.merge(right);
      expect(merged.value()).toBe(expected[i]);
    });
  });

  test("GIVEN training rows THEN the row kernel's exact sums equal ExactSum's (the baseline's mean and std)", async () => {
    const config = makeConfig({
      dataset: {
        name: 'sums',
        targetColumn: 'y',
        problemType: 'regression',
        positiveClass: undefined,
        columns: [
          { name: 'x', type: 'numeric' },
          { name: 'y', type: 'numeric' },
        ],
      },
      features: { validationShare: 0.2 },
      evaluation: { metric: undefined },
    });
    const random = seededRandom(11);
    const rows = Array.from({ length: 3000 }, () => [(random() - 0.4) * 10 ** Math.floor(random() * 30 - 10), random() * 1e6 - 3e5]);
    const text = ['x,y', ...rows.map((r) => r.join(','))].join('\n');
    const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
    const { baseline } = await processDataset([textSource('raw/sums.csv', text, 4096)], outputs, {
      dataset: config.dataset,
      features: config.features,
      maxBadRowShare: 0,
    });
    const trainRows = outputs.train.output.map((line) => line.split(',').map(Number));
    const histogram = new ValueHistogram();
    trainRows.forEach((r) => histogram.add(r[1]));
    const feature = baseline.features[0] as { mean: number; std: number };
    expect(feature.mean).toBe(histogram.mean);
    expect(feature.std).toBe(histogram.std);
    expect(baseline.label.mean).toBe(exactSumOf(trainRows.map((r) => r[0])) / trainRows.length);
  });
});
