/**
 * Benchmark: the local trainer on the churn sample and on a 1M-row resample (features from the
 * project's own feature processing), validation AUC and seconds; if Debian's python3-xgboost is
 * installed, XGBoost 'hist' with the same hyperparameters on the same files for the ratio.
 *
 *   npm run bench:trainer              # sample + 1M rows
 *   npm run bench:trainer -- 200000    # another resample size
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { featuresOf } from '../../lib/local/trainer/training-data';
import { train } from '../../lib/local/trainer/gbt-trainer';
import { trainingParams } from '../../lib/local/trainer/params';
import { BENCH_DATA_DIR, generateCsv } from './generate-data';

const XGBOOST = `
import json, sys, time
import numpy as np, xgboost as xgb
train, validation, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
tr = np.genfromtxt(train, delimiter=',', dtype=np.float32); va = np.genfromtxt(validation, delimiter=',', dtype=np.float32)
times = []
for _ in range(params['repeats']):
    start = time.time()
    d = xgb.DMatrix(tr[:, 1:], label=tr[:, 0], missing=np.nan); dv = xgb.DMatrix(va[:, 1:], label=va[:, 0], missing=np.nan)
    b = xgb.train(params['params'], d, params['rounds'], evals=[(dv, 'validation')], early_stopping_rounds=params['early'], verbose_eval=False)
    times.append(time.time() - start)
print(json.dumps({'times': times, 'auc': b.best_score, 'rounds': b.num_boosted_rounds(), 'version': xgb.__version__}))
`;

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const config = loadConfig();
  const hp = config.training.hyperparameters;
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const sample = path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv');
  const hasXgboost = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0;
  console.log(`node ${process.version}; XGBoost ${hasXgboost ? 'found (Debian python3-xgboost, tree_method hist, nthread 1)' : 'not installed: no ratio'}`);
  console.log('data              rows(train)  ours: s   rounds  AUC      xgboost: s  rounds  AUC      time ratio  AUC diff');
  const repeated: string[] = [];
  for (const [label, file, repeats] of [
    ['churn sample', sample, SMALL_REPEATS],
    [`resample ${rows}`, await generateCsv(sample, path.join(BENCH_DATA_DIR, `churn-rows-${rows}.csv`), rows * 100), 1],
  ] as const) {
    progress(`${label}: feature processing`);
    const { train: trainSet, validation, trainCsv, validationCsv } = await featuresOf(readFileSync(file), config);
    progress(`${label}: training ours (${trainSet.rows} rows${repeats > 1 ? `, ${repeats} times` : ''})`);
    // The first training in the process is the headline (cold: it includes the JIT's warm-up).
    const times: number[] = [];
    let model!: ReturnType<typeof train>;
    for (let i = 0; i < repeats; i++) {
      const started = process.hrtime.bigint();
      model = train(trainSet, validation, { ...trainingParams(hp), seed: 1 });
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    const ours = { seconds: times[0], auc: model.history[model.bestRound].validation };
    // Rounds trained (early stopping included): the time ratio is only fair when both stop alike.
    let line = `${label.padEnd(17)} ${String(trainSet.rows).padEnd(12)} ${ours.seconds.toFixed(2).padEnd(9)} ${String(model.history.length).padEnd(7)} ${ours.auc.toFixed(4)}`;
    if (hasXgboost) {
      const trainFile = path.join(BENCH_DATA_DIR, 'bench-train.csv');
      const validationFile = path.join(BENCH_DATA_DIR, 'bench-validation.csv');
      writeFileSync(trainFile, trainCsv);
      writeFileSync(validationFile, validationCsv);
      const params = {
        repeats,
        params: {
          objective: hp.objective,
          max_depth: hp.maxDepth,
          eta: hp.eta,
          subsample: hp.subsample,
          min_child_weight: hp.minChildWeight,
          lambda: hp.lambda,
          eval_metric: hp.evalMetric,
          tree_method: 'hist',
          nthread: 1,
          seed: 1,
        },
        rounds: hp.numRound,
        early: hp.earlyStoppingRounds,
      };
      progress(`${label}: training XGBoost`);
      const xgb = JSON.parse(
        execFileSync('/usr/bin/python3', ['-c', XGBOOST, trainFile, validationFile, JSON.stringify(params)], { encoding: 'utf8', maxBuffer: 1 << 24 }),
      ) as { times: number[]; auc: number; rounds: number };
      line += `   ${xgb.times[0].toFixed(2).padEnd(11)} ${String(xgb.rounds).padEnd(7)} ${xgb.auc.toFixed(4)}   ${(ours.seconds / xgb.times[0]).toFixed(2).padEnd(11)} ${(ours.auc - xgb.auc).toFixed(4)}`;
      if (repeats > 1) {
        const [oursWarm, xgbWarm] = [median(times.slice(1)), median(xgb.times.slice(1))];
        repeated.push(
          `${label}: runs 2-${repeats} in the same process, median: ours ${oursWarm.toFixed(3)} s, XGBoost ${xgbWarm.toFixed(3)} s, ratio ${(oursWarm / xgbWarm).toFixed(2)}`,
        );
      }
    }
    console.log(line);
  }
  for (const line of repeated) console.log(line);
}

/** Progress on stderr (a 1M-row run takes minutes); the results table stays on stdout. */
function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

/** Small data sets train several times: the first run shows the cold cost, the rest the steady state. */
const SMALL_REPEATS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
