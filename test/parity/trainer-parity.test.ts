import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { train } from '../../lib/local/trainer/gbt-trainer';
import { seededRandom } from '../../lib/local/trainer/random';
import { defaultBaseScore, paramsFromHyperparameters } from '../../lib/local/trainer/sagemaker-trainer';
import { parseTrainingCsv } from '../../lib/local/trainer/training-data';
import { stringifyXgboostJson, toXgboostJson } from '../../lib/local/trainer/xgboost-json';
import { XgboostModel } from '../../lib/local/trainer/xgboost-model';

/**
 * The local trainer against XGBoost itself (Debian's python3-xgboost 1.7, the version of the
 * configured SageMaker image, 1.7-1): both train on the same file with the same hyperparameter
 * strings the state machine passes, subsample 1, and the local trainer's base_score left to the
 * image version's default (0.5). Their predictions must agree within 1e-5.
 *
 * The data: seeded rows whose columns have at most 256 distinct values (the `hist` bins), with
 * missing values, so that both bin exactly; on columns with more distinct values XGBoost's
 * quantile sketch places cuts the local trainer does not reproduce (see README "What the local
 * twin checks"). Never skipped: without python3-xgboost it fails and says how to install it.
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
