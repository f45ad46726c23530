/**
 * Benchmark: `npm run demo` wall time, end to end (synthesis, services, three retraining runs with
 * real training, 4,500 rows of traffic, three drift checks, alarms), per step, over several runs,
 * each in a fresh process as a user runs it, against the 60 s goal.
 *
 * Each run is paired with one with local IAM off (the baseline of the IAM cost, same machine, same run).
 *
 *   npm run bench:demo          # 3 runs
 *   npm run bench:demo -- 5
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const GOAL_MS = 60_000;

interface ChildResult {
  readonly wallTimeMs: number;
  readonly timings: { title: string; ms: number }[];
  readonly runs: string[];
}

function main(): void {
  const runs = Number(process.argv[2] ?? 3);
  const results: (ChildResult & { processMs: number })[] = [];
  // The baseline in the same run: the demo with local IAM off, interleaved with the runs.
  const withoutIam: number[] = [];
  for (let i = 0; i < runs; i++) {
    const baseline = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'demo.child.ts'), 'no-iam'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (baseline.status !== 0) throw new Error(`demo run ${i + 1} without IAM failed:\n${baseline.stderr}`);
    withoutIam.push((JSON.parse(baseline.stdout.trim().split('\n').pop()!) as ChildResult).wallTimeMs);
    const started = Date.now();
    const child = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'demo.child.ts')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`demo run ${i + 1} failed:\n${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChildResult;
    results.push({ ...result, processMs: Date.now() - started });
    console.log(
      `run ${i + 1}: ${(result.wallTimeMs / 1000).toFixed(2)} s demo, ${((Date.now() - started) / 1000).toFixed(2)} s process (outcomes ${result.runs.join(', ')})`,
    );
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`\nnode ${process.version}; ${runs} runs, each in a fresh process`);
  console.log(`${'step'.padEnd(62)}median s`);
  results[0].timings.forEach((step, i) =>
    console.log(`${step.title.slice(0, 60).padEnd(62)}${(median(results.map((r) => r.timings[i].ms)) / 1000).toFixed(2)}`),
  );
  const withIam = median(results.map((r) => r.wallTimeMs));
  console.log(
    `\ndemo with local IAM: median ${(withIam / 1000).toFixed(2)} s; without: ${(median(withoutIam) / 1000).toFixed(2)} s; ratio ${(withIam / median(withoutIam)).toFixed(2)}`,
  );
  const wall = median(results.map((r) => r.processMs));
  console.log(
    `\nprocess wall time (module loading included): median ${(wall / 1000).toFixed(2)} s; goal < 60 s: ${((wall / GOAL_MS) * 100).toFixed(0)} % of the budget (${(GOAL_MS / wall).toFixed(1)}x headroom)`,
  );
}

main();
