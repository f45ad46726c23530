import { ByteTable, hashOf } from '../../../lambdas/core/features/byte-table';

const encoder = new TextEncoder();

function get(table: ByteTable, bytes: Uint8Array, start = 0, end = bytes.length): number {
  return table.getHashed(bytes, start, end, hashOf(bytes, start, end));
}

describe('ByteTable', () => {
  test('GIVEN many keys (the table grows and rehashes) THEN every key finds its own value and unknown keys find -1', () => {
    const table = new ByteTable();
    const keys = Array.from({ length: 5000 }, (_, i) => `key-${i}-${'x'.repeat(i % 7)}`);
    keys.forEach((key, i) => {
      const bytes = encoder.encode(key);
      table.set(bytes, 0, bytes.length, i);
    });
    keys.forEach((key, i) => {
      // Looked up inside a larger buffer, as the fast path does with a field of a row.
      const bytes = encoder.encode(`,"${key}",`);
      expect(get(table, bytes, 2, bytes.length - 2)).toBe(i);
    });
    for (const unknown of ['key-5000', 'key-1-xx', '', 'KEY-1-x']) {
      const bytes = encoder.encode(unknown);
      expect(get(table, bytes)).toBe(-1);
    }
  });

  test('GIVEN keys that differ only in their bytes, not their length, and multi-byte text THEN they stay apart', () => {
    const table = new ByteTable();
    const keys = ['ab', 'ba', 'zürich', 'zurich', '東京'];
    keys.forEach((key, i) => {
      const bytes = encoder.encode(key);
      table.set(bytes, 0, bytes.length, i * 10);
    });
    keys.forEach((key, i) => {
      const bytes = encoder.encode(key);
      expect(get(table, bytes)).toBe(i * 10);
    });
  });

  test('GIVEN a full table THEN further keys are not kept (callers take their slow way) and the kept ones still answer', () => {
    const table = new ByteTable(3);
    ['a', 'b', 'c', 'd'].forEach((key, i) => table.set(encoder.encode(key), 0, 1, i));
    expect(['a', 'b', 'c', 'd'].map((key) => get(table, encoder.encode(key)))).toEqual([0, 1, 2, -1]);
  });
});
