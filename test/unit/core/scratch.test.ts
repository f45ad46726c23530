import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { categoricalEncoding, type CategoricalEncoding } from '../../../lambdas/core/features/feature-spec';
import { CategoryCounter, resolvePlaceholders, writePlaceholder, type PendingColumn } from '../../../lambdas/core/features/pending-categories';
import { NumberSpill, SpillDirectory } from '../../../lambdas/core/io/spill-file';
import { memorySink } from '../../helpers/sinks';

let parent: string;
beforeEach(() => (parent = mkdtempSync(join(tmpdir(), 'scratch-test-'))));
afterEach(() => rmSync(parent, { recursive: true, force: true }));

describe('scratch files', () => {
  test('GIVEN rows of numbers over several read blocks THEN they come back whole and in order, NaN included, and remove() deletes everything', async () => {
    const scratch = new SpillDirectory(parent);
    const spill = new NumberSpill(scratch.file('values.f64'));
    const written = Array.from({ length: 300_003 }, (_, i) => (i % 7 === 0 ? Number.NaN : i * 0.1 - 5));
    written.forEach((v) => spill.push(v));
    const read: number[] = [];
    let blocks = 0;
    await spill.readBack(3, (values, rows) => {
      blocks++;
      for (let k = 0; k < rows * 3; k++) read.push(values[k]);
    });
    expect(blocks).toBeGreaterThan(2);
    expect(read).toHaveLength(written.length);
    expect(read.filter((v, i) => !Object.is(v, written[i]))).toEqual([]);
    scratch.remove();
    expect(readdirSync(parent)).toEqual([]);
  });

  test('GIVEN a reader that leaves bytes unconsumed THEN they come first in the next block; a record larger than the buffer, or left over at the end, is an error', async () => {
    const scratch = new SpillDirectory(parent);
    const file = scratch.file('lines');
    file.write(new TextEncoder().encode('alpha\nbeta\ngamma\n'));
    const lines: string[] = [];
    await file.readBack(new Uint8Array(8), (bytes) => {
      const end = bytes.lastIndexOf(10) + 1;
      lines.push(...new TextDecoder().decode(bytes.subarray(0, end)).split('\n').filter(Boolean));
      return end;
    });
    expect(lines).toEqual(['alpha', 'beta', 'gamma']);
    await expect(file.readBack(new Uint8Array(8), () => 0)).rejects.toThrow(/a record is larger than the read buffer \(8 bytes\)/);
    await expect(file.readBack(new Uint8Array(64), (bytes) => bytes.length - 1)).rejects.toThrow(/1 bytes left over at the end/);
    scratch.remove();
  });
});

describe('category placeholders', () => {
  /** Two categorical columns fitted on training counts. */
  function fitted(): { counters: CategoryCounter[]; columns: PendingColumn[]; encodings: CategoricalEncoding[] } {
    const counters = [new CategoryCounter(), new CategoryCounter()];
    for (const city of ['rome', 'paris', 'paris', 'oslo', 'paris', 'rome']) counters[0].count(city);
    for (const plan of ['pro', 'basic', 'pro']) counters[1].count(plan);
    const encodings = counters.map((c, i) => categoricalEncoding(`c${i}`, c.countsByValue(), 2) as CategoricalEncoding);
    return { counters, encodings, columns: counters.map((c, i) => ({ encoding: encodings[i], codes: c.codeBytes(encodings[i]) })) };
  }

  test('GIVEN ids, texts with marker, newline and multi-byte characters THEN every read-buffer size gives the same output', async () => {
    const { counters, columns } = fitted();
    const scratch = new SpillDirectory(parent);
    const file = scratch.file('rows');
    const sink = file.sink();
    const rows: [string, string][] = [
      ['paris', 'pro'],
      ['oslo', 'basic'],
      ['a\u0001b\nc', 'pro'], // never counted: written as text, resolves to "unseen"
      ['rome', 'zürich'],
    ];
    for (const [city, plan] of rows) {
      sink.appendAscii('1,');
      writePlaceholder(sink, 0, counters[0].idOf(city), city);
      sink.appendAscii(',2.5,');
      writePlaceholder(sink, 1, counters[1].idOf(plan), plan);
      sink.endLine();
    }
    await sink.flush();
    const expected = ['1,0,2.5,0', '1,2,2.5,1', '1,3,2.5,0', '1,1,2.5,3'];
    for (const size of [12, 13, 17, 64, 4096]) {
      const out = memorySink();
      await file.readBack(new Uint8Array(size), (bytes, atEnd) => {
        const { length, consumed } = resolvePlaceholders(bytes, columns, atEnd);
        out.appendBytes(bytes, 0, length);
        return consumed;
      });
      expect(out.output).toEqual(expected);
    }
    scratch.remove();
  });

  test('GIVEN the fitted encoding THEN the baseline counts by code add up the training counts (other pooled)', () => {
    const { counters, encodings } = fitted();
    // paris 3 → code 0, rome 2 → code 1, oslo 1 → other (2), unseen (3) never counted.
    expect(counters[0].countsByCode(encodings[0])).toEqual([3, 2, 1, 0]);
  });

  test('GIVEN data that ends inside a placeholder THEN it fails instead of writing a partial row', () => {
    const { columns } = fitted();
    const bytes = new Uint8Array([49, 44, 1, 0, 0]);
    expect(() => resolvePlaceholders(bytes, columns, true)).toThrow('scratch data ends inside a category placeholder');
  });
});
