import { Writable } from 'node:stream';
import { ShardedLineSink } from '../../../lambdas/core/io/sharded-sink';
import { writableSink } from '../../../lambdas/core/io/line-sink';
import { seededRandom } from '../../../lib/local/trainer/random';

function collected() {
  const chunks: Buffer[] = [];
  const sink = writableSink(new Writable({ write: (c: Buffer, _e, done) => void (chunks.push(Buffer.from(c)), done()) }));
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('rows sharded into part files', () => {
  test.each([
    [10, 3],
    [9, 3],
    [2, 5],
    [1000, 7],
  ])(
    'GIVEN %d rows in blocks cut at random line ends, over %d parts THEN each part holds its run of ⌈rows/parts⌉ rows and the parts in order are the rows',
    async (rows, partCount) => {
      const random = seededRandom(rows + partCount);
      const lines = Array.from({ length: rows }, (_, i) => `${i},${'x'.repeat(Math.floor(random() * 5))}\n`);
      const bytes = Buffer.from(lines.join(''));
      const parts = Array.from({ length: partCount }, collected);
      const sharded = new ShardedLineSink(parts.map((p) => p.sink));
      sharded.expectRows(rows);
      // Blocks of whole lines, of random sizes (as the feature code copies its scratch back).
      for (let line = 0, at = 0; line < rows;) {
        const take = 1 + Math.floor(random() * 40);
        const end = lines.slice(line, line + take).reduce((n, l) => n + Buffer.byteLength(l), at);
        sharded.appendBytes(bytes, at, end);
        await sharded.drain();
        line += take;
        at = end;
      }
      await sharded.close();
      const per = Math.ceil(rows / partCount);
      expect(sharded.rowsPerPart).toEqual(parts.map((_, k) => Math.max(0, Math.min(per, rows - k * per))));
      expect(parts.map((p) => p.text()).join('')).toBe(lines.join(''));
      parts.forEach((p, k) => expect(p.text()).toBe(lines.slice(k * per, (k + 1) * per).join('')));
    },
  );

  test('GIVEN no row count THEN the first row is refused (the parts could not be sized)', () => {
    const sharded = new ShardedLineSink([collected().sink]);
    expect(() => sharded.write('a')).toThrow('expectRows() must be called before the first row');
  });
});
