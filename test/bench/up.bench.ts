/**
 * Benchmark: `mlops up` with one large upload end to end (upload → trigger → feature processing →
 * training → evaluation → registration → deployment), the wall time from the PUT to the run's end
 * and the peak RSS of the environment's process (the kernel's high-water mark, VmHWM, which counts
 * its worker threads: the trainer runs in one), with the time of each step from the execution's
 * own history (GetExecutionHistory), and the input's size and rows.
 *
 *   npm run bench:up                 # a 1 GB resample of the churn sample (about 10M rows)
 *   npm run bench:up -- 200          # another size, in MB
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCK_FILE } from '../../lib/local/runtime/state-lock';
import { printed } from './child-output';
import { BENCH_DATA_DIR, generateCsv } from './generate-data';

const root = path.join(__dirname, '..', '..');

/** The kernel's peak resident set of a process, in MB (VmHWM in /proc/<pid>/status). */
function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? 1000);
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const file = await generateCsv(path.join(root, 'data', 'mlc_churn.csv'), path.join(BENCH_DATA_DIR, `churn-${megabytes}mb.csv`), megabytes * 1e6);
  const bytes = statSync(file).size;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-bench-up-'));
  const up = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', 'up', '--dir', dir], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await printed(up, 'Local environment up', 120_000);
    const pid = Number(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim());
    const env = JSON.parse(readFileSync(path.join(dir, 'environment.json'), 'utf8')) as {
      control: string;
      token: string;
      dataBucket: string;
      rawPrefix: string;
      clientEnv: Record<string, string>;
    };
    const credentials = { accessKeyId: env.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: env.clientEnv.AWS_SECRET_ACCESS_KEY };
    const region = env.clientEnv.AWS_REGION;
    const idleRss = peakRssMb(pid);
    const s3 = new S3Client({ endpoint: env.clientEnv.AWS_ENDPOINT_URL_S3, region, forcePathStyle: true, credentials });
    const started = Date.now();
    // Read here, in the benchmark's process: the environment's peak counts only what it does itself.
    await s3.send(new PutObjectCommand({ Bucket: env.dataBucket, Key: `${env.rawPrefix}bench.csv`, Body: readFileSync(file) }));
    s3.destroy();
    type Status = { runs: { name: string; executionArn: string; status: string; error?: string; cause?: string }[] };
    let status: Status;
    for (;;) {
      status = (await (await fetch(`${env.control}/status`, { headers: { authorization: `Bearer ${env.token}` } })).json()) as Status;
      if (status.runs.length > 0 && status.runs.every((r) => r.status !== 'RUNNING')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssMb(pid);
    const run = status.runs[0];

    const sfn = new SFNClient({ endpoint: env.clientEnv.AWS_ENDPOINT_URL_SFN, region, credentials });
    const executionArn = run.executionArn;
    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
    sfn.destroy();
    const entered = new Map<string, number>();
    const steps: string[] = [];
    for (const event of history) {
      if (event.stateEnteredEventDetails?.name) entered.set(event.stateEnteredEventDetails.name, event.timestamp!.getTime());
      const exited = event.stateExitedEventDetails?.name;
      if (exited && entered.has(exited) && event.type === 'TaskStateExited') {
        steps.push(`${exited} ${((event.timestamp!.getTime() - entered.get(exited)!) / 1000).toFixed(1)} s`);
      }
    }
    const rows = readFileSync(file).reduce((n, byte) => n + (byte === 10 ? 1 : 0), 0) - 1;
    console.log(`node ${process.version}; input ${(bytes / 1e6).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows`);
    console.log(`run ${run.name}: ${run.status}${run.error ? ` (${run.error}: ${run.cause ?? ''})` : ''}`);
    console.log(`end to end (PUT → run ended): ${seconds.toFixed(1)} s`);
    console.log(`steps: ${steps.join(', ')}`);
    console.log(
      `peak RSS of the mlops up process: ${peak.toFixed(0)} MB (at start-up: ${idleRss.toFixed(0)} MB); goal ≤ 1024 MB: ${peak <= 1024 ? 'met' : 'NOT met'}`,
    );
  } finally {
    process.kill(-up.pid!, 'SIGKILL');
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
