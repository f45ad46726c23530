import { parseTrainingCsv, TrainingCsvParser } from '../../../lib/local/trainer/training-data';
import { seededRandom } from '../../../lib/local/trainer/random';

/** The trainer's channel parser takes bytes as they arrive: any chunking gives the same dataset. */
function csv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const fields = [String(random() < 0.5 ? 0 : 1)];
    for (let c = 0; c < 5; c++) fields.push(random() < 0.1 ? '' : String(Math.round(random() * 1e6) / 1e3));
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('TrainingCsvParser', () => {
  test('GIVEN the same bytes cut at 200 random places (inside numbers, at newlines, in multi-object channels) THEN the dataset is identical to parsing them whole', () => {
    const text = csv(3000, 11);
    const whole = parseTrainingCsv(text, 'train');
    expect(whole.rows).toBe(3000);
    const bytes = new TextEncoder().encode(text);
    const random = seededRandom(5);
    for (let trial = 0; trial < 200; trial++) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * bytes.length)).sort((a, b) => a - b);
      const parser = new TrainingCsvParser('train');
      // An object boundary at a line end: the channel's part files.
      const split = text.indexOf('\n', Math.floor(bytes.length / 2)) + 1;
      parser.begin('part-00000.csv');
      let at = 0;
      for (const cut of [...cuts.filter((c) => c < split), split]) {
        parser.push(bytes.subarray(at, cut));
        at = cut;
      }
      parser.begin('part-00001.csv');
      for (const cut of [...cuts.filter((c) => c > split), bytes.length]) {
        parser.push(bytes.subarray(at, cut));
        at = cut;
      }
      const pieces = parser.end();
      expect(pieces.rows).toBe(whole.rows);
      expect(Buffer.from(pieces.features.buffer).equals(Buffer.from(whole.features.buffer))).toBe(true);
      expect(Buffer.from(pieces.labels.buffer).equals(Buffer.from(whole.labels.buffer))).toBe(true);
    }
  });

  test('GIVEN a bad value in the second object THEN the error names the object, its line and the column', () => {
    const parser = new TrainingCsvParser('train channel');
    parser.begin('s3://data/features/run/train/part-00000.csv');
    parser.push(new TextEncoder().encode('1,2,3\n0,4,5\n'));
    parser.begin('s3://data/features/run/train/part-00001.csv');
    parser.push(new TextEncoder().encode('1,2,3\n0,x'));
    expect(() => parser.push(new TextEncoder().encode(',5\n'))).toThrow(
      'train channel (s3://data/features/run/train/part-00001.csv): line 2, column 2: "x" is not a number',
    );
  });

  test('GIVEN a last object without a final newline, or no rows at all THEN the row is kept / the channel is refused', () => {
    const parser = new TrainingCsvParser('validation channel');
    parser.begin('a');
    parser.push(new TextEncoder().encode('1,2'));
    parser.begin('b');
    parser.push(new TextEncoder().encode('0,3'));
    expect(parser.end()).toMatchObject({ rows: 2, columns: 1 });
    expect(() => new TrainingCsvParser('validation channel').end()).toThrow('validation channel: no rows');
  });
});
