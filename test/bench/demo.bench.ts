/**
 * Benchmark: `npm run demo` wall time, end to end (synthesis, services, three retraining runs with
 * real training, 4,500 rows of traffic, three drift checks, alarms), per step, best and median of
 * three runs in one process, against the 60 s goal.
 *
 *   npm run bench:demo
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo, type DemoResult } from '../../lib/local/demo';
import { routeLambdaLogs } from '../../lib/local/lambda-logs';

const GOAL_MS = 60_000;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const config = loadConfig();
  const sample = readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv'));
  const results: DemoResult[] = [];
  for (let i = 0; i < runs; i++) {
    const directory = mkdtempSync(path.join(tmpdir(), 'mlops-bench-demo-'));
    const restore = routeLambdaLogs(path.join(directory, 'lambda.log'));
    try {
      results.push(await runDemo({ config, sample, directory, print: () => undefined }));
    } finally {
      restore();
    }
    console.log(`run ${i + 1}: ${(results[i].wallTimeMs / 1000).toFixed(2)} s`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`\nnode ${process.version}; ${runs} runs (the first includes module loading and JIT warm-up)`);
  console.log('step                                                          median s');
  results[0].timings.forEach((step, i) => console.log(`${step.title.slice(0, 60).padEnd(62)}${(median(results.map((r) => r.timings[i].ms)) / 1000).toFixed(2)}`));
  const walls = results.map((r) => r.wallTimeMs);
  console.log(`\nwall time: first ${(walls[0] / 1000).toFixed(2)} s, median ${(median(walls) / 1000).toFixed(2)} s; goal < 60 s: ${((median(walls) / GOAL_MS) * 100).toFixed(0)} % of the budget (${(GOAL_MS / median(walls)).toFixed(1)}x headroom)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
