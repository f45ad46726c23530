#!/usr/bin/env -S npx tsx
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, parseConfig, type MlopsConfig } from '../lib/config';
import { InferenceError, inferConfig } from '../lib/config/infer-config';
import { formatInference } from '../lib/config/inference-table';
import { checkData, formatCheck } from '../lib/local/cli/check-data';
import { formatRunReport } from '../lib/local/cli/run-report';
import { formatPredictions } from '../lib/local/cli/predictions';
import type { PredictResponse } from '../lib/local/cli/control-server';
import type { RunReport } from '../lib/local/runtime/run-report';
import {
  LocalMlops,
  lockStateDirectory,
  readSynthesizedTemplate,
  routeLambdaLogs,
  runDemo,
  startControlServer,
  synthesizeTemplate,
  type CfnTemplate,
} from '../lib/local';
import { stackNameFor } from '../lib/stacks/mlops-stack';
import { synthesizeInChildProcess } from '../lib/local/template/synth-process';
import { watchLaunchers } from '../lib/local/runtime/launcher-watch';

const USAGE = `mlops: the serverless-mlops lifecycle on this machine, no AWS account needed

  mlops init <file.csv> --target COL [--positive VALUE] [--id COL] [--name NAME] [--out FILE] [--limits] [--force]
                             infer a config from your data (prints every column with what was inferred and why)
  mlops check <file.csv>     validate a file against the config as a run would (accepted, quarantined with reasons); uploads nothing
  mlops demo                 the whole lifecycle on the sample data, narrated (npm run demo)
  mlops up                   start a local environment and keep it running (Ctrl-C stops it)
  mlops upload <file.csv>    upload a data file under the raw prefix of a running environment
  mlops predict <file.csv>   score raw rows (CSV with a header) on the local endpoint
  mlops drift [--window-end ISO]   run the drift check now and judge the alarms
  mlops status               runs, model versions, endpoint, alarms, queues
  mlops runs                 every run: outcome, duration, rows, the gate's decision
  mlops run <name>           one run: its states with timings, rows by reason, the gate, the error
  mlops stop <name>          stop a running run (StopExecution; a training job it started is stopped)
  mlops config [--stage S]   print the final config (of stage S: base + its overrides), as deployed

Options:
  --config <file>      data set config (default ${path.relative(process.cwd(), DEFAULT_CONFIG_PATH)})
  --stage <name>       use that stage's final config (config "stages")
  --cdk-out <dir>      use the template \`npm run synth\` wrote instead of synthesizing in process
  --dir <dir>          local state (default: a new temporary directory for demo, .mlops-local for up)
  --s3-port <n>, --endpoint-port <n>, --control-port <n>   fixed ports for up (default: free ports)
  --key <key>          object key for upload (default <rawPrefix><file name>)

Exit status: 0 when the command did what it says; 1 on an error, and for upload when its run FAILED.`;

const ENVIRONMENT_FILE = 'environment.json';
/** Where `mlops up` keeps its state, and where the other commands look for it. */
const DEFAULT_DIR = '.mlops-local';

/** What the other commands need of a running `mlops up`; owner-readable only (it holds the key pair and the control token). */
interface EnvironmentFile {
  readonly control: string;
  readonly token: string;
  readonly s3: string;
  readonly dataBucket: string;
  readonly rawPrefix: string;
  readonly clientEnv: Record<string, string>;
}

function templateFor(config: MlopsConfig, cdkOut: string | undefined): CfnTemplate {
  return cdkOut ? readSynthesizedTemplate(cdkOut, stackNameFor(config)) : synthesizeTemplate(config);
}

function readEnvironment(dir: string): EnvironmentFile {
  const file = path.join(dir, ENVIRONMENT_FILE);
  if (!existsSync(file)) throw new Error(`no local environment in ${dir}: start one with \`npx mlops up\` (or pass the --dir it uses)`);
  return JSON.parse(readFileSync(file, 'utf8')) as EnvironmentFile;
}

/**
 * One call of the control API. node:http rather than fetch: fetch gives up on a response whose
 * headers take over 300 s, and `POST /wait` answers only when the run it waits for has ended.
 */
async function control(env: EnvironmentFile, method: 'GET' | 'POST', route: string, body?: string): Promise<unknown> {
  let response: { status: number; text: string };
  try {
    response = await new Promise((resolve, reject) => {
      const sent = request(`${env.control}${route}`, { method, headers: { authorization: `Bearer ${env.token}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      sent.on('error', reject);
      sent.end(body);
    });
  } catch (err) {
    throw new Error(`the local environment at ${env.control} does not answer (was \`mlops up\` stopped?): ${(err as Error).message}`, { cause: err });
  }
  const result = JSON.parse(response.text) as { error?: string };
  if (response.status < 200 || response.status > 299) throw new Error(result.error ?? `HTTP ${response.status}`);
  return result;
}

async function up(config: MlopsConfig, values: Record<string, string | boolean | undefined>): Promise<void> {
  const dir = path.resolve(typeof values.dir === 'string' ? values.dir : DEFAULT_DIR);
  mkdirSync(dir, { recursive: true });
  // One `mlops up` per state directory.
  const unlock = lockStateDirectory(dir);
  const restore = routeLambdaLogs(path.join(dir, 'lambda.log'));
  nodeVersionNote();
  console.log(`Synthesizing ${stackNameFor(config)}...`);
  const port = (name: string) => (typeof values[name] === 'string' ? Number(values[name]) : undefined);
  const local = await LocalMlops.start({
    // A long-lived process: synthesized apart, so the CDK's memory is not its high-water mark.
    template:
      typeof values['cdk-out'] === 'string'
        ? templateFor(config, values['cdk-out'])
        : synthesizeInChildProcess(
            typeof values.config === 'string' ? values.config : DEFAULT_CONFIG_PATH,
            typeof values.stage === 'string' ? values.stage : undefined,
            path.join(dir, 'template.json'),
          ),
    directory: dir,
    ports: { s3: port('s3-port'), endpoint: port('endpoint-port') },
    onNotification: (n) => console.log(`[SNS] ${n.subject ?? ''}\n      ${n.message}`),
    onExecutionEnded: (e) => console.log(`[run] ${e.name}: ${e.status}${e.result?.error ? ` (${e.result.error}: ${e.result.cause})` : ''}`),
    onBackgroundError: (err) => console.error(`[error] ${err.message}`),
  });
  if (local.recovered.length > 0)
    console.log(`Resumed the state in ${dir}; unfinished when the previous process stopped:\n${local.recovered.map((line) => `  ${line}`).join('\n')}`);
  const server = await startControlServer(local, port('control-port')).catch(async (err: unknown) => {
    await local.stop();
    throw err;
  });
  const env: EnvironmentFile = {
    control: server.endpoint,
    token: server.token,
    s3: local.clientEnv.AWS_ENDPOINT_URL_S3,
    dataBucket: local.functionSetting('DATA_BUCKET'),
    rawPrefix: config.retraining.rawPrefix,
    clientEnv: local.clientEnv,
  };
  const environmentFile = path.join(dir, ENVIRONMENT_FILE);
  writeFileSync(environmentFile, JSON.stringify(env, null, 2), { mode: 0o600 });
  chmodSync(environmentFile, 0o600);
  console.log(`Local environment up; state in ${dir} (Ctrl-C stops it).
  S3:        ${env.s3}  (buckets: ${Object.values(local.buckets).join(', ')})
  endpoint:  ${local.endpointUrl}
  handler logs: ${path.join(dir, 'lambda.log')}; notifications: ${path.join(dir, 'notifications.jsonl')}
  ${local.requestChecks}

Upload with the aws CLI (any version):
  AWS_ACCESS_KEY_ID=${env.clientEnv.AWS_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=${env.clientEnv.AWS_SECRET_ACCESS_KEY} AWS_REGION=${env.clientEnv.AWS_REGION} \\
    aws --endpoint-url ${env.s3} s3 cp data/mlc_churn.csv s3://${env.dataBucket}/${env.rawPrefix}mlc_churn.csv
or: npx mlops upload data/mlc_churn.csv --dir ${dir}`);
  let stopWatching = () => undefined as void;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // A SIGTERM sent to npx does not reach this process: its launcher ending stands for it.
    stopWatching = watchLaunchers((pid) => {
      console.log(`\nThe process that launched mlops up (PID ${pid}) ended.`);
      resolve();
    });
  });
  stopWatching();
  const running = local.stepFunctions.executions.filter((e) => e.status === 'RUNNING').map((e) => e.name);
  console.log(
    `\nStopping: waiting for running work, flushing capture, closing servers...${
      running.length > 0
        ? `\n  (${running.join(', ')} still running; Ctrl-C again stops at once: the next \`mlops up\` on ${dir} fails and notifies the run)`
        : ''
    }`,
  );
  // Other commands find no environment rather than a dead one.
  rmSync(environmentFile, { force: true });
  await server.close();
  await local.stop();
  restore();
  unlock();
  console.log('Stopped.');
}

/**
 * The AWS SDK warns, in every process and worker, that its releases after January 2027 need
 * Node.js 22. Said once instead, by the long-running commands, with what to do.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
function nodeVersionNote(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22)
    console.log(
      `note: Node.js ${process.versions.node}: mlops runs on it, but AWS SDK releases after January 2027 need Node.js 22 or later; upgrade Node before updating the SDK packages.`,
    );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      stage: { type: 'string' },
      'cdk-out': { type: 'string' },
      dir: { type: 'string' },
      key: { type: 'string' },
      'window-end': { type: 'string' },
      's3-port': { type: 'string' },
      'endpoint-port': { type: 'string' },
      'control-port': { type: 'string' },
      target: { type: 'string' },
      positive: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      limits: { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'init') return init(args[0], values);
  const config = loadConfig(values.config ?? DEFAULT_CONFIG_PATH, values.stage);
  const environment = () => readEnvironment(path.resolve(values.dir ?? DEFAULT_DIR));
  switch (command) {
    case 'check': {
      const [file] = args;
      if (!file) throw new Error('mlops check: which file? e.g. `mlops check data/mlc_churn.csv --config config/churn.json`');
      const report = await checkData(file, config);
      console.log(formatCheck(report, config));
      if (report.failure) process.exitCode = 1;
      return;
    }
    case 'runs': {
      const reports = (await control(environment(), 'GET', '/runs')) as RunReport[];
      if (reports.length === 0) console.log('no runs yet: upload data with `mlops upload FILE`');
      for (const report of reports) console.log(formatRunReport(report, { states: false }));
      return;
    }
    case 'run': {
      const [name] = args;
      if (!name) throw new Error('mlops run: which run? `mlops runs` lists them');
      console.log(formatRunReport((await control(environment(), 'POST', '/run', JSON.stringify({ name }))) as RunReport));
      return;
    }
    case 'stop': {
      const [name] = args;
      if (!name) throw new Error('mlops stop: which run? `mlops runs` lists them');
      console.log(formatRunReport((await control(environment(), 'POST', '/stop', JSON.stringify({ name }))) as RunReport));
      return;
    }
    case 'config': {
      // Stages and delivery describe where configs go, not what one stage deploys.
      const { stages, delivery, ...deployed } = config;
      console.log(JSON.stringify(values.stage ? deployed : { ...deployed, stages, delivery }, null, 2));
      return;
    }
    case 'demo': {
      const dir = path.resolve(values.dir ?? mkdtempSync(path.join(tmpdir(), 'mlops-demo-')));
      mkdirSync(dir, { recursive: true });
      const restore = routeLambdaLogs(path.join(dir, 'lambda.log'));
      try {
        console.log(`serverless-mlops demo: the "${config.dataset.name}" lifecycle on this machine (state and logs in ${dir})`);
        nodeVersionNote();
        const sample = readFileSync(path.join(__dirname, '..', 'data', 'mlc_churn.csv'));
        await runDemo({
          config,
          sample,
          directory: dir,
          print: (line) => console.log(line),
          template: values['cdk-out'] ? templateFor(config, values['cdk-out']) : undefined,
        });
      } finally {
        restore();
      }
      return;
    }
    case 'up':
      return up(config, values);
    case 'upload': {
      const [file] = args;
      if (!file) throw new Error('mlops upload: which file? e.g. `mlops upload data/mlc_churn.csv`');
      const env = environment();
      const key = values.key ?? `${env.rawPrefix}${path.basename(file)}`;
      const s3 = new S3Client({
        endpoint: env.s3,
        region: env.clientEnv.AWS_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: env.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: env.clientEnv.AWS_SECRET_ACCESS_KEY },
      });
      const before = new Set(((await control(env, 'GET', '/runs')) as RunReport[]).map((r) => r.name));
      await s3.send(new PutObjectCommand({ Bucket: env.dataBucket, Key: key, Body: readFileSync(file) }));
      s3.destroy();
      console.log(`uploaded s3://${env.dataBucket}/${key}; waiting for the retraining it starts...`);
      const status = (await withProgress(env, control(env, 'POST', '/wait'))) as Awaited<ReturnType<LocalMlops['status']>>;
      const started = ((await control(env, 'GET', '/runs')) as RunReport[]).filter((r) => !before.has(r.name));
      if (started.length === 0)
        console.log(
          'no run started: the snapshot is one that already had its run, or nothing under the raw prefix is data (keys end in .csv or .csv.gz; see the handler log)',
        );
      for (const report of started) console.log(formatRunReport(report));
      console.log(
        `endpoint: ${status.endpoint.name} ${status.endpoint.status}${status.deployedModel.modelPackageArn ? ` (serving ${status.deployedModel.modelPackageArn})` : ''}`,
      );
      if (started.some((r) => r.outcome === 'FAILED')) process.exitCode = 1;
      return;
    }
    case 'predict': {
      const [file] = args;
      if (!file) throw new Error('mlops predict: which file? a CSV with a header and the feature columns');
      const env = environment();
      const result = (await control(env, 'POST', '/predict', readFileSync(file, 'utf8'))) as PredictResponse;
      console.log(`# ${result.predictions.length} predictions from ${result.modelPackageArn}`);
      console.log(formatPredictions(result));
      return;
    }
    case 'drift': {
      const env = environment();
      console.log(JSON.stringify(await control(env, 'POST', '/drift', JSON.stringify({ windowEnd: values['window-end'] })), null, 2));
      return;
    }
    case 'status':
      printStatus(await control(environment(), 'GET', '/status'));
      return;
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

/**
 * While `work` runs, the running runs' states and the training round, a line whenever they
 * change (a training job's round at most every 10 rounds): a large upload trains for minutes.
 */
async function withProgress<T>(env: EnvironmentFile, work: Promise<T>): Promise<T> {
  let last = '';
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const poll = (async () => {
    while (!done) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, 2000);
      });
      if (done) return;
      const s = (await control(env, 'GET', '/status').catch(() => undefined)) as Awaited<ReturnType<LocalMlops['status']>> | undefined;
      if (!s) continue;
      const training = s.training.map((t) => (t.round === undefined ? t.job : `${t.job} round ${Math.floor(t.round / 10) * 10}+`)).join(', ');
      const line = s.runs
        .filter((r) => r.status === 'RUNNING')
        .map((r) => `  ${r.name}: ${r.state ?? 'starting'}${r.state === 'Train' && training ? ` (${training})` : ''}`)
        .join('\n');
      if (line && line !== last) console.log(line);
      last = line;
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    clearTimeout(timer);
    wake?.();
    await poll;
  }
}

function printStatus(status: unknown): void {
  const s = status as Awaited<ReturnType<LocalMlops['status']>>;
  console.log('runs:');
  for (const r of s.runs) console.log(`  ${r.name}  ${r.outcome}${r.state ? ` (in ${r.state})` : ''}${r.error ? `  ${r.error}` : ''}`);
  console.log('model versions:');
  for (const m of s.models) console.log(`  v${m.version}  ${m.approval}  ${m.arn}`);
  console.log(`endpoint: ${s.endpoint.name} ${s.endpoint.status}${'config' in s.endpoint ? ` (${s.endpoint.config})` : ''}`);
  console.log('alarms:');
  for (const a of s.alarms) console.log(`  ${a.state?.padEnd(17)} ${a.name}`);
  for (const q of s.queues) console.log(`queue ${q.queue}: ${q.waiting} waiting, ${q.deadLettered} dead-lettered`);
}

/** `mlops init`: writes the inferred config (never over an existing file without --force) and prints why. */
async function init(file: string | undefined, values: Record<string, string | boolean | undefined>): Promise<void> {
  if (!file) throw new Error('mlops init: which file? e.g. `mlops init data.csv --target churn`');
  if (typeof values.target !== 'string') throw new Error('mlops init: --target COL names the column to predict');
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const result = await inferConfig({
    file,
    target: values.target,
    positive: str('positive'),
    id: str('id'),
    name: str('name'),
    limits: values.limits === true,
  });
  const out = str('out') ?? path.join('config', `${(result.config.dataset as { name: string }).name}.json`);
  // The config it writes must load: the same check as every command's.
  parseConfig(result.config, out);
  if (existsSync(out) && values.force !== true) throw new Error(`${out} exists: pass --force to replace it, or --out FILE`);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result.config, null, 2)}\n`);
  console.log(formatInference(result, file));
  console.log(`\nWrote ${out}. Next:\n  npx mlops check ${file} --config ${out}\n  npx mlops up --config ${out}     (then: npx mlops upload ${file})`);
}

// `mlops predict ... | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof InferenceError ? err.message : `mlops: ${(err as Error).message}`);
  process.exitCode = 1;
});
