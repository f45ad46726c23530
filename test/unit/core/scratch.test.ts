import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { categoricalEncoding, type CategoricalEncoding } from '../../../lambdas/core/features/feature-spec';
import { CategoryCounter, CategoryIds, PlaceholderResolver, writePlaceholder } from '../../../lambdas/core/features/pending-categories';
import { assertScratchSpace, SpillDirectory } from '../../../lambdas/core/io/spill-file';
import { memorySink } from '../../helpers/sinks';

let parent: string;
beforeEach(() => (parent = mkdtempSync(join(tmpdir(), 'scratch-test-'))));
afterEach(() => rmSync(parent, { recursive: true, force: true }));

describe('scratch files', () => {
  test('GIVEN more input than free scratch disk THEN it fails at once, naming both sizes', () => {
    expect(() => assertScratchSpace(1e6, parent)).not.toThrow();
    expect(() => assertScratchSpace(1e18, parent)).toThrow(/^1000000000\.00 GB of input but only [\d.]+ GB free for scratch data in \/tmp\/scratch-test-/);
  });

  test('GIVEN a scratch write that fails THEN the line sink over it fails with that error', async () => {
    const scratch = new SpillDirectory(parent);
    const file = scratch.file('rows');
    const sink = file.sink();
    file.close();
    for (let i = 0; i < 15_000; i++) sink.write('0123456789'.repeat(4));
    await expect(sink.drain()).rejects.toThrow(/rows is closed/);
    // A full buffer hands its lines over at once, while the row is written.
    expect(() => {
      for (let i = 0; i < 30_000; i++) sink.write('0123456789'.repeat(4));
    }).toThrow(/rows is closed/);
    scratch.remove();
  });

  test('GIVEN a finished run THEN remove() deletes every scratch file', async () => {
    const scratch = new SpillDirectory(parent);
    scratch.file('a').write(new Uint8Array([1, 2, 3]));
    const sink = scratch.file('b').sink();
    sink.write('line');
    await sink.flush();
    scratch.remove();
    expect(readdirSync(parent)).toEqual([]);
  });

  test('GIVEN a reader that leaves bytes unconsumed THEN they come first in the next block (the buffer grows for a longer record); bytes left over at the end are an error', async () => {
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
    // Nothing consumed: the buffer grows to the whole file, and the end leaves it all over.
    await expect(file.readBack(new Uint8Array(8), () => 0)).rejects.toThrow(/17 bytes left over at the end/);
    await expect(file.readBack(new Uint8Array(64), (bytes) => bytes.length - 1)).rejects.toThrow(/1 bytes left over at the end/);
    scratch.remove();
  });
});

describe('category placeholders', () => {
  /** Two categorical columns fitted on training counts, sharing one id space. */
  function fitted(): { counters: CategoryCounter[]; encodings: CategoricalEncoding[]; resolver: () => PlaceholderResolver } {
    const ids = new CategoryIds();
    const counters = [new CategoryCounter(ids), new CategoryCounter(ids)];
    for (const city of ['rome', 'paris', 'paris', 'oslo', 'paris', 'rome']) counters[0].count(city);
    for (const plan of ['pro', 'basic', 'pro']) counters[1].count(plan);
    const encodings = counters.map((c, i) => categoricalEncoding(`c${i}`, c.countsByValue(), 2) as CategoricalEncoding);
    const codes: Uint8Array[] = [];
    counters.forEach((c, i) => c.fillCodes(encodings[i], codes));
    // Features: city, score, plan, flag, count; the resolver looks encodings up by feature index.
    return { counters, encodings, resolver: () => new PlaceholderResolver(codes, [encodings[0], undefined, encodings[1], undefined, undefined]) };
  }

  test('GIVEN ids, texts with marker, newline and multi-byte characters THEN every read-buffer size gives the same rows', async () => {
    const { counters, resolver } = fitted();
    const scratch = new SpillDirectory(parent);
    const file = scratch.file('rows');
    const sink = file.sink();
    const rows: [string, string, string, string, string][] = [
      ['paris', '2.5', 'pro', '1', '7'],
      ['oslo', '', 'basic', '0', '-0.25'],
      ['a\u0001b\nc', '1e2', 'pro', '', '12'], // never counted: written as text, resolves to "unseen"
      ['rome', '+4', 'zürich', '1', ''],
      ['', '0', '', '0', '3'],
    ];
    for (const [city, score, plan, flag, count] of rows) {
      // As pass 1 writes rows: straight into the sink's buffer.
      const out = sink.reserve(256);
      let at = sink.end;
      const ascii = (text: string) => {
        for (let k = 0; k < text.length; k++) out[at++] = text.charCodeAt(k);
      };
      ascii('1,');
      if (city) at = writePlaceholder(out, at, counters[0].idOf(city), city, 0);
      ascii(`,${score},`);
      if (plan) at = writePlaceholder(out, at, counters[1].idOf(plan), plan, 2);
      ascii(`,${flag},${count}\n`);
      sink.endRow(at);
    }
    await sink.flush();
    const expected = ['1,0,2.5,0,1,7', '1,2,,1,0,-0.25', '1,3,1e2,0,,12', '1,1,+4,3,1,', '1,,0,,0,3'];
    for (const size of [1, 6, 7, 8, 14, 15, 17, 64, 4096]) {
      const out = memorySink();
      const reader = resolver();
      await file.readBack(new Uint8Array(size), (bytes, atEnd) => {
        const { length, consumed } = reader.resolve(bytes, atEnd);
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
    expect(counters[1].countsByCode(encodings[1])).toEqual([2, 1, 0, 0]);
  });

  test('GIVEN data that ends inside a placeholder THEN it fails instead of writing a partial row', () => {
    const { resolver } = fitted();
    expect(() => resolver().resolve(new Uint8Array([49, 44, 1, 0, 0]), true)).toThrow('scratch data ends inside a category placeholder');
  });
});
