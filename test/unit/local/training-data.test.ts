import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { featureColumn, train } from '../../../lib/local/trainer/gbt-trainer';
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
      expect(Buffer.from(pieces.features!.buffer).equals(Buffer.from(whole.features!.buffer))).toBe(true);
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

describe('channels spilled column by column', () => {
  const params = {
    objective: 'binary:logistic',
    numRound: 8,
    maxDepth: 4,
    eta: 0.3,
    subsample: 0.8,
    minChildWeight: 1,
    lambda: 1,
    evalMetric: 'auc',
    seed: 3,
  } as const;
  const spilled = (text: string, name: string) => {
    const directory = mkdtempSync(path.join(tmpdir(), 'mlops-spill-test-'));
    const parser = new TrainingCsvParser(name, directory);
    parser.push(new TextEncoder().encode(text));
    return { dataset: parser.end(), directory };
  };

  test('GIVEN a channel parsed with a spill directory THEN each feature is a float32 file of its own, with the values the in-memory parse holds, and nothing of the features in memory', () => {
    const text = csv(2500, 21);
    const { dataset, directory } = spilled(text, 'train');
    const memory = parseTrainingCsv(text, 'train');
    expect(dataset.features).toBeUndefined();
    expect(readdirSync(directory).sort()).toEqual(['feature-0.f32', 'feature-1.f32', 'feature-2.f32', 'feature-3.f32', 'feature-4.f32']);
    expect(statSync(path.join(directory, 'feature-0.f32')).size).toBe(2500 * 4);
    for (let f = 0; f < 5; f++) expect(Buffer.from(featureColumn(dataset, f).buffer).equals(Buffer.from(featureColumn(memory, f).buffer))).toBe(true);
    expect(dataset.labels).toEqual(memory.labels);
  });

  test('GIVEN the same channels spilled and in memory THEN the trained models are identical (trees, thresholds, leaf values and metric history)', () => {
    const trainText = csv(3000, 31);
    const validationText = csv(800, 32);
    const fromDisk = train(spilled(trainText, 'train').dataset, spilled(validationText, 'validation').dataset, params);
    const inMemory = train(parseTrainingCsv(trainText, 'train'), parseTrainingCsv(validationText, 'validation'), params);
    expect(JSON.stringify(fromDisk)).toBe(JSON.stringify(inMemory));
    expect(fromDisk.trees).toHaveLength(8);
  });

  test('GIVEN a feature file shorter than the rows THEN reading it fails naming the file and both sizes', () => {
    const { dataset } = spilled(csv(100, 41), 'train');
    expect(() => featureColumn({ ...dataset, rows: 101 }, 2)).toThrow(/feature-2\.f32 holds 400 bytes, expected 404 \(101 rows\)/);
  });
});
