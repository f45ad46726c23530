import type { MlopsConfig } from '../../../lib/config';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRawFeatures } from '../../../lambdas/core/features/feature-spec';
import { MAX_TRACKED_CATEGORIES } from '../../../lambdas/core/features/pending-categories';
import { DataValidationError, processDataset, type DataSource } from '../../../lambdas/core/features/process';
import { HeaderError } from '../../../lambdas/core/features/validate';
import { memorySink, textSource } from '../../helpers/sinks';
import { subscriptionsConfig } from '../../helpers/subscriptions';

/** A small data set with every column type and rule. */
const config: MlopsConfig = subscriptionsConfig({ validationShare: 0.25, topCategories: 2, numericBins: 4 });

const HEADER = 'id,age,plan,active,city,score,label';
const CITIES = ['paris', 'paris', 'paris', 'rome', 'rome', 'oslo'];

/** n good rows; ids are unique so the split is by id. */
function goodRows(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `c${i},${20 + (i % 50)},${['basic', 'pro'][i % 2]},${i % 3 === 0 ? 'yes' : 'no'},${CITIES[i % CITIES.length]},,${i % 4 === 0 ? 'yes' : 'no'}`;
  });
}

async function run(sources: DataSource[], maxBadRowShare = 0.5, settings: MlopsConfig = config, scratchDirectory?: string) {
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const result = await processDataset(sources, outputs, { dataset: settings.dataset, features: settings.features, maxBadRowShare, scratchDirectory });
  return { ...result, outputs };
}

async function runText(text: string, maxBadRowShare?: number) {
  return run([textSource('raw/data.csv', text)], maxBadRowShare);
}

async function failure(text: string, maxBadRowShare?: number): Promise<Error> {
  try {
    await runText(text, maxBadRowShare);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the run to fail');
}

function quarantined(outputs: Awaited<ReturnType<typeof run>>['outputs']) {
  return outputs.quarantine.output.map(
    (l) => JSON.parse(l) as { file: string; line: number; issues: { column: string; value: string; reason: string }[]; fields: string[] },
  );
}

describe('processDataset: rows', () => {
  test.each<[string, string, { line: number; column: string; value: string; reason: string }]>([
    ['a wrong column count', 'c900,30,basic,yes,paris,1', { line: 2, column: '(row)', value: '', reason: 'expected 7 fields, found 6' }],
    ['a trailing delimiter the header lacks', 'c900,30,basic,yes,paris,1,no,', { line: 2, column: '(row)', value: '', reason: 'expected 7 fields, found 8' }],
    ['text in a numeric column', 'c900,thirty,basic,yes,paris,1,no', { line: 2, column: 'age', value: 'thirty', reason: 'not a number' }],
    ['a hex literal in a numeric column', 'c900,0x1F,basic,yes,paris,1,no', { line: 2, column: 'age', value: '0x1F', reason: 'not a number' }],
    ['a value above the maximum', 'c900,130,basic,yes,paris,1,no', { line: 2, column: 'age', value: '130', reason: 'above the maximum 120' }],
    ['a value below the minimum', 'c900,-1,basic,yes,paris,1,no', { line: 2, column: 'age', value: '-1', reason: 'below the minimum 0' }],
    ['a bad boolean', 'c900,30,basic,maybe,paris,1,no', { line: 2, column: 'active', value: 'maybe', reason: 'not a boolean (yes/no, true/false, 1/0)' }],
    ['a category outside the allowed values', 'c900,30,gold,yes,paris,1,no', { line: 2, column: 'plan', value: 'gold', reason: 'not an allowed value' }],
    ['a missing target', 'c900,30,basic,yes,paris,1,', { line: 2, column: 'label', value: '', reason: 'missing' }],
    ['an invalid target', 'c900,30,basic,yes,paris,1,maybe', { line: 2, column: 'label', value: 'maybe', reason: 'not an allowed value' }],
    ['a missing required id', ',30,basic,yes,paris,1,no', { line: 2, column: 'id', value: '', reason: 'missing' }],
  ])('GIVEN %s THEN the row is quarantined with its line, column and reason, and good rows continue', async (_case, badRow, issue) => {
    const { outputs, summary } = await runText([HEADER, badRow, ...goodRows(40)].join('\n'));
    const { line, ...problem } = issue;
    expect(quarantined(outputs)).toEqual([{ file: 'raw/data.csv', line, issues: [problem], fields: badRow.split(',') }]);
    expect(summary).toMatchObject({ rowsRead: 41, accepted: 40, rejected: 1, rejectedByReason: { [`${issue.column}: ${issue.reason}`]: 1 } });
    expect(outputs.train.output.length + outputs.validation.output.length).toBe(40);
  });

  test('GIVEN a row with several problems THEN each is listed and the original fields are kept', async () => {
    const { outputs } = await runText([HEADER, 'c900,abc,gold,maybe,paris,1,no', ...goodRows(20)].join('\r\n'));
    expect(quarantined(outputs)).toEqual([
      {
        file: 'raw/data.csv',
        line: 2,
        issues: [
          { column: 'age', value: 'abc', reason: 'not a number' },
          { column: 'plan', value: 'gold', reason: 'not an allowed value' },
          { column: 'active', value: 'maybe', reason: 'not a boolean (yes/no, true/false, 1/0)' },
        ],
        fields: ['c900', 'abc', 'gold', 'maybe', 'paris', '1', 'no'],
      },
    ]);
  });

  test('GIVEN quoted fields with embedded newlines THEN quarantine line numbers point at the row start in the file', async () => {
    const text = [HEADER, 'c1,30,basic,yes,"multi\nline city",,no', 'c2,x,basic,yes,paris,,no', ...goodRows(20, 10)].join('\n');
    const { outputs } = await runText(text);
    expect(quarantined(outputs).map((q) => q.line)).toEqual([4]);
  });

  test('GIVEN empty lines THEN they are skipped and counted, not rows', async () => {
    const { summary } = await runText([HEADER, '', ...goodRows(20), '', ''].join('\n'));
    expect(summary.files[0]).toMatchObject({ rowsRead: 20, blankLines: 2, rejected: 0 });
  });

  test('GIVEN a missing optional value THEN the row is kept and the value is empty in the output (XGBoost missing)', async () => {
    const { outputs, spec } = await runText([HEADER, ...goodRows(30)].join('\n'));
    const scoreIndex = spec.features.findIndex((f) => f.name === 'score') + 1;
    for (const line of [...outputs.train.output, ...outputs.validation.output]) expect(line.split(',')[scoreIndex]).toBe('');
  });

  test('GIVEN an all-missing column THEN the baseline says so and has no bins to judge', async () => {
    const { baseline } = await runText([HEADER, ...goodRows(30)].join('\n'));
    expect(baseline.features.find((f) => f.name === 'score')).toMatchObject({ type: 'numeric', missingShare: 1, edges: [], counts: [0] });
  });

  test('GIVEN too many bad rows THEN the run fails with the share, the limit and the commonest reasons', async () => {
    const bad = Array.from({ length: 10 }, (_, i) => `c${900 + i},old,basic,yes,paris,,no`);
    const err = await failure([HEADER, ...bad, ...goodRows(30)].join('\n'), 0.2);
    expect(err).toBeInstanceOf(DataValidationError);
    expect(err.message).toBe(
      '10 of 40 rows (25.0%) were rejected, more than the allowed 20.0% (retraining.maxBadRowShare). Most common: age: not a number (10). Rejected rows are in the quarantine file.',
    );
  });
});

describe('processDataset: files', () => {
  test.each<[string, string, string]>([
    ['an empty file', '', 'raw/data.csv: the file is empty'],
    ['a header-only file', `${HEADER}\n`, 'raw/data.csv: the file has a header but no data rows'],
    [
      'a missing column',
      'id,age,plan,active,city,label\nc1,1,basic,yes,paris,no\n',
      'raw/data.csv: line 1: missing column "score" (header has: id, age, plan, active, city, label)',
    ],
    ['a duplicate header', 'id,age,plan,active,city,score,label,age\n', 'raw/data.csv: line 1, column 8: duplicate header "age" (also column 2)'],
    [
      'a huge line',
      `${HEADER}\nc1,30,basic,yes,${'x'.repeat(1_100_000)},,no\n`,
      'raw/data.csv: line 2: a record is longer than the limit of 1048576 characters (a missing closing quote, or not a CSV file?)',
    ],
  ])('GIVEN %s THEN the run fails with a message naming the file', async (_case, text, message) => {
    const err = await failure(text);
    expect(err.message).toBe(message);
    expect(err instanceof DataValidationError || err instanceof HeaderError || err.name === 'CsvFormatError').toBe(true);
  });

  test('GIVEN a file that is not UTF-8 (Latin-1) THEN the run fails naming the file, line and byte', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\nc1,30,basic,yes,par`), Buffer.from([0xe9]), Buffer.from(',,no\n')]);
    const source: DataSource = {
      name: 'raw/latin1.csv',
      chunks: async function* () {
        yield bytes;
      },
    };
    await expect(run([source])).rejects.toThrow('raw/latin1.csv: line 2: not valid UTF-8 (byte offset 55); save the file as UTF-8');
  });

  test('GIVEN columns in another order and an unknown extra column THEN the output is identical and the extra column is reported', async () => {
    const rows = goodRows(40);
    const canonical = await runText([HEADER, ...rows].join('\n'));
    const reordered = rows.map((r) => {
      const [id, age, plan, active, city, score, label] = r.split(',');
      return [label, 'ignored', city, score, active, plan, age, id].join(',');
    });
    const shuffled = await runText(['label,notes,city,score,active,plan,age,id', ...reordered].join('\n'));
    expect(shuffled.outputs.train.output).toEqual(canonical.outputs.train.output);
    expect(shuffled.outputs.validation.output).toEqual(canonical.outputs.validation.output);
    expect(shuffled.summary.files[0].unknownColumns).toEqual(['notes']);
  });

  test('GIVEN several files THEN all rows are processed and quarantine names each file', async () => {
    const { summary, outputs } = await run([
      textSource('raw/a.csv', [HEADER, ...goodRows(20), 'c900,x,basic,yes,paris,,no'].join('\n')),
      textSource('raw/b.csv', [HEADER, ...goodRows(20, 20)].join('\n')),
    ]);
    expect(summary.files.map((f) => [f.name, f.rowsRead, f.rejected])).toEqual([
      ['raw/a.csv', 21, 1],
      ['raw/b.csv', 20, 0],
    ]);
    expect(quarantined(outputs)[0]).toMatchObject({ file: 'raw/a.csv', line: 22 });
    expect(summary.train + summary.validation).toBe(40);
  });
});

describe('processDataset: features', () => {
  test('GIVEN training rows THEN the output is SageMaker XGBoost CSV: no header, label first, features in spec order', async () => {
    const { outputs, spec } = await runText([HEADER, ...goodRows(60)].join('\n'));
    expect(spec.features.map((f) => f.name)).toEqual(['age', 'plan', 'active', 'city', 'score']);
    for (const line of outputs.train.output) expect(line).toMatch(/^[01],\d+,\d,[01],\d,$/);
  });

  test('GIVEN category frequencies THEN codes rank by training frequency with one code for "other" and one for unseen', async () => {
    const { spec } = await runText([HEADER, ...goodRows(120)].join('\n'));
    const city = spec.features.find((f) => f.name === 'city');
    expect(city).toEqual({ name: 'city', type: 'categorical', codes: { paris: 0, rome: 1 }, otherValues: ['oslo'], otherCode: 2, unseenCode: 3 });
  });

  test('GIVEN the same rows THEN serving-time encoding equals the training output exactly', async () => {
    const rows = goodRows(80);
    const { outputs, spec } = await runText([HEADER, ...rows].join('\n'));
    const byId = new Map(rows.map((r) => [r.split(',')[0], r.split(',')]));
    const encoded = [...byId.values()].map((f) => `${f[6] === 'yes' ? 1 : 0},${encodeRawFeatures(spec, [f[1], f[2], f[3], f[4], f[5]]).join(',')}`);
    expect([...outputs.train.output, ...outputs.validation.output].sort()).toEqual(encoded.sort());
    const cityCodes = spec.features[3];
    expect(encodeRawFeatures(spec, ['30', 'basic', 'no', 'oslo', ''])[3]).toBe(String((cityCodes as { otherCode: number }).otherCode));
    expect(encodeRawFeatures(spec, ['30', 'basic', 'no', 'berlin', ''])[3]).toBe(String((cityCodes as { unseenCode: number }).unseenCode));
    expect(() => encodeRawFeatures(spec, ['old', 'basic', 'no', 'oslo', ''])).toThrow('feature "age": "old" is not a number');
  });

  test('GIVEN the same ids THEN each row lands in the same split on every run, whatever else the data holds', async () => {
    const first = await runText([HEADER, ...goodRows(100)].join('\n'));
    const second = await runText([HEADER, ...goodRows(100, 50), ...goodRows(50)].join('\n'));
    // Rows 0..99 appear in both runs: their label/feature lines must be in the same split.
    expect(second.outputs.validation.output).toEqual(expect.arrayContaining(first.outputs.validation.output));
    expect(first.summary.validation).toBeGreaterThan(10);
    expect(first.summary.validation).toBeLessThan(45);
  });

  test('GIVEN numeric training values THEN the baseline bins hold exact counts and quantile edges', async () => {
    const { baseline, summary } = await runText([HEADER, ...goodRows(200)].join('\n'));
    const age = baseline.features.find((f) => f.name === 'age')!;
    expect(age.type).toBe('numeric');
    if (age.type !== 'numeric') return;
    expect(age.counts.reduce((a, b) => a + b, 0)).toBe(summary.train);
    expect(age.edges).toHaveLength(3);
    expect(age.edgeMethod).toEqual({ kind: 'histogram', relativeError: 2 ** -10 });
    // Quartile bins of a near-uniform column hold about a quarter each.
    for (const count of age.counts) expect(count / summary.train).toBeGreaterThan(0.15);
    expect(baseline.label.positiveShare).toBeCloseTo(0.25, 1);
  });

  test('GIVEN numeric columns side by side (copied as one run when written plainly) THEN output and baseline equal those of the same rows with the columns apart', async () => {
    const numbers: MlopsConfig = {
      ...config,
      dataset: {
        ...config.dataset,
        name: 'runs',
        columns: [
          config.dataset.columns[0],
          ...['a', 'b', 'c'].map((name) => ({ name, type: 'numeric' as const, required: false })),
          { name: 'label', type: 'categorical', required: false },
        ],
      },
    };
    // Plain values, and every form that must not be copied as is: quoted, blanks, missing tokens.
    const forms = ['1.5', '"2"', ' 3 ', 'NA', '', '+4', '1e2', '-0.25', 'nan', '"7"', '12'];
    const rows = Array.from({ length: 300 }, (_, i) => ({
      id: `r${i}`,
      a: forms[i % forms.length],
      b: forms[(i * 7) % forms.length],
      c: String(i % 13),
      label: i % 3 === 0 ? 'yes' : 'no',
    }));
    const side = ['id,a,b,c,label', ...rows.map((r) => [r.id, r.a, r.b, r.c, r.label].join(','))].join('\n');
    const apart = ['c,id,label,b,a', ...rows.map((r) => [r.c, r.id, r.label, r.b, r.a].join(','))].join('\n');
    const process = (text: string) => run([textSource('raw/data.csv', text)], 0, numbers);
    const [together, separate] = [await process(side), await process(apart)];
    expect(together.outputs.train.output).toEqual(separate.outputs.train.output);
    expect(together.outputs.validation.output).toEqual(separate.outputs.validation.output);
    expect(together.baseline).toEqual(separate.baseline);
    const all = [...together.outputs.train.output, ...together.outputs.validation.output];
    // Rows 0, 1 and 3: plain, quoted + plain, missing token + plain.
    expect(all).toEqual(expect.arrayContaining(['1,1.5,1.5,0', '0,2,-0.25,1', '1,,12,3']));
  });

  test('GIVEN categories only in validation rows, quoted ones with commas and line breaks THEN each gets the code serving gives it', async () => {
    // The only rows with these cities; ids v20 and v21 split into validation.
    const rows = [...goodRows(150), 'v20,30,pro,no,lima,,no', 'v21,31,basic,yes,"new\nyork, ny",,no'];
    const { outputs, spec } = await runText([HEADER, ...rows].join('\n'));
    const city = spec.features[3];
    if (city.type !== 'categorical') throw new Error('city is categorical');
    expect(outputs.validation.output).toEqual(expect.arrayContaining([`0,30,1,0,${city.unseenCode},`, `0,31,0,1,${city.unseenCode},`]));
    const encoded = rows
      .map((r) => r.match(/^(\w+),(\d+),(\w+),(\w+),([^]*),,(\w+)$/)!)
      .map((m) => `${m[6] === 'yes' ? 1 : 0},${encodeRawFeatures(spec, [m[2], m[3], m[4], m[5].replace(/^"|"$/g, ''), '']).join(',')}`);
    expect([...outputs.train.output, ...outputs.validation.output].sort()).toEqual(encoded.sort());
  });

  test('GIVEN more distinct training categories than are tracked THEN the rest are encoded as never seen, as serving encodes them', async () => {
    const distinct = MAX_TRACKED_CATEGORIES + 50;
    const rows = Array.from({ length: distinct }, (_, i) => `c${i},30,basic,yes,city${i},,${i % 4 === 0 ? 'yes' : 'no'}`);
    const { outputs, spec, summary } = await run([textSource('raw/data.csv', [HEADER, ...rows].join('\n'), 1 << 20)], 0);
    const city = spec.features[3];
    if (city.type !== 'categorical') throw new Error('city is categorical');
    expect(Object.keys(city.codes).length + city.otherValues.length).toBeLessThanOrEqual(MAX_TRACKED_CATEGORIES);
    const codes = [...outputs.train.output, ...outputs.validation.output].map((line) => line.split(',')[4]);
    expect(codes).toHaveLength(summary.accepted);
    expect(codes.filter((code) => code === String(city.unseenCode)).length).toBeGreaterThanOrEqual(50);
    const lastRow = encodeRawFeatures(spec, ['30', 'basic', 'yes', `city${distinct - 1}`, '']);
    expect(lastRow[3]).toBe(String(city.unseenCode));
  });

  test('GIVEN rows with two categorical features THEN the scratch held the output plus 4 bytes per placeholder (a 5-byte placeholder for a 1-digit code), and the summary says so', async () => {
    const { outputs, summary } = await runText([HEADER, ...goodRows(60)].join('\n'));
    const outputBytes = [...outputs.train.output, ...outputs.validation.output].reduce((n, line) => n + line.length + 1, 0);
    expect(summary.scratchBytes).toBe(outputBytes + 2 * 4 * summary.accepted);
  });

  test('GIVEN a run that succeeds or fails THEN its scratch files are removed', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'process-scratch-'));
    try {
      await run([textSource('raw/data.csv', [HEADER, ...goodRows(40)].join('\n'))], 0.5, config, scratch);
      await expect(run([textSource('raw/data.csv', [HEADER, 'c1,old,basic,yes,rome,,no'].join('\n'))], 0.5, config, scratch)).rejects.toThrow(
        DataValidationError,
      );
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
