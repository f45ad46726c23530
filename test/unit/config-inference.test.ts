import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseConfig, type MlopsConfig } from '../../lib/config';
import { datasetNameOf, inferConfig, InferenceError, type InferenceResult } from '../../lib/config/infer-config';
import { formatInference } from '../../lib/config/inference-table';
import { checkData, formatCheck } from '../../lib/local/cli/check-data';

/** `mlops init` (a config inferred from a CSV) and `mlops check` (the validation dry run). */
const root = path.join(__dirname, '..', '..');
const SAMPLE = path.join(root, 'data', 'mlc_churn.csv');
const dir = mkdtempSync(path.join(tmpdir(), 'mlops-init-'));
const file = (name: string, content: string | Buffer) => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};

/** Mixed types, missing tokens, an identifier, free text, a constant and a three-class target. */
function messyCsv(rows = 400): string {
  const lines = ['customer_id,age,plan,active,comment,balance,region_code,constant,segment'];
  for (let i = 0; i < rows; i++) {
    const age = i % 17 === 0 ? ['NA', '', 'null'][i % 3] : String(18 + ((i * 7) % 60));
    const comment = `"customer ${i} wrote a long comment, with words and a comma"`;
    lines.push(
      `${1000 + i},${age},${['basic', 'pro', 'team'][i % 3]},${i % 2 ? 'Y' : 'N'},${comment},${(i * 13.37) % 500},R${i % 5},same,${['gold', 'silver', 'bronze', 'bronze'][i % 4]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const kinds = (result: InferenceResult) => Object.fromEntries(result.columns.map((c) => [c.name, c.kind]));

describe('mlops init: inference', () => {
  test("GIVEN the shipped sample THEN every inferred type equals config/churn.json's, the problem is binary with positive class yes, and the config validates", async () => {
    const result = await inferConfig({ file: SAMPLE, target: 'churn' });
    const shipped = JSON.parse(readFileSync(path.join(root, 'config', 'churn.json'), 'utf8')) as { dataset: MlopsConfig['dataset'] };
    const inferred = result.config.dataset as MlopsConfig['dataset'];
    expect(inferred.columns.map((c) => [c.name, c.type])).toEqual(shipped.dataset.columns.map((c) => [c.name, c.type]));
    expect(inferred).toMatchObject({ problemType: 'binary', positiveClass: 'yes', targetColumn: 'churn' });
    expect(result.classes).toEqual([
      { value: 'no', count: 4293 },
      { value: 'yes', count: 707 },
    ]);
    expect(parseConfig(result.config).dataset.columns).toHaveLength(20);
  });

  test('GIVEN mixed data THEN identifier, free text and constant are excluded with reasons, missing tokens are counted, and the id drives the split', async () => {
    const result = await inferConfig({ file: file('messy.csv', messyCsv()), target: 'segment', positive: 'gold' });
    expect(kinds(result)).toEqual({
      customer_id: 'identifier',
      age: 'numeric',
      plan: 'categorical',
      active: 'boolean',
      comment: 'free text',
      balance: 'numeric',
      region_code: 'categorical',
      constant: 'constant',
      segment: 'categorical',
    });
    const column = (name: string) => result.columns.find((c) => c.name === name)!;
    expect(column('age')).toMatchObject({ missing: 24, missingTokens: { NA: 8, '(empty)': 8, null: 8 }, min: 18, max: 77 });
    expect(column('comment').reason).toMatch(/^long values with spaces \(\d+ characters on average\), 400 distinct: excluded$/);
    expect(column('constant').reason).toContain('one value, "same", in every row: excluded');
    const dataset = result.config.dataset as MlopsConfig['dataset'];
    expect(dataset.idColumn).toBe('customer_id');
    expect(dataset.columns.map((c) => c.name)).toEqual(['customer_id', 'age', 'plan', 'active', 'balance', 'region_code', 'segment']);
    // Three classes and --positive: that class against the rest (any value is a class: no allowedValues).
    expect(dataset).toMatchObject({ problemType: 'binary', positiveClass: 'gold' });
    expect(dataset.columns.at(-1)).toEqual({ name: 'segment', type: 'categorical', required: true });
    expect(() => parseConfig(result.config)).not.toThrow();
    const table = formatInference(result, 'messy.csv');
    expect(table).toMatch(/^comment +free text +no +0 +400 +long values with spaces/m);
    expect(table).toMatch(/^age +numeric +yes +24 \(NA 8, null 8, \(empty\) 8\) +60 +18 \.\. 77 /m);
  });

  test('GIVEN --limits THEN numeric ranges are written as min/max; without it they are only reported', async () => {
    const at = file('limits.csv', messyCsv());
    const age = async (limits: boolean) =>
      ((await inferConfig({ file: at, target: 'segment', positive: 'gold', limits })).config.dataset as MlopsConfig['dataset']).columns[1];
    expect(await age(true)).toEqual({ name: 'age', type: 'numeric', min: 18, max: 77 });
    expect(await age(false)).toEqual({ name: 'age', type: 'numeric' });
  });

  test('GIVEN a text target with three classes and no --positive THEN the problem is multiclass, the classes in value order as allowedValues, and the config validates', async () => {
    const result = await inferConfig({ file: file('multi.csv', 'x,y\n1,c\n2,b\n3,c\n4,a\n'), target: 'y' });
    expect(result.problemType).toBe('multiclass');
    const dataset = result.config.dataset as MlopsConfig['dataset'];
    expect(dataset.positiveClass).toBeUndefined();
    expect(dataset.columns.at(-1)).toEqual({ name: 'y', type: 'categorical', required: true, allowedValues: ['a', 'b', 'c'] });
    expect(result.columns.at(-1)!.reason).toBe('target: 3 classes "c" (2), "b" (1), "a" (1) (multiclass; --positive V predicts one against the rest)');
    expect(parseConfig(result.config).training.hyperparameters).toMatchObject({ objective: 'multi:softprob', evalMetric: 'mlogloss', numClass: 3 });
  });

  test('GIVEN a numeric target with many values THEN the problem is regression', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i % 7},${(i * 1.5).toFixed(1)}`);
    const result = await inferConfig({ file: file('reg.csv', `x,price\n${rows.join('\n')}\n`), target: 'price' });
    expect(result.problemType).toBe('regression');
    expect((result.config.dataset as MlopsConfig['dataset']).columns.at(-1)).toEqual({ name: 'price', type: 'numeric', required: true });
  });

  test('GIVEN a gzip file THEN it is read transparently and the name comes from the file without .csv.gz', async () => {
    const result = await inferConfig({ file: file('My Data 2026.csv.gz', gzipSync(readFileSync(SAMPLE))), target: 'churn' });
    expect(result.rows).toBe(5000);
    expect((result.config.dataset as MlopsConfig['dataset']).name).toBe('my-data-2026');
  });

  test.each([
    ['a', 'a'],
    ['2026_sales.csv', 'sales'],
    ['Customer Churn (final).csv', 'customer-churn-final'],
    ['123.csv', 'dataset'],
    ['a-very-long-file-name-for-a-data-set.csv', 'a-very-long-file-name-fo'],
  ])('GIVEN the file %s THEN dataset.name is %s', (name, expected) => {
    expect(datasetNameOf(name)).toBe(expected);
  });

  test.each([
    ['the target missing', 'x,y\n1,2\n', { target: 'z' }, /no column "z" \(--target\); the header has: x, y$/],
    ['one class', 'x,y\n1,a\n2,a\n', { target: 'y' }, /the target "y" has one class only, "a" \(2 rows\): a model needs at least two$/],
    ['an empty file', '', { target: 'y' }, /: the file is empty$/],
    ['a header only', 'x,y\n', { target: 'y' }, /: the file has a header but no data rows$/],
    [
      'over 100 text classes',
      `x,y\n${Array.from({ length: 101 }, (_, i) => `${i},k${i}`).join('\n')}\n`,
      { target: 'y' },
      /the target "y" has 101 distinct values, more than the 100 classes a multiclass model is inferred for; pass --positive VALUE/,
    ],
    [
      'a positive class in the wrong case',
      'x,y\n1,Bad\n2,good\n',
      { target: 'y', positive: 'bad' },
      /--positive "bad" is not a value of "y" \(values are case-sensitive: did you mean "Bad"\?\)/,
    ],
    ['an --id that does not exist', 'x,y\n1,a\n2,b\n', { target: 'y', id: 'key' }, /no column "key" \(--id\)/],
    ['no usable feature', 'x,y\n1,a\n1,b\n', { target: 'y' }, /no column besides the target can be a feature \(x: constant\)/],
  ])('GIVEN %s THEN init refuses, saying why', async (_, content, options, message) => {
    const at = file(`refuse-${Math.random()}.csv`, content);
    const err = await inferConfig({ file: at, ...options }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(InferenceError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('mlops check: the validation dry run', () => {
  test('GIVEN the inferred config and its data THEN the run would train; the quarantined rows are listed with line and reason', async () => {
    const content = messyCsv()
      .replace(/\n1005,\d+,/, '\n1005,?,')
      .replace(/\n1006,\d+,/, '\n1006,old,');
    const at = file('check.csv', content);
    const config = parseConfig((await inferConfig({ file: at, target: 'segment', positive: 'gold' })).config);
    const report = await checkData(at, config);
    expect(report.failure).toBeUndefined();
    expect(report.result!.summary).toMatchObject({ rowsRead: 400, rejected: 2, rejectedByReason: { 'age: not a number': 2 } });
    const printed = formatCheck(report, config);
    expect(printed).toContain('check.csv: a run on this file would train');
    expect(printed).toContain('line 7: age "?": not a number');
    expect(printed).toContain('line 8: age "old": not a number');
    expect(printed).toMatch(/class balance \(training rows\): "gold" \d+\.\d%/);
    expect(printed).toContain('columns not in the config (ignored): comment, constant');
  });

  test('GIVEN a positive class the data lacks THEN check says the run would fail, with the values seen', async () => {
    const config = parseConfig(JSON.parse(readFileSync(path.join(root, 'config', 'churn.json'), 'utf8')));
    const wrong = {
      ...config,
      dataset: {
        ...config.dataset,
        positiveClass: 'Yes',
        columns: config.dataset.columns.map((c) => (c.name === 'churn' ? { ...c, allowedValues: undefined } : c)),
      },
    };
    const report = await checkData(SAMPLE, wrong);
    expect(report.failure).toContain('dataset.positiveClass "Yes" matches none of the');
    expect(report.failure).toContain('did you mean "yes"?');
    expect(formatCheck(report, wrong)).toMatch(/^\S*mlc_churn\.csv: a run on this file would FAIL: /);
  });
});
