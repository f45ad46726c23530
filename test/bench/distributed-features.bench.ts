/**
 * Benchmark: feature processing of one snapshot of many files through the local twin, the single
 * Lambda path (ProcessFeatures) against the Distributed Map path (PlanShards ... FinishFeatures,
 * its children's Lambda invocations in N worker threads), each in its own process, in one run:
 * wall time of the feature states, MB/s and the speed-up. Every file is a copy of one resampled
 * churn file (the bytes are what count here; the same rows in every file changes no work).
 *
 *   npm run bench:distributed                     # 100 files of 20 MB (2 GB), 2 workers
 *   npm run bench:distributed -- 20 10 2          # <files> <MB per file> <workers>
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { BENCH_DATA_DIR, generateCsv } from './generate-data';

interface Result {
  readonly mode: string;
  readonly runs: number;
  readonly bytes: number;
  readonly rows: number;
  readonly seconds: number;
  readonly uploadSeconds: number;
  readonly states: readonly string[];
}

async function main(): Promise<void> {
  const [files = 100, mbPerFile = 20, workers = 2] = process.argv.slice(2).map(Number);
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const sample = path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv');
  const file = await generateCsv(sample, path.join(BENCH_DATA_DIR, `churn-${mbPerFile}mb.csv`), mbPerFile * 1_000_000);
  const child = path.join(__dirname, 'distributed-features.child.ts');
  const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  console.log(`node ${process.version}, ${process.arch}; ${files} files of ${mbPerFile} MB; Distributed Map children in ${workers} Lambda worker threads`);
  console.log('path          runs  rows        feature s  MB/s    upload s  states (time in each)');
  const results: Result[] = [];
  for (const mode of ['single', 'distributed']) {
    const out = execFileSync(tsx, [child, mode, file, String(files), String(workers)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const result = JSON.parse(
      out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{"mode"'))
        .at(-1)!,
    ) as Result;
    results.push(result);
    console.log(
      `${mode.padEnd(13)} ${String(result.runs).padEnd(5)} ${String(result.rows).padEnd(11)} ${result.seconds.toFixed(1).padEnd(10)} ${(result.bytes / 1e6 / result.seconds).toFixed(1).padEnd(7)} ${result.uploadSeconds.toFixed(1).padEnd(9)} ${result.states.join(', ')}`,
    );
  }
  const [single, distributed] = results;
  if (single.rows !== distributed.rows) throw new Error(`the paths read different rows: ${single.rows} and ${distributed.rows}`);
  console.log(`speed-up of the Distributed Map path with ${workers} workers: ${(single.seconds / distributed.seconds).toFixed(2)}x`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
