/**
 * Benchmark: PlanShards' scan of one large object for record boundaries (`recordRanges`, 128 MiB
 * segments, 8 read at once as the plan reads S3 ranges), against the baseline of only reading the
 * same bytes with the same streams, in one run: MB/s of each and the ratio. The file is a resample
 * of the churn sample (every text field quoted, so quotes are dense: the scan's slow case).
 *
 *   npm run bench:ranges           # 1,000 MB
 *   npm run bench:ranges -- 2000   # <MB>
 */
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { recordRanges, type RangeReader } from '../../lambdas/core/io/record-ranges';
import { BENCH_DATA_DIR, generateCsv } from './generate-data';

const SEGMENT = 128 * 1024 * 1024;
const RUNS = 3;

async function readOnly(size: number, read: RangeReader): Promise<void> {
  const segments = Math.ceil(size / SEGMENT);
  let next = 0;
  const worker = async () => {
    while (next < segments) {
      const k = next++;
      for await (const chunk of read(k * SEGMENT, Math.min(size, (k + 1) * SEGMENT + 1))) void chunk;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, segments) }, worker));
}

async function best(run: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    await run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return fastest;
}

async function main(): Promise<void> {
  const [megabytes = 1000] = process.argv.slice(2).map(Number);
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const sample = path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv');
  const file = await generateCsv(sample, path.join(BENCH_DATA_DIR, `churn-${megabytes}mb.csv`), megabytes * 1_000_000);
  const size = statSync(file).size;
  const read: RangeReader = (start, end) => createReadStream(file, { start, end: end - 1, highWaterMark: 1024 * 1024 });
  const mb = size / 1e6;
  console.log(
    `node ${process.version}, ${process.arch}; ${mb.toFixed(0)} MB, ${Math.ceil(size / SEGMENT)} segments of 128 MiB, 8 read at once; best of ${RUNS}`,
  );
  const baseline = await best(() => readOnly(size, read));
  let ranges = 0;
  const scan = await best(async () => (ranges = (await recordRanges(size, SEGMENT, read))!.ranges.length));
  console.log(`read only (baseline)   ${baseline.toFixed(2)} s  ${(mb / baseline).toFixed(0)} MB/s`);
  console.log(`recordRanges           ${scan.toFixed(2)} s  ${(mb / scan).toFixed(0)} MB/s  (${ranges} ranges)`);
  console.log(`ratio (scan / read)    ${(scan / baseline).toFixed(2)}x`);
  console.log(`at this rate one object of 100 GB takes ${(100_000 / (mb / scan) / 60).toFixed(1)} minutes of PlanShards' 15`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
