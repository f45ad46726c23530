import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { train } from '../../lib/local/trainer/gbt-trainer';
import { seededRandom } from '../../lib/local/trainer/random';
import { defaultBaseScore, paramsFromHyperparameters } from '../../lib/local/trainer/sagemaker-trainer';
import { featuresOf, parseTrainingCsv } from '../../lib/local/trainer/training-data';
import { makeConfig } from '../helpers/config';
import { SAMPLE } from '../helpers/pipeline';
import { stringifyXgboostJson, toXgboostJson } from '../../lib/local/trainer/xgboost-json';
import { XgboostModel } from '../../lib/local/trainer/xgboost-model';

/**
 * The local trainer against XGBoost itself (Debian's python3-xgboost 1.7, the version of the
 * configured SageMaker image, 1.7-1): both train on the same file with the same hyperparameter
 * strings the state machine passes, subsample 1, and the local trainer's base_score left to the
 * image version's default (0.5). Their predictions must agree within 1e-5.
 *
 * The data: seeded rows with missing values, columns of few distinct values and continuous ones
 * (more distinct values than the 256 `hist` bins, where XGBoost's quantile sketch places the cuts),
 * and the churn sample as the feature code encodes it. Predictions are compared on the training
 * rows and on rows neither trainer saw, whose values fall between the training values: there only
 * the same cut points (not merely the same partition of the training rows) give the same answer.
 * Never skipped: without python3-xgboost it fails and says how to install it.
 */
const PYTHON = '/usr/bin/python3';

function requireXgboost(): void {
  const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import xgboost'], { encoding: 'utf8' }) : undefined;
  if (!probe || probe.status !== 0) {
    throw new Error(
      'Debian\'s XGBoost is missing: install it with "apt-get update && apt-get install -y python3-xgboost" (.ci/run does) and run the test again',
    );
  }
}

/** SageMaker's training CSV (label first, empty = missing): four features, one with 10% missing values. */
function trainingCsv(objective: string): string {
  const random = seededRandom(7);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const x = [Math.floor(random() * 100), Math.floor(random() * 50) / 2, Math.floor(random() * 7), random() < 0.1 ? Number.NaN : Math.floor(random() * 200)];
    const z = 0.05 * x[0] - 0.1 * x[1] + (x[2] === 3 ? 1.5 : 0) + (Number.isNaN(x[3]) ? 1 : x[3] / 100) - 2 + (random() - 0.5);
    // multi:softprob: four classes, cut from the same score (with x[2] moving one class apart).
    const label = objective === 'binary:logistic' ? (z > 0 ? 1 : 0) : objective === 'multi:softprob' ? (z < -1 ? 0 : z < 0 ? 1 : x[2] === 5 ? 3 : 2) : z;
    lines.push([label, ...x.map((v) => (Number.isNaN(v) ? '' : String(v)))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Continuous columns (thousands of distinct values, one with 10% missing), a binary label. */
function continuousCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [
      random() * 100,
      Math.round(random() * 1e4) / 10,
      random() < 0.1 ? Number.NaN : random() * 3 - 1,
      Math.floor(random() * 7),
      (random() - 0.5) * 1e-3,
    ];
    const z = 0.05 * x[0] - 0.002 * x[1] + (x[3] === 3 ? 1.5 : 0) + (Number.isNaN(x[2]) ? 1 : x[2]) + x[4] * 1000 - 1 + (random() - 0.5);
    lines.push([z > 0 ? 1 : 0, ...x.map((v) => (Number.isNaN(v) ? '' : String(v)))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const BINARY = { objective: 'binary:logistic', num_round: '20', max_depth: '4', eta: '0.3', subsample: '1', min_child_weight: '1', lambda: '1' };

/**
 * Trains both on trainCsv and returns the largest difference of their predictions for the rows of
 * each CSV in predictCsvs. `maxBins` is the local trainer's (XGBoost always gets max_bin 256).
 */
function worstDifferences(hyperparameters: Record<string, string>, trainCsv: string, predictCsvs: readonly string[], maxBins = 256): number[] {
  requireXgboost();
  const data = parseTrainingCsv(trainCsv, 'train');
  const model = new XgboostModel(toXgboostJson(train(data, data, { ...paramsFromHyperparameters(hyperparameters, defaultBaseScore('1.7-1')), maxBins })));
  const dir = mkdtempSync(path.join(tmpdir(), 'parity-'));
  writeFileSync(path.join(dir, 'train.csv'), trainCsv);
  return predictCsvs.map((csv, i) => {
    const rows = parseTrainingCsv(csv, 'predict');
    const ours = Array.from({ length: rows.rows }, (_, r) => model.probabilities(rows.features!.subarray(r * rows.columns, (r + 1) * rows.columns))).flat();
    const file = path.join(dir, `predict-${i}.csv`);
    writeFileSync(file, csv);
    const xgboostParams = { ...hyperparameters, num_round: Number(hyperparameters.num_round), tree_method: 'hist', max_bin: 256, nthread: 1 };
    const run = spawnSync(PYTHON, [path.join(__dirname, 'xgboost-train.py'), path.join(dir, 'train.csv'), file, JSON.stringify(xgboostParams)], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (run.status !== 0) throw new Error(`xgboost-train.py failed: ${run.stderr}`);
    const theirs = (JSON.parse(run.stdout) as { predictions: (number | number[])[] }).predictions.flat();
    expect(theirs).toHaveLength(ours.length);
    return Math.max(...ours.map((p, j) => Math.abs(p - theirs[j])));
  });
}

describe('local trainer parity with XGBoost 1.7 (the SageMaker image 1.7-1)', () => {
  test('GIVEN the image tags THEN base_score follows the version: 0.5 for 1.x, estimated from the labels for 2.x', () => {
    expect(defaultBaseScore('1.7-1')).toBe(0.5);
    expect(defaultBaseScore('1.5-1')).toBe(0.5);
    expect(defaultBaseScore('2.0-1')).toBeUndefined();
  });

  test.each([
    ['binary:logistic', {}],
    ['reg:squarederror', {}],
    ['multi:softprob', { num_class: '4', eval_metric: 'mlogloss' }],
  ] as const)(
    'GIVEN %s THEN both predict the same within 1e-5',
    (objective, extra) => {
      requireXgboost();
      const hyperparameters = { objective, num_round: '20', max_depth: '4', eta: '0.3', subsample: '1', min_child_weight: '1', lambda: '1', ...extra };
      const csv = trainingCsv(objective);
      const data = parseTrainingCsv(csv, 'train');
      const params = paramsFromHyperparameters(hyperparameters, defaultBaseScore('1.7-1'));
      const model = new XgboostModel(toXgboostJson(train(data, data, params)));
      // One prediction per row; multi:softprob a probability per class, flattened row by row (as XGBoost's are).
      const ours = Array.from({ length: data.rows }, (_, r) => model.probabilities(data.features!.subarray(r * data.columns, (r + 1) * data.columns))).flat();

      const file = path.join(mkdtempSync(path.join(tmpdir(), 'parity-')), 'train.csv');
      writeFileSync(file, csv);
      // XGBoost's own defaults otherwise (base_score 0.5 in 1.7); hist as the local trainer grows trees; one thread for a fixed order of sums.
      const xgboostParams = { ...hyperparameters, num_round: 20, tree_method: 'hist', max_bin: 256, nthread: 1 };
      const run = spawnSync(PYTHON, [path.join(__dirname, 'xgboost-train.py'), file, file, JSON.stringify(xgboostParams)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`xgboost-train.py failed: ${run.stderr}`);
      const theirs = (JSON.parse(run.stdout) as { xgboost: string; predictions: (number | number[])[] }).predictions.flat();

      expect(theirs).toHaveLength(ours.length);
      const worst = Math.max(...ours.map((p, i) => Math.abs(p - theirs[i])));
      expect(worst).toBeLessThan(1e-5);
    },
    60_000,
  );

  test.each([
    [3000, 'one summary pruned'],
    [20000, 'the sketch merging summaries level by level'],
  ])(
    'GIVEN %d rows of continuous columns (%s) THEN both place the same cuts: predictions agree within 1e-5 on the training rows and on unseen rows',
    (rows, _sketch) => {
      const [trained, unseen] = worstDifferences(BINARY, continuousCsv(rows, 7), [continuousCsv(rows, 7), continuousCsv(2000, 99)]);
      expect(trained).toBeLessThan(1e-5);
      expect(unseen).toBeLessThan(1e-5);
    },
    60_000,
  );

  test('GIVEN the churn sample as the feature code encodes it THEN both predict its training and validation rows the same within 1e-5', async () => {
    const { trainCsv, validationCsv } = await featuresOf(Buffer.from(SAMPLE), makeConfig());
    const [trained, validation] = worstDifferences({ ...BINARY, num_round: '30', max_depth: '5' }, trainCsv, [trainCsv, validationCsv]);
    expect(trained).toBeLessThan(1e-5);
    expect(validation).toBeLessThan(1e-5);
  }, 60_000);

  test('GIVEN the local trainer cutting into 255 bins (the control) THEN its predictions of unseen rows differ from XGBoost with 256: the test can fail', () => {
    const [, unseen] = worstDifferences(BINARY, continuousCsv(3000, 7), [continuousCsv(3000, 7), continuousCsv(2000, 99)], 255);
    expect(unseen).toBeGreaterThan(1e-3);
  }, 60_000);

  test('GIVEN multi:softprob THEN XGBoost loads the local model file and predicts what the local endpoint does', () => {
    requireXgboost();
    const csv = trainingCsv('multi:softprob');
    const data = parseTrainingCsv(csv, 'train');
    const params = paramsFromHyperparameters({ objective: 'multi:softprob', num_class: '4', num_round: '5', max_depth: '3' }, defaultBaseScore('1.7-1'));
    const json = toXgboostJson(train(data, data, params));
    const dir = mkdtempSync(path.join(tmpdir(), 'parity-model-'));
    writeFileSync(path.join(dir, 'model.json'), stringifyXgboostJson(json));
    writeFileSync(path.join(dir, 'rows.csv'), csv);
    const run = spawnSync(PYTHON, [path.join(__dirname, 'xgboost-predict.py'), path.join(dir, 'model.json'), path.join(dir, 'rows.csv')], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`xgboost-predict.py failed: ${run.stderr}`);
    const theirs = (JSON.parse(run.stdout) as { predictions: number[][] }).predictions;
    const model = new XgboostModel(json);
    const worst = Math.max(
      ...theirs.map((row, r) =>
        Math.max(...model.probabilities(data.features!.subarray(r * data.columns, (r + 1) * data.columns)).map((p, k) => Math.abs(p - row[k]))),
      ),
    );
    expect(theirs[0]).toHaveLength(4);
    expect(worst).toBeLessThan(1e-6);
  });

  test.each([
    [{ objective: 'multi:softprob', num_round: '5' }, "Require input for parameter 'num_class'"],
    [{ objective: 'binary:logistic', num_round: '5', num_class: '3' }, "Do not need to setup parameter 'num_class'"],
    [{ objective: 'multi:softprob', num_round: '5', num_class: '3', eval_metric: 'auc' }, "Metric 'auc' can only be applied"],
    [{ objective: 'multi:softprob', num_round: '5', num_class: '1' }, 'num_class "1" must be an integer of at least 2'],
  ])('GIVEN hyperparameters the SageMaker image refuses (%j) THEN the local trainer refuses them too', (hyperparameters, message) => {
    expect(() => paramsFromHyperparameters(hyperparameters, 0.5)).toThrow(message);
  });

  test('GIVEN a label outside 0..num_class-1 THEN training fails as XGBoost does', () => {
    const data = parseTrainingCsv('0,1\n1,2\n3,3\n', 'train');
    const params = paramsFromHyperparameters({ objective: 'multi:softprob', num_class: '3', num_round: '2' }, 0.5);
    expect(() => train(data, data, params)).toThrow('label must be in [0, num_class): row 3 has label 3, num_class is 3');
  });

  test('GIVEN the label mean as the start (the old default) THEN the predictions differ: the test can fail', () => {
    requireXgboost();
    const csv = trainingCsv('binary:logistic');
    const data = parseTrainingCsv(csv, 'train');
    const hyperparameters = { objective: 'binary:logistic', num_round: '1', max_depth: '1', eta: '0.3', subsample: '1' };
    const fromMean = new XgboostModel(toXgboostJson(train(data, data, paramsFromHyperparameters(hyperparameters))));
    const fromHalf = new XgboostModel(toXgboostJson(train(data, data, paramsFromHyperparameters(hyperparameters, 0.5))));
    const row = data.features!.subarray(0, data.columns);
    expect(Math.abs(fromMean.predict(row) - fromHalf.predict(row))).toBeGreaterThan(1e-3);
  });
});
