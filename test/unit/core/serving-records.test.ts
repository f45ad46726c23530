import { categoricalEncoding, encodeRawFeatures, type FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { ServingRecordsError, servingRecords } from '../../../lambdas/core/features/serving-records';
import { makeConfig } from '../../helpers/config';

/** Records to score, checked by the training data's rules (validateRecord) before anything is encoded. */
const dataset = makeConfig({
  dataset: {
    name: 'plans',
    targetColumn: 'churned',
    problemType: 'binary',
    positiveClass: 'yes',
    columns: [
      { name: 'tenure', type: 'numeric', required: true, min: 0, max: 600 },
      { name: 'plan', type: 'categorical', allowedValues: ['basic', 'pro'] },
      { name: 'autopay', type: 'boolean' },
      { name: 'churned', type: 'categorical', required: true, allowedValues: ['yes', 'no'] },
    ],
  },
  evaluation: { metric: undefined },
}).dataset;
const spec: FeatureSpec = {
  version: 1,
  problemType: 'binary',
  target: { name: 'churned', type: 'categorical', positiveClass: 'yes' },
  features: [
    { name: 'tenure', type: 'numeric' },
    categoricalEncoding(
      'plan',
      new Map([
        ['basic', 3],
        ['pro', 1],
      ]),
      10,
    ),
    { name: 'autopay', type: 'boolean' },
  ],
};
const bytes = (text: string) => Buffer.from(text);

describe('records to score, checked as training data is', () => {
  test('GIVEN columns in another order, an extra column and no target THEN each record comes back as its features in the spec order, ready to encode', () => {
    const rows = servingRecords(bytes('autopay,note,plan,tenure\nyes,hi,pro,12\n,,basic,0\n'), dataset, spec, 'rows.csv');
    expect(rows).toEqual([
      ['12', 'pro', 'yes'],
      ['0', 'basic', ''],
    ]);
    expect(rows.map((r) => encodeRawFeatures(spec, r))).toEqual([
      ['12', '1', '1'],
      ['0', '0', ''],
    ]);
  });

  test('GIVEN records with problems THEN all are refused together, each problem named by record, line, column and the training rule it breaks', () => {
    const csv = 'tenure,plan,autopay\n12,pro,yes\n-1,gold,maybe\n\n,basic,no\n700,pro\n';
    let error: ServingRecordsError | undefined;
    try {
      servingRecords(bytes(csv), dataset, spec, 'rows.csv');
    } catch (err) {
      error = err as ServingRecordsError;
    }
    expect(error).toBeInstanceOf(ServingRecordsError);
    expect(error!.problems.map((p) => [p.record, p.line, p.column, p.reason])).toEqual([
      [2, 3, 'tenure', 'below the minimum 0'],
      [2, 3, 'plan', expect.stringContaining('not an allowed value')],
      [2, 3, 'autopay', expect.stringContaining('not a boolean')],
      [3, 5, 'tenure', 'missing'],
      [4, 6, '(row)', 'expected 3 fields, found 2'],
    ]);
    expect(error!.message).toMatch(
      /^rows\.csv: 3 of 4 records cannot be scored \(nothing was scored\): record 2 \(line 3\): tenure "-1": below the minimum 0; /,
    );
  });

  test('GIVEN more than 20 problems THEN the message shows 20 and counts the rest', () => {
    const csv = `tenure,plan,autopay\n${Array.from({ length: 25 }, () => '-1,pro,yes').join('\n')}\n`;
    expect(() => servingRecords(bytes(csv), dataset, spec, 'rows.csv')).toThrow(/25 of 25 records cannot be scored .*; and 5 more$/);
  });

  test('GIVEN a header without a feature the model uses THEN the error names the column', () => {
    expect(() => servingRecords(bytes('tenure,plan\n1,pro\n'), dataset, spec, 'rows.csv')).toThrow('rows.csv: line 1: missing column "autopay"');
  });
});
