import { seededRandom } from '../../../lib/local/trainer/random';
import { sortFloat32 } from '../../../lib/local/trainer/sort-float32';

describe('sortFloat32', () => {
  test('GIVEN negatives, zeros of both signs, infinities, ties and subnormals THEN the order equals the native sort', () => {
    // Enough values for the radix path (short arrays sort natively).
    const special = [3.5, -0, 0, -1e-45, 1e-45, Infinity, -Infinity, -2, 2, -2, 1e30, -1e30, 0.1, 0];
    const values = Float32Array.from({ length: 20_000 }, (_, i) => special[i % special.length] * (1 + (i % 7)));
    const sorted = sortFloat32(values.slice());
    const native = values.slice().sort();
    expect(Array.from(sorted, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(Array.from(native, (v) => (Object.is(v, -0) ? '-0' : String(v))));
  });

  test('GIVEN 100,000 random values in a subarray THEN only that range is sorted, exactly as natively', () => {
    const random = seededRandom(3);
    const all = Float32Array.from({ length: 100_010 }, () => (random() - 0.4) * 1e6 * random());
    const original = all.slice();
    const view = all.subarray(5, 100_005);
    sortFloat32(view);
    expect(view).toEqual(original.slice(5, 100_005).sort());
    expect([...all.subarray(0, 5), ...all.subarray(100_005)]).toEqual([...original.subarray(0, 5), ...original.subarray(100_005)]);
  });

  test('GIVEN short arrays (sorted natively) THEN they come back sorted', () => {
    expect(sortFloat32(Float32Array.of(2, -1, 0.5))).toEqual(Float32Array.of(-1, 0.5, 2));
    expect(sortFloat32(new Float32Array(0))).toEqual(new Float32Array(0));
    expect(sortFloat32(Float32Array.of(-7))).toEqual(Float32Array.of(-7));
  });
});
