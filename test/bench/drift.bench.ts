/**
 * Benchmark: the drift core end to end (read, parse capture JSONL, bin, metrics) on capture files
 * of 100k, 1M and 10M records made from the sample data, each run in its own process.
 *
 *   npm run bench:drift               # 100k, 1M, 10M records
 *   npm run bench:drift -- 100000     # other sizes
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { formatCaptureRecord } from '../../lambdas/core/drift/capture';
import { encodeRawFeatures } from '../../lambdas/core/features/feature-spec';
import { processDataset } from '../../lambdas/core/features/process';
import { writableSink } from '../../lambdas/core/io/line-sink';
import { loadConfig } from '../../lib/config';
import { BENCH_DATA_DIR } from './generate-data';
import { Writable } from 'node:stream';

const discard = () => writableSink(new Writable({ write: (_c, _e, done) => done() }));

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const sampleFile = path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv');
  const config = loadConfig();
  const sample = readFileSync(sampleFile);
  const { spec, baseline } = await processDataset(
    [
      {
        name: 'sample',
        chunks: async function* () {
          yield sample;
        },
      },
    ],
    { quarantine: discard(), train: discard(), validation: discard() },
    { dataset: config.dataset, features: config.features, maxBadRowShare: 0.05 },
  );
  const baselineFile = path.join(BENCH_DATA_DIR, 'drift-baseline.json');
  writeFileSync(baselineFile, JSON.stringify(baseline));
  const [header, ...lines] = sample
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(',').map((f) => f.replace(/^"|"$/g, '')));
  const encoded = lines.map((fields) =>
    encodeRawFeatures(
      spec,
      spec.features.map((f) => fields[header.indexOf(f.name)]),
    ).join(','),
  );

  const child = path.join(BENCH_DATA_DIR, 'drift.child.js');
  buildSync({ entryPoints: [path.join(__dirname, 'drift.child.ts')], bundle: true, platform: 'node', target: 'node20', outfile: child, logLevel: 'error' });
  console.log(`node ${process.version}; one record = one request of one row; single-threaded; best of 3 runs (peak RSS: max of 3)`);
  console.log('records     MB       seconds   records/s    peak RSS MB');
  for (const n of sizes.length > 0 ? sizes : [100_000, 1_000_000, 10_000_000]) {
    const file = path.join(BENCH_DATA_DIR, `capture-${n}.jsonl`);
    if (!existsSync(file)) {
      const out = createWriteStream(file);
      const time = new Date('2026-11-26T12:00:00Z');
      let block: string[] = [];
      for (let i = 0; i < n; i++) {
        block.push(formatCaptureRecord(encoded[i % encoded.length], '0.1', `e${i}`, time));
        if (block.length === 10_000) {
          if (!out.write(`${block.join('\n')}\n`)) await once(out, 'drain');
          block = [];
        }
      }
      out.end(block.length > 0 ? `${block.join('\n')}\n` : '');
      await once(out, 'finish');
    }
    // Best of three runs: this is a shared, noisy VM, and the fastest run is the least disturbed one.
    const runs = [0, 1, 2].map(
      () =>
        JSON.parse(execFileSync(process.execPath, [child, file, baselineFile], { encoding: 'utf8' })) as {
          records: number;
          seconds: number;
          peakRssMb: number;
        },
    );
    const run = runs.reduce((best, r) => (r.seconds < best.seconds ? r : best));
    run.peakRssMb = Math.max(...runs.map((r) => r.peakRssMb));
    const mb = statSync(file).size / 1e6;
    console.log(
      `${String(run.records).padEnd(11)} ${mb.toFixed(0).padEnd(8)} ${run.seconds.toFixed(2).padEnd(9)} ${Math.round(run.records / run.seconds)
        .toString()
        .padEnd(12)} ${run.peakRssMb.toFixed(0)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
