import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import Database from 'better-sqlite3';
import { CONTROL_PLANE_FILE } from '../../lib/local/state/control-plane-store';
import { LOCK_FILE, processRuns } from '../../lib/local/runtime/state-lock';

/**
 * `mlops up` killed with SIGKILL in the middle of a run, then started again on the same directory:
 * what it had acknowledged is there, the lost run is failed and notified, the upload event it had
 * not consumed is delivered again (and starts the run it was waiting to start), the endpoint
 * serves the deployed model, and the registry never reuses a version.
 */
const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);
const mlops = (...args: string[]) => run(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', ...args], { cwd: root, encoding: 'utf8' });
const sample = readFileSync(path.join(root, 'data', 'mlc_churn.csv'), 'utf8');
const [header, ...rows] = sample.trimEnd().split('\n');

interface Up {
  readonly process: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

async function up(dir: string): Promise<Up> {
  // Detached: its own process group, which the test can kill whole.
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', 'up', '--dir', dir], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await until(
    () => output.includes('Local environment up'),
    60_000,
    () => `mlops up did not start:\n${output}`,
  );
  return { process: child, output: () => output, exited };
}

async function until(condition: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > timeoutMs) throw new Error(message());
  }
}

const environment = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'environment.json'), 'utf8')) as {
    control: string;
    token: string;
    dataBucket: string;
    clientEnv: Record<string, string>;
  };

interface Status {
  runs: { name: string; status: string; state?: string; error?: string }[];
  training: { job: string; round?: number }[];
  models: { version: number; arn: string }[];
  endpoint: { status: string };
}
async function status(dir: string): Promise<Status> {
  const env = environment(dir);
  return (await (await fetch(`${env.control}/status`, { headers: { authorization: `Bearer ${env.token}` } })).json()) as Status;
}

/** An S3 client of the environment in `dir` (its key pair), and a PUT to its data bucket. */
function dataBucket(dir: string) {
  const env = environment(dir);
  const s3 = new S3Client({
    endpoint: env.clientEnv.AWS_ENDPOINT_URL_S3,
    region: env.clientEnv.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: env.clientEnv.AWS_SECRET_ACCESS_KEY },
  });
  return { put: (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: env.dataBucket, Key: key, Body: body })), destroy: () => s3.destroy() };
}

/** The state a running run entered last, read from the control-plane database as the environment commits it. */
function lastEnteredOf(db: Database.Database): () => string | undefined {
  const query = db.prepare(
    `SELECT json_extract(h.details, '$.stateEnteredEventDetails.name') AS state FROM execution_events h
     JOIN executions e ON e.execution_arn = h.execution_arn WHERE e.status = 'RUNNING' AND h.type LIKE '%StateEntered' ORDER BY h.id DESC LIMIT 1`,
  );
  return () => (query.get() as { state: string } | undefined)?.state;
}

/** A snapshot big enough to train for a while: the sample twenty times over. */
const large = () => `${header}\n${Array.from({ length: 20 }, () => rows.join('\n')).join('\n')}\n`;

test('GIVEN mlops up killed with SIGKILL during training, with an upload event waiting THEN the next mlops up on the directory fails and notifies the lost run, delivers the event again, serves the model and numbers the next model 2', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-restart-'));
  const database = () => new Database(path.join(dir, CONTROL_PLANE_FILE), { readonly: true });
  const first = await up(dir);
  let second: Up | undefined;
  try {
    // Run 1 trains model 1 on few rows with every second churner labelled "no" (so that the later snapshot's model beats it), and deploys it.
    const few = path.join(dir, 'few.csv');
    let churners = 0;
    const flipped = rows.slice(0, 1000).map((row) => (row.endsWith('"yes"') && churners++ % 2 === 0 ? row.replace(/"yes"$/, '"no"') : row));
    writeFileSync(few, `${header}\n${flipped.join('\n')}\n`);
    expect((await mlops('upload', few, '--key', 'raw/few.csv', '--dir', dir)).stdout).toContain('endpoint: churn-endpoint InService');

    // Run 2 on a larger snapshot; while it trains, one more upload arrives and waits in the queue.
    const s3 = dataBucket(dir);
    const put = s3.put;
    await put('raw/more.csv', large());
    const db = database();
    const lastEntered = lastEnteredOf(db);
    await until(
      () => lastEntered() === 'Train',
      60_000,
      () => `run 2 never reached Train:\n${first.output()}`,
    );
    await put('raw/later.csv', `${header}\n${rows.slice(0, 500).join('\n')}\n`);
    // The trigger saw run 2 running and gave the event back (received once, invisible for its visibility timeout).
    const waiting = () => db.prepare('SELECT receive_count FROM queue_messages WHERE dead_lettered = 0 AND receive_count > 0').all();
    await until(
      () => waiting().length > 0,
      30_000,
      () => `the upload event was never received:\n${first.output()}`,
    );
    const { name: lost, execution_arn: lostArn } = db.prepare("SELECT name, execution_arn FROM executions WHERE status = 'RUNNING'").get() as {
      name: string;
      execution_arn: string;
    };
    expect(lastEntered()).toBe('Train');
    // What `mlops status` (and `mlops upload`'s progress) shows of it: its state and its training job.
    const during = await status(dir);
    expect(during.runs.find((r) => r.name === lost)).toMatchObject({ status: 'RUNNING', state: 'Train' });
    expect(during.training).toEqual([expect.objectContaining({ job: expect.stringMatching(/^churn-/) })]);
    db.close();
    s3.destroy();
    const holder = readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim();
    process.kill(-first.process.pid!, 'SIGKILL');
    await first.exited;
    // Until the kernel has torn it down (a zombie, or reaped): SIGKILL is not instant for a large process.
    await until(
      () => !processRuns(Number(holder)),
      10_000,
      () => `process ${holder} survived SIGKILL`,
    );
    expect(first.output()).not.toContain('Stopping');

    second = await up(dir);
    expect(second.output()).toContain(`Resumed the state in ${dir}`);
    expect(second.output()).toMatch(new RegExp(`run ${lost}: FAILED \\(The local environment stopped while this run was in state Train`));
    expect(second.output()).toMatch(/training job \S+: Failed \(the environment stopped while it ran\)/);
    expect(second.output()).toMatch(/endpoint churn-endpoint: InService again with /);
    expect(second.output()).toMatch(/queue \S+: 1 message\(s\) kept, delivered again/);

    // The endpoint serves model 1 again at once.
    const predicted = await mlops('predict', 'test/fixtures/predict-rows.csv', '--dir', dir);
    expect(predicted.stdout.trim().split('\n').slice(1).map(Number)).toHaveLength(3);

    // The lost run: failed with the cause, notified as the pipeline notifies a failure, its history closed.
    const failed = (await status(dir)).runs.find((r) => r.name === lost);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    const notifications = readFileSync(path.join(dir, 'notifications.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { subject?: string; message: string });
    const notice = notifications.map((n) => JSON.parse(n.message) as Record<string, string>).find((m) => m.runId === lost);
    expect(notice).toMatchObject({ outcome: 'FAILED', error: 'States.TaskFailed', cause: expect.stringContaining('in state Train') });
    const env2 = environment(dir);
    const sfn = new SFNClient({
      endpoint: env2.clientEnv.AWS_ENDPOINT_URL_SFN,
      region: env2.clientEnv.AWS_REGION,
      credentials: { accessKeyId: env2.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: env2.clientEnv.AWS_SECRET_ACCESS_KEY },
    });
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: lostArn, reverseOrder: true, maxResults: 1 }));
    sfn.destroy();
    expect(history.events?.[0]).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.TaskFailed' } });

    // The event that waited starts the run it was waiting for; its model is version 2, not 1 again.
    let latest = await status(dir);
    for (const started = Date.now(); latest.runs.length < 3 || latest.runs.some((r) => r.status === 'RUNNING'); latest = await status(dir)) {
      if (Date.now() - started > 120_000) throw new Error(`the redelivered event started no run:\n${second.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(latest.runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    expect(latest.models.map((m) => m.version)).toEqual([1, 2]);
    expect(latest.endpoint.status).toBe('InService');

    process.kill(Number(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()), 'SIGINT');
    await second.exited;
    expect(second.output()).toContain('Stopped.');
  } finally {
    for (const p of [first, second]) if (p && p.process.exitCode === null && p.process.signalCode === null) process.kill(-p.process.pid!, 'SIGKILL');
  }
}, 300_000);

test('GIVEN Ctrl-C while a run trains THEN mlops up says the run is still running, a second Ctrl-C stops it at once, and the next start fails the run', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-interrupt-'));
  const first = await up(dir);
  let second: Up | undefined;
  try {
    const s3 = dataBucket(dir);
    await s3.put('raw/large.csv', large());
    s3.destroy();
    const db = new Database(path.join(dir, CONTROL_PLANE_FILE), { readonly: true });
    const lastEntered = lastEnteredOf(db);
    await until(
      () => lastEntered() === 'Train',
      60_000,
      () => `the run never reached Train:\n${first.output()}`,
    );
    const pid = Number(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim());
    process.kill(pid, 'SIGINT');
    await until(
      () => first.output().includes('still running; Ctrl-C again stops at once'),
      10_000,
      () => `no hint on Ctrl-C:\n${first.output()}`,
    );
    process.kill(pid, 'SIGINT');
    await first.exited;
    // It did not wait for the run: still RUNNING in the store, and the clean stop never finished.
    expect(lastEntered()).toBe('Train');
    expect(first.output()).not.toContain('Stopped.');
    db.close();
    second = await up(dir);
    expect(second.output()).toMatch(/run \S+: FAILED \(The local environment stopped while this run was in state Train/);
    process.kill(Number(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()), 'SIGINT');
    await second.exited;
  } finally {
    for (const p of [first, second]) if (p && p.process.exitCode === null && p.process.signalCode === null) process.kill(-p.process.pid!, 'SIGKILL');
  }
}, 180_000);
