import type { MlopsConfig } from '../../../lib/config';
import { readFileSync } from 'node:fs';
import { RowKernel } from '../../../lambdas/core/features/fast-row';
import { SpillDirectory } from '../../../lambdas/core/io/spill-file';
import { ValueHistogram } from '../../../lambdas/core/features/value-histogram';
import { processDataset } from '../../../lambdas/core/features/process';
import { encodeRawFeatures, type CategoricalEncoding } from '../../../lambdas/core/features/feature-spec';
import { BOOLEAN, CATEGORICAL, NUMERIC, planFile } from '../../../lambdas/core/features/validate';
import { fnv1aBytes, isValidationHash } from '../../../lambdas/core/features/split';
import { seededRandom } from '../../../lib/local/trainer/random';
import { makeConfig } from '../../helpers/config';
import { memorySink, textSource } from '../../helpers/sinks';
import { subscriptionsConfig } from '../../helpers/subscriptions';

/** An id column, a categorical target, and a required number (an empty one is a rejected row). */
const withId = subscriptionsConfig({ validationShare: 0.25, topCategories: 3, numericBins: 5 }, [{ name: 'visits', type: 'numeric', required: true }]);

/** No id column (the split hashes the whole row) and a numeric target (regression). */
const regression: MlopsConfig = makeConfig({
  dataset: {
    name: 'spend',
    targetColumn: 'spend',
    problemType: 'regression',
    positiveClass: undefined,
    columns: [
      { name: 'spend', type: 'numeric', required: true },
      { name: 'age', type: 'numeric', min: 0, max: 120 },
      { name: 'plan', type: 'categorical' },
      { name: 'active', type: 'boolean', required: true },
      { name: 'city', type: 'categorical' },
    ],
  },
  features: { validationShare: 0.3, topCategories: 2, numericBins: 4 },
  // The gate's metric then defaults to the regression's (validation:rmse).
  evaluation: { metric: undefined },
});

describe('the kernel takes only rows that are plainly valid, and writes them as encodeAccepted does', () => {
  // Config columns: id, age, plan, active, city, score, visits, label; the features are the six between.
  const plan = planFile(['id', 'age', 'plan', 'active', 'city', 'score', 'visits', 'label'], withId.dataset, 'raw/x.csv');
  const file = { featureFields: Int32Array.of(1, 2, 3, 4, 5, 6), runs: Int32Array.of(0, 1, 2, 3, 5, 5), labelField: 7, idField: 0 };
  const scratch = new SpillDirectory();
  const files = { train: scratch.file('train.csv'), validation: scratch.file('validation.csv') };
  afterAll(() => scratch.remove());
  const kernelWith = (validationShare: number, maxRecordLength = 100) =>
    new RowKernel(
      {
        columns: 8,
        featureColumns: Int32Array.of(1, 2, 3, 4, 5, 6),
        featureKinds: Uint8Array.of(NUMERIC, CATEGORICAL, BOOLEAN, CATEGORICAL, NUMERIC, NUMERIC),
        label: { kind: 'entry', column: 7 },
        validationShare,
        rowSlack: 2 + 7 * 2,
        maxRecordLength,
      },
      files,
      [new ValueHistogram(), undefined, undefined, undefined, new ValueHistogram(), new ValueHistogram()],
    );
  const ids = ['basic', 'paris', 'NC', 'pro'];
  let resolved: string[] = [];
  const resolvers = plan.columns.map((c) => {
    if (c.type !== 'categorical') return undefined;
    const entry =
      c.name === 'label'
        ? (text: string) => (text === 'yes' ? 1 : text === 'no' ? 0 : -1)
        : c.name === 'id'
          ? (text: string) => (text.startsWith('c') ? 0 : -1)
          : (text: string) => ids.indexOf(text);
    return (text: string) => {
      resolved.push(text);
      return entry(text);
    };
  });
  /** Reads `text` from the kernel's input window, as the pipeline does. */
  const readAll = (kernel: RowKernel, text: string) => {
    const bytes = new TextEncoder().encode(text);
    kernel.input.set(bytes);
    const reader = kernel.reader(plan, file, resolvers)!;
    const window = kernel.input.subarray(0, bytes.length);
    const ends: number[] = [];
    for (let at = 0; at < bytes.length && ends[ends.length - 1] !== -1;) ends.push((at = reader.read(window, at, bytes.length)));
    return { ends, reader };
  };
  const read = (line: string, limit = 100) => readAll(kernelWith(0, limit), line).ends[0];

  test.each([
    ['c1,30,basic,yes,paris,1.5,3,no\n', 31],
    ['"c1",30,"basic","yes","paris",-1.5,3,"no"\r\n', 43],
    ['c1,30,basic,1,NC,,3,yes\rc1', 24], // a lone CR ends the line; an empty optional number is missing
    ['c1,0,basic,false,paris,12345,0,no\n', 34],
  ])('GIVEN %j THEN it takes the row, up to its line end', (line, next) => {
    expect(read(line)).toBe(next);
  });

  test.each([
    ['a category its resolver does not take', 'c1,30,basic,yes,rome,1.5,3,no\n'],
    ['a missing token', 'c1,30,basic,yes,NA,1.5,3,no\n'],
    ['a value to trim', 'c1,30,basic,yes, paris,1.5,3,no\n'],
    ['a number to trim', 'c1, 30,basic,yes,paris,1.5,3,no\n'],
    ['an exponent', 'c1,30,basic,yes,paris,1e3,3,no\n'],
    ['a value out of range', 'c1,130,basic,yes,paris,1.5,3,no\n'],
    ['an empty required number', 'c1,30,basic,yes,paris,1.5,,no\n'],
    ['a boolean in capitals', 'c1,30,basic,YES,paris,1.5,3,no\n'],
    ['doubled quotes', 'c1,30,basic,yes,"pa""ris",1.5,3,no\n'],
    ['a line break in quotes', 'c1,30,basic,yes,"pa\nris",1.5,3,no\n'],
    ['too few fields', 'c1,30,basic,yes,paris,1.5,3\n'],
    ['too many fields', 'c1,30,basic,yes,paris,1.5,3,no,x\n'],
    ['no line end yet', 'c1,30,basic,yes,paris,1.5,3,no'],
    ['a CR that may be a CRLF', 'c1,30,basic,yes,paris,1.5,3,no\r'],
    ['a blank line', '\n'],
    ['a quote inside a field', 'c1,30,basic,yes,pa"ris,1.5,3,no\n'],
    ['a number of 16 digits', 'c1,30,basic,yes,paris,1234567890123456,3,no\n'],
  ])('GIVEN %s THEN it leaves the row to the general path', (_name, line) => {
    expect(read(line)).toBe(-1);
  });

  test('GIVEN a line over the record length limit THEN it leaves it to the general path (which reports it)', () => {
    expect(read('c1,30,basic,yes,paris,1.5,3,no\n', 31)).toBe(31);
    expect(read('c1,30,basic,yes,paris,1.5,3,no\n', 30)).toBe(-1);
  });

  test('GIVEN rows THEN it writes label, features and category placeholders to the scratch file, and the typed values to the row', async () => {
    const kernel = kernelWith(0);
    const { ends } = readAll(kernel, 'c1,30,basic,yes,paris,-1.5,3,no\nc2,,pro,0,"NC","7",0.25,yes\n');
    expect(ends).toEqual([32, 60]);
    const placeholder = (id: number) => `\x01${String.fromCharCode(id)}\x00\x00\x00`;
    await kernel.sinks.train.flush();
    expect(readFileSync(files.train.path, 'latin1')).toBe(
      `0,30,${placeholder(0)},1,${placeholder(1)},-1.5,3\n1,,${placeholder(3)},0,${placeholder(2)},7,0.25\n`,
    );
    const { row, categoryValues } = kernel;
    expect(plan.columns.map((c, ci) => (row.missing[ci] ? 'missing' : c.type === 'categorical' ? categoryValues[ci] : row.numbers[ci]))).toEqual([
      0,
      'missing',
      3,
      0,
      2,
      7,
      0.25,
      1,
    ]);
  });

  test("GIVEN an id column THEN the split is that of the id's hash", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `c${i},30,basic,yes,paris,1.5,3,no\n`);
    const kernel = kernelWith(0.5);
    const bytes = new TextEncoder().encode(lines.join(''));
    kernel.input.set(bytes);
    const reader = kernel.reader(plan, file, resolvers)!;
    const window = kernel.input.subarray(0, bytes.length);
    let at = 0;
    const splits = lines.map((_line, i) => {
      at = reader.read(window, at, bytes.length);
      const id = new TextEncoder().encode(`c${i}`);
      return [reader.validation, isValidationHash(fnv1aBytes(id, 0, id.length), 0.5)];
    });
    expect(splits.filter(([kernelSplit, expected]) => kernelSplit !== expected)).toEqual([]);
    expect(splits.filter(([validation]) => validation).length).toBeGreaterThan(50);
  });

  test('GIVEN a category first seen THEN it is resolved through its text once, then found in the table', () => {
    resolved = [];
    readAll(kernelWith(0), 'c1,30,basic,yes,paris,1.5,3,no\nc1,31,basic,no,paris,2,3,no\n');
    expect(resolved).toEqual(['c1', 'basic', 'paris', 'no']);
  });

  test("GIVEN bytes outside the kernel's input window THEN it leaves the row to the general path", () => {
    const bytes = new TextEncoder().encode('c1,30,basic,yes,paris,1.5,3,no\n');
    expect(kernelWith(0).reader(plan, file, resolvers)!.read(bytes, 0, bytes.length)).toBe(-1);
  });
});

/** Rows of every kind, plain ones most often, drawn with a seeded generator. */
function messyRows(n: number, seed: number, regressionRows: boolean): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const number = () => pick(['', '0', '7', '42.5', '-3', '+4', '1e2', ' 12 ', '"15"', 'NA', 'abc', '130', '99.999', '.5', '5.']);
  const category = () =>
    pick([
      'paris',
      'paris',
      'rome',
      'oslo',
      '"paris"',
      ' rome',
      'NA',
      'null',
      '',
      'zürich',
      '"a, b"',
      '"say ""hi"""',
      '"two\nlines"',
      `new${Math.floor(random() * 40)}`,
    ]);
  const boolean = () => pick(['yes', 'no', '1', '0', 'true', 'false', 'YES', 'T', 'maybe', '']);
  const plain = () =>
    regressionRows
      ? [pick(['10', '12.5', '0', '-4']), pick(['30', '41', '']), pick(['basic', 'pro']), pick(['yes', 'no', '1']), pick(['paris', 'rome', 'oslo'])]
      : [
          `c${Math.floor(random() * 5000)}`,
          pick(['30', '41', '', '7.25']),
          pick(['basic', 'pro', 'max']),
          pick(['yes', 'no']),
          pick(['paris', 'rome']),
          pick(['', '1.5', '-2']),
          pick(['3', '0']),
          pick(['yes', 'no']),
        ];
  const messy = () =>
    regressionRows
      ? [number(), number(), category(), boolean(), category()]
      : [
          pick(['c1', 'c2', '"c3"', '', `c${Math.floor(random() * 5000)}`]),
          number(),
          pick(['basic', 'pro', 'gold', '"max"', '']),
          boolean(),
          category(),
          number(),
          number(),
          pick(['yes', 'no', 'maybe', '"yes"', '']),
        ];
  return Array.from({ length: n }, () => {
    const r = random();
    if (r < 0.01) return '';
    const fields = r < 0.75 ? plain() : messy();
    if (random() < 0.02) fields.pop();
    if (random() < 0.02) fields.push('extra');
    return fields.join(',');
  });
}

/** `rows` (in the config's column order) as a file with the columns in `header`'s order (rows with quotes or a wrong field count stay as they are). */
function fileText(settings: MlopsConfig, header: string, rows: readonly string[]): string {
  const order = header.split(',');
  const natural = settings.dataset.columns.map((c) => c.name);
  const reordered = rows.map((line) => {
    if (line === '' || line.includes('"') || order.join() === natural.join()) return line;
    const fields = line.split(',');
    return fields.length === natural.length ? order.map((name) => fields[natural.indexOf(name)]).join(',') : line;
  });
  return `${header}\n${reordered.join('\n')}\n`;
}

async function both(settings: MlopsConfig, files: readonly { readonly text: string; readonly chunkSize: number }[]) {
  const runWith = async (fastPath: boolean) => {
    const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
    const result = await processDataset(
      files.map((file, i) => textSource(`raw/${i}.csv`, file.text, file.chunkSize)),
      outputs,
      { dataset: settings.dataset, features: settings.features, maxBadRowShare: 1, fastPath },
    );
    return { result, train: outputs.train.output, validation: outputs.validation.output, quarantine: outputs.quarantine.output };
  };
  return { fast: await runWith(true), general: await runWith(false) };
}

describe('the fast path and the general path give the same outputs', () => {
  test.each([
    ['an id column and a categorical target', withId, 'id,age,plan,active,city,score,visits,label', 1],
    ['columns in another order', withId, 'label,visits,score,city,active,plan,age,id', 2],
    ['no id column and a numeric target', regression, 'spend,age,plan,active,city', 3],
  ])('GIVEN messy data with %s THEN train, validation, quarantine, spec, baseline and summary are identical', async (_name, settings, header, seed) => {
    const text = fileText(settings, header, messyRows(3000, seed, settings === regression));
    for (const chunkSize of [61, 4096]) {
      const { fast, general } = await both(settings, [
        { text, chunkSize },
        { text: text.replace(/\n/g, '\r\n'), chunkSize: chunkSize + 3 },
      ]);
      expect(fast.result.summary.rejected).toBeGreaterThan(100);
      expect(fast.result.summary.accepted).toBeGreaterThan(2000);
      expect(fast).toEqual(general);
    }
  });

  test('GIVEN categoryCase "ignore" and categories written in mixed case THEN both paths agree, and the outputs equal those of the lower-cased data read exactly', async () => {
    const ignoring: MlopsConfig = { ...withId, dataset: { ...withId.dataset, categoryCase: 'ignore' } };
    const header = 'id,age,plan,active,city,score,visits,label';
    const lower = messyRows(3000, 5, false);
    // Categories and the target in another case on two of three rows (ids, tokens and numbers as they are).
    const mixed = lower.map((line, i) =>
      i % 3 === 0
        ? line
        : line.replace(/\b(pro|basic|paris|rome|oslo)\b/g, (v) => (i % 3 === 1 ? v.toUpperCase() : v[0].toUpperCase() + v.slice(1))).replace(/,yes$/, ',Yes'),
    );
    expect(mixed.filter((line, i) => line !== lower[i]).length).toBeGreaterThan(1000);
    const { fast, general } = await both(ignoring, [{ text: fileText(ignoring, header, mixed), chunkSize: 997 }]);
    expect(fast).toEqual(general);
    const exact = (await both(withId, [{ text: fileText(withId, header, lower), chunkSize: 997 }])).fast;
    expect(fast.train).toEqual(exact.train);
    expect(fast.validation).toEqual(exact.validation);
    expect(fast.result.baseline).toEqual(exact.result.baseline);
    const plan = fast.result.spec.features.find((f) => f.name === 'plan') as CategoricalEncoding;
    expect(plan.foldCase).toBe(true);
    expect(Object.keys(plan.codes).every((v) => v === v.toLowerCase())).toBe(true);
    // Serving folds as training did: "PRO" is pro's code.
    const features = (values: string[]) => encodeRawFeatures(fast.result.spec, values);
    expect(features(['30', 'PRO', 'yes', 'Paris', '1', '2'])).toEqual(features(['30', 'pro', 'yes', 'paris', '1', '2']));
  });

  test('GIVEN categoryCase "exact" (the default) THEN "Pro" and "pro" stay two categories (the control)', async () => {
    const rows = Array.from(
      { length: 400 },
      (_, i) => `c${i},30,${['pro', 'basic'][i % 2]},yes,${i % 4 === 0 ? 'Paris' : 'paris'},1,2,${['yes', 'no'][i % 2]}`,
    );
    const { fast } = await both(withId, [{ text: fileText(withId, 'id,age,plan,active,city,score,visits,label', rows), chunkSize: 4096 }]);
    const city = fast.result.spec.features.find((f) => f.name === 'city') as CategoricalEncoding;
    expect(Object.keys(city.codes).sort()).toEqual(['Paris', 'paris']);
    expect(city.foldCase).toBeUndefined();
  });

  test("GIVEN files of several MB in chunks larger than the kernel's input window and scratch buffers, in different column orders THEN the outputs are identical", async () => {
    // Mostly plain rows (the kernel's), a messy one in ten.
    const messy = messyRows(15_000, 4, false);
    const rows = Array.from({ length: 150_000 }, (_, i) =>
      i % 10 === 0
        ? messy[i / 10]
        : `c${i},${i % 90},${['basic', 'pro'][i % 2]},yes,${['paris', 'rome', 'oslo'][i % 3]},${(i % 997) / 10},${i % 7},${['yes', 'no'][i % 2]}`,
    );
    const files = [
      { text: fileText(withId, 'id,age,plan,active,city,score,visits,label', rows), chunkSize: 3 << 20 },
      { text: fileText(withId, 'label,visits,score,city,active,plan,age,id', rows), chunkSize: 5 << 20 },
    ];
    expect(files[0].text.length).toBeGreaterThan(2 << 20); // several input windows (1 MiB) and scratch buffers (2 MiB) per chunk
    const { fast, general } = await both(withId, files);
    expect(fast.result.summary.accepted).toBeGreaterThan(90_000);
    expect(fast.result).toEqual(general.result);
    // Whole outputs compared as one text each (a deep comparison of 200,000 lines is slow).
    for (const output of ['train', 'validation', 'quarantine'] as const) expect(fast[output].join('\n') === general[output].join('\n')).toBe(true);
  });
});
