import { gzipSync } from 'node:zlib';
import { processDataset, DataValidationError, type DataSource } from '../../../lambdas/core/features/process';
import { CompressedDataError, gunzipIfCompressed } from '../../../lambdas/core/io/gunzip';
import { memorySink, textSource } from '../../helpers/sinks';
import { subscriptionsConfig } from '../../helpers/subscriptions';

/** Uploads a person makes (gzip), and a config whose positive class the data does not hold. */
const config = subscriptionsConfig({ validationShare: 0.25 });
const HEADER = 'id,age,plan,active,city,score,label';
const rows = (n: number, label: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `c${i},${20 + (i % 50)},${['basic', 'pro'][i % 2]},${i % 3 === 0 ? 'yes' : 'no'},paris,${i},${label(i)}`);
const text = (labels: (i: number) => string, n = 200) => `${[HEADER, ...rows(n, labels)].join('\n')}\n`;

function bytesSource(name: string, bytes: Uint8Array, chunkSize = 100): DataSource {
  return {
    name,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    },
  };
}

async function run(sources: DataSource[], settings = config) {
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const result = await processDataset(sources, outputs, { dataset: settings.dataset, features: settings.features, maxBadRowShare: 0.5 });
  return { result, train: outputs.train.output, validation: outputs.validation.output, quarantine: outputs.quarantine.output };
}

describe('gzip uploads', () => {
  const plain = text((i) => (i % 4 === 0 ? 'yes' : 'no'));

  test('GIVEN the same data gzip-compressed (in chunks that split the gzip header) THEN the outputs equal the plain run', async () => {
    const fromPlain = await run([textSource('raw/a.csv', plain)]);
    const fromGzip = await run([bytesSource('raw/a.csv.gz', gzipSync(plain), 1)]);
    expect(fromGzip.train).toEqual(fromPlain.train);
    expect(fromGzip.validation).toEqual(fromPlain.validation);
    expect(fromGzip.result.spec).toEqual(fromPlain.result.spec);
    expect(fromGzip.result.summary.rowsRead).toBe(200);
  });

  test('GIVEN gzip content under a .csv name THEN it is read by its content, not its name', async () => {
    expect((await run([bytesSource('raw/a.csv', gzipSync(plain))])).result.summary.accepted).toBe(200);
  });

  test('GIVEN a truncated gzip file THEN the error names the file and says it cannot be decompressed (not "not valid UTF-8")', async () => {
    const truncated = gzipSync(plain).subarray(0, 300);
    await expect(run([bytesSource('raw/cut.csv.gz', truncated)])).rejects.toThrow(CompressedDataError);
    await expect(run([bytesSource('raw/cut.csv.gz', truncated)])).rejects.toThrow(
      /^raw\/cut\.csv\.gz: gzip content that cannot be decompressed \(unexpected end of file\)$/,
    );
  });

  test('GIVEN plain bytes THEN gunzipIfCompressed hands them on unchanged (the control)', async () => {
    const out: Uint8Array[] = [];
    for await (const chunk of gunzipIfCompressed(bytesSource('x', new TextEncoder().encode(plain)).chunks(), 'x')) out.push(chunk);
    expect(Buffer.concat(out).toString('utf8')).toBe(plain);
  });
});

describe('the configured positive class against the data', () => {
  test('GIVEN positiveClass "yes" where the data says "Yes" THEN the run fails naming the column, the value, a case hint and the values seen with counts', async () => {
    const cased = subscriptionsConfig({ validationShare: 0.25 });
    const dataset = {
      ...cased.dataset,
      columns: cased.dataset.columns.map((c) => (c.name === 'label' ? { name: 'label', type: 'categorical' as const, required: false } : c)),
    };
    const err = await run(
      [
        textSource(
          'raw/a.csv',
          text((i) => (i % 4 === 0 ? 'Yes' : 'no')),
        ),
      ],
      { ...cased, dataset },
    ).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as Error).message).toMatch(
      /^dataset\.positiveClass "yes" matches none of the \d+ training rows of "label", so there is one class only and no model can be trained \(values are case-sensitive: did you mean "Yes"\?\)\. Values of "label" in the snapshot: "no" \(150\), "Yes" \(50\)$/,
    );
  });

  test('GIVEN every row the positive class THEN the run fails as one class too', async () => {
    await expect(
      run([
        textSource(
          'raw/a.csv',
          text(() => 'yes'),
        ),
      ]),
    ).rejects.toThrow(/matches all of the \d+ training rows of "label".*"yes" \(200\)$/);
  });

  test('GIVEN both classes THEN the run trains (the control)', async () => {
    expect(
      (
        await run([
          textSource(
            'raw/a.csv',
            text((i) => (i % 4 === 0 ? 'yes' : 'no')),
          ),
        ])
      ).result.baseline.label.positiveShare,
    ).toBeGreaterThan(0);
  });
});
