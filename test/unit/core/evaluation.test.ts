import { decide, MissingMetricError, type GateRules } from '../../../lambdas/core/evaluation';

const auc: GateRules = { metric: 'validation:auc', direction: 'maximize', minimumValue: 0.7, minimumImprovement: 0 };
const rmse: GateRules = { metric: 'validation:rmse', direction: 'minimize', minimumValue: 50_000, minimumImprovement: 100 };
const prod = (value: number | undefined) => ({ modelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/g/1', value });
const metrics = (pairs: Record<string, number>) => Object.entries(pairs).map(([name, value]) => ({ name, value }));

describe('promotion gate', () => {
  test.each<[string, Record<string, number>, number | undefined | 'none', GateRules, boolean, string]>([
    ['no production model, above the minimum', { 'validation:auc': 0.9 }, 'none', auc, true, 'no model in production; validation:auc 0.9 passes the minimum'],
    [
      'no production model, below the minimum',
      { 'validation:auc': 0.6 },
      'none',
      auc,
      false,
      'validation:auc 0.6 is below the minimum 0.7 (evaluation.minimumValue)',
    ],
    ['higher AUC than production', { 'validation:auc': 0.91 }, 0.9, auc, true, 'validation:auc 0.91 beats production 0.9 by 0.01'],
    ['lower AUC than production', { 'validation:auc': 0.85 }, 0.9, auc, false, 'validation:auc 0.85 is worse than production 0.9'],
    ['a tie', { 'validation:auc': 0.9 }, 0.9, auc, false, 'validation:auc 0.9 ties production 0.9'],
    ['lower RMSE by more than the margin', { 'validation:rmse': 20_000 }, 21_000, rmse, true, 'validation:rmse 20000 beats production 21000 by 1000'],
    [
      'lower RMSE by less than the margin',
      { 'validation:rmse': 20_950 },
      21_000,
      rmse,
      false,
      'validation:rmse 20950 beats production 21000 by 50, less than the required 100 (evaluation.minimumImprovement)',
    ],
    ['higher RMSE', { 'validation:rmse': 22_000 }, 21_000, rmse, false, 'validation:rmse 22000 is worse than production 21000'],
    [
      'RMSE above the maximum',
      { 'validation:rmse': 60_000 },
      'none',
      rmse,
      false,
      'validation:rmse 60000 is above the maximum 50000 (evaluation.minimumValue)',
    ],
    [
      'a production model without a recorded metric',
      { 'validation:auc': 0.8 },
      undefined,
      auc,
      true,
      'the production model arn:aws:sagemaker:us-east-1:1:model-package/g/1 has no recorded validation:auc; promoting 0.8',
    ],
  ])('GIVEN %s THEN promote is %s', (_case, candidate, production, rules, promote, reason) => {
    const decision = decide(metrics(candidate), production === 'none' ? undefined : prod(production), rules);
    expect(decision).toMatchObject({ promote, reason });
  });

  test('GIVEN several metrics THEN the gate reads the configured one, not the first, and reports them all', () => {
    const decision = decide(metrics({ 'train:auc': 0.99, 'validation:logloss': 0.3, 'validation:auc': 0.8 }), prod(0.85), auc);
    expect(decision).toMatchObject({ promote: false, candidateValue: 0.8, productionValue: 0.85 });
    expect(decision.candidateMetrics).toEqual({ 'train:auc': 0.99, 'validation:logloss': 0.3, 'validation:auc': 0.8 });
  });

  test('GIVEN a metric reported several times THEN the last value is the final one', () => {
    expect(
      decide(
        [
          { name: 'validation:auc', value: 0.7 },
          { name: 'validation:auc', value: 0.9 },
        ],
        undefined,
        auc,
      ).candidateValue,
    ).toBe(0.9);
  });

  test('GIVEN the metric is missing THEN a clear error lists what the job reported', () => {
    expect(() => decide(metrics({ 'train:auc': 0.9 }), undefined, auc)).toThrow(MissingMetricError);
    expect(() => decide(metrics({ 'train:auc': 0.9 }), undefined, auc)).toThrow(
      'the training job reported no "validation:auc" metric (it reported: train:auc)',
    );
    expect(() => decide([], undefined, auc)).toThrow('(it reported: none)');
  });

  test('GIVEN a NaN metric THEN it is an error, not a silent reject', () => {
    expect(() => decide([{ name: 'validation:auc', value: Number.NaN }], undefined, auc)).toThrow('the training job\'s "validation:auc" is not a number (NaN)');
  });
});
