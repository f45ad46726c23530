import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tarGz, untarGz } from '../../../lib/local/trainer/tar';
import { paramsFromHyperparameters } from '../../../lib/local/trainer/sagemaker-trainer';

describe('model.tar.gz', () => {
  test('GIVEN files THEN they round-trip, and GNU tar reads the archive too', () => {
    const files = { 'xgboost-model': Buffer.from('{"learner":{}}'), 'notes.txt': Buffer.alloc(1500, 'x') };
    expect(untarGz(tarGz(files))).toEqual(files);
    const dir = mkdtempSync(path.join(tmpdir(), 'tar-'));
    writeFileSync(path.join(dir, 'model.tar.gz'), tarGz(files));
    expect(
      execFileSync('tar', ['-tzf', path.join(dir, 'model.tar.gz')], { encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toEqual(['xgboost-model', 'notes.txt']);
  });
});

describe('hyperparameters', () => {
  test("GIVEN SageMaker's string hyperparameters THEN the trainer gets them as numbers", () => {
    expect(
      paramsFromHyperparameters({
        objective: 'binary:logistic',
        num_round: '50',
        max_depth: '4',
        eta: '0.1',
        subsample: '0.5',
        min_child_weight: '2',
        lambda: '3',
        eval_metric: 'auc',
        early_stopping_rounds: '5',
      }),
    ).toEqual({
      objective: 'binary:logistic',
      numRound: 50,
      maxDepth: 4,
      eta: 0.1,
      subsample: 0.5,
      minChildWeight: 2,
      lambda: 3,
      evalMetric: 'auc',
      earlyStoppingRounds: 5,
    });
  });

  test.each([
    [{ objective: 'multi:softmax', num_round: '5' }, 'objective "multi:softmax" is not supported locally'],
    [{ objective: 'binary:logistic' }, 'hyperparameter num_round is required'],
    [{ objective: 'binary:logistic', num_round: '5', eta: 'fast' }, 'hyperparameter eta "fast" is not a number'],
  ])('GIVEN %j THEN the job fails with a clear reason', (hp, message) => {
    expect(() => paramsFromHyperparameters(hp)).toThrow(message);
  });
});
