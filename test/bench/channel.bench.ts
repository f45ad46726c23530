/**
 * Benchmark: reading a training channel into the trainer's dataset, streamed (what the local
 * SageMaker does: bytes → float32 values as they arrive) against the baseline of holding the
 * channel as one string first (what it did before), each in a fresh process: wall time and peak
 * RSS. A channel past 512 MiB cannot be held as one string at all (V8's string limit).
 *
 *   npm run bench:channel            # 2,000,000 rows × 19 features (~290 MB)
 *   npm run bench:channel -- 500000
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '../../lib/local/trainer/random';
import { parseTrainingCsv, TrainingCsvParser } from '../../lib/local/trainer/training-data';

const COLUMNS = 19;

function generate(file: string, rows: number): void {
  const random = seededRandom(42);
  const fd = openSync(file, 'w');
  let block: string[] = [];
  for (let r = 0; r < rows; r++) {
    const fields = [random() < 0.15 ? '1' : '0'];
    for (let c = 0; c < COLUMNS; c++) fields.push(random() < 0.02 ? '' : (random() * 300).toFixed(2));
    block.push(fields.join(','));
    if (block.length === 10_000) {
      writeSync(fd, `${block.join('\n')}\n`);
      block = [];
    }
  }
  if (block.length > 0) writeSync(fd, `${block.join('\n')}\n`);
  closeSync(fd);
}

async function child(mode: string, file: string): Promise<void> {
  const started = performance.now();
  let rows: number;
  if (mode === 'stream') {
    const parser = new TrainingCsvParser('train channel');
    parser.begin(file);
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) parser.push(chunk as Buffer);
    rows = parser.end().rows;
  } else {
    rows = parseTrainingCsv(readFileSync(file, 'utf8'), 'train channel').rows;
  }
  console.log(JSON.stringify({ rows, ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function main(): void {
  const rows = Number(process.argv[2] ?? 2_000_000);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mlops-channel-')), 'part-00000.csv');
  generate(file, rows);
  const mb = statSync(file).size / 1e6;
  const run = (mode: string) => {
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), __filename, 'child', mode, file], { encoding: 'utf8' });
    if (result.status !== 0) return { error: result.stderr.split('\n').find((l) => /Error/.test(l)) ?? `exit ${result.status}` };
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as { rows: number; ms: number; maxRssMb: number };
  };
  const whole = run('whole');
  const streamed = run('stream');
  console.log(`node ${process.version}; channel of ${rows} rows × ${COLUMNS} features, ${mb.toFixed(0)} MB`);
  console.log(
    `one string, then parse (baseline): ${'error' in whole ? whole.error : `${(whole.ms / 1000).toFixed(2)} s, peak RSS ${whole.maxRssMb.toFixed(0)} MB`}`,
  );
  console.log(
    `streamed:                          ${'error' in streamed ? streamed.error : `${(streamed.ms / 1000).toFixed(2)} s, peak RSS ${streamed.maxRssMb.toFixed(0)} MB`}`,
  );
  if (!('error' in whole) && !('error' in streamed)) {
    console.log(`ratio streamed / baseline: time ${(streamed.ms / whole.ms).toFixed(2)}, peak RSS ${(streamed.maxRssMb / whole.maxRssMb).toFixed(2)}`);
  }
}

if (process.argv[2] === 'child') void child(process.argv[3], process.argv[4]);
else main();
