/**
 * Benchmark: feature processing end to end (parse, validate, transform, write) on resampled churn
 * data of 100 MB and 1 GB, for the streaming core and a straightforward baseline, each run in its
 * own process. Prints MB/s, peak RSS, the core's scratch disk as a share of the input, and the
 * core/baseline ratio. The core runs BENCH_RUNS times (default 3) per size and reports its best
 * time with every run's time beside it (this machine is shared and noisy: runs of the same code
 * vary by up to ±30%); peak RSS is the largest of the runs. The baseline runs once, and the ratio
 * compares it with the core's median run.
 *
 *   npm run bench:features                 # 100 MB and 1 GB
 *   npm run bench:features -- 50 200       # other sizes, in MB
 *   BENCH_SKIP_BASELINE_ABOVE_MB=200 ...   # the baseline keeps every value in memory; skip it on big files
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_CONFIG_PATH } from '../../lib/config';
import { BENCH_DATA_DIR, generateCsv } from './generate-data';

interface Run {
  impl: string;
  bytes: number;
  rows: number;
  seconds: number;
  peakRssMb: number;
  scratchBytes: number;
}

async function main(): Promise<void> {
  const sizesMb = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const sizes = sizesMb.length > 0 ? sizesMb : [100, 1000];
  const skipBaselineAbove = Number(process.env.BENCH_SKIP_BASELINE_ABOVE_MB ?? Infinity);
  const coreRuns = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  // Bundled so the measured process runs plain JavaScript, as a Lambda does.
  const child = path.join(BENCH_DATA_DIR, 'feature-processing.child.js');
  buildSync({
    entryPoints: [path.join(__dirname, 'feature-processing.child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: child,
    logLevel: 'error',
  });
  const sample = path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv');

  console.log(`node ${process.version}, ${process.arch}; one process per run, single-threaded`);
  console.log(`size     impl      rows        seconds   MB/s    peak RSS MB  scratch/input  (core: best of ${coreRuns} runs)`);
  for (const mb of sizes) {
    const file = await generateCsv(sample, path.join(BENCH_DATA_DIR, `churn-${mb}mb.csv`), mb * 1_000_000);
    const results: Run[] = [];
    for (const impl of ['core', 'baseline']) {
      if (impl === 'baseline' && mb > skipBaselineAbove) continue;
      const outDir = path.join(BENCH_DATA_DIR, `out-${impl}`);
      mkdirSync(outDir, { recursive: true });
      const runs = Array.from(
        { length: impl === 'core' ? coreRuns : 1 },
        () =>
          JSON.parse(
            execFileSync(process.execPath, ['--max-old-space-size=8192', child, impl, file, outDir, DEFAULT_CONFIG_PATH], { encoding: 'utf8' }),
          ) as Run,
      );
      const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const run: Run = { ...best, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
      // The ratio to the baseline's single run uses the core's median, not its best run.
      const median = runs.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor((runs.length - 1) / 2)];
      results.push({ ...run, seconds: median });
      const mbps = run.bytes / 1e6 / run.seconds;
      const all = runs.length > 1 ? `  runs: ${runs.map((r) => r.seconds.toFixed(2)).join(', ')} s` : '';
      console.log(
        `${String(mb).padEnd(5)}MB  ${impl.padEnd(9)} ${String(run.rows).padEnd(11)} ${run.seconds.toFixed(2).padEnd(9)} ${mbps.toFixed(1).padEnd(7)} ${run.peakRssMb.toFixed(0).padEnd(12)} ${impl === 'core' ? (run.scratchBytes / run.bytes).toFixed(2).padEnd(14) : '-'.padEnd(14)}${all}`,
      );
    }
    if (results.length === 2) {
      const [core, baseline] = results;
      console.log(
        `         core (median run)/baseline: ${(baseline.seconds / core.seconds).toFixed(2)}x throughput, ${(core.peakRssMb / baseline.peakRssMb).toFixed(2)}x peak RSS`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
