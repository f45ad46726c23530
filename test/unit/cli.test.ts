import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { processRuns } from '../../lib/local/runtime/state-lock';

/** The `mlops` CLI as a user runs it: output, exit codes and the errors it explains. */
const root = path.join(__dirname, '..', '..');
const mlops = (...args: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('mlops CLI', () => {
  test('GIVEN --help THEN every command is listed', () => {
    const result = mlops('--help');
    expect(result.status).toBe(0);
    for (const command of ['init', 'check', 'demo', 'up', 'upload', 'predict', 'drift', 'status', 'runs', 'run', 'stop', 'config'])
      expect(result.stdout).toContain(`mlops ${command}`);
  });

  test("GIVEN config --stage prod THEN the stage's final config is printed as JSON", () => {
    const result = mlops('config', '--config', 'config/churn-stages.json', '--stage', 'prod');
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout) as { deployment: { compute: { type: string } }; stage: { name: string }; stages?: unknown };
    expect(printed.deployment.compute.type).toBe('instances');
    expect(printed.stage.name).toBe('prod');
    expect(printed.stages).toBeUndefined();
  }, 30_000);

  test.each([
    [['config', '--config', 'config/churn-stages.json', '--stage', 'qa'], 'stage: "qa" is not defined (stages: dev, prod)'],
    [['demo', '--cdk-out', '/nonexistent/cdk.out'], '/nonexistent/cdk.out/ServerlessMlops-churn.template.json does not exist: run `npm run synth` first'],
    [['status', '--dir', mkdtempSync(path.join(tmpdir(), 'mlops-cli-'))], 'no local environment in'],
    [['upload'], 'mlops upload: which file?'],
    [['launch'], 'unknown command "launch"'],
  ])(
    'GIVEN %j THEN it exits 1 explaining why',
    (args, message) => {
      const result = mlops(...args);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(message);
    },
    30_000,
  );
});

describe('mlops up', () => {
  test('GIVEN a running environment THEN status, upload (which trains and deploys) and predict answer, and Ctrl-C stops it cleanly and removes its state file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-up-'));
    // Detached: a process group of its own, so SIGINT reaches it (and tsx's child) as a terminal's Ctrl-C does.
    const up = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', 'up', '--dir', dir], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    up.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    try {
      for (const started = Date.now(); !stdout.includes('Local environment up');) {
        if (Date.now() - started > 60_000) throw new Error(`mlops up did not start:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(existsSync(path.join(dir, 'environment.json'))).toBe(true);
      // It holds the environment's key pair and control token: readable by its owner only.
      expect(statSync(path.join(dir, 'environment.json')).mode & 0o777).toBe(0o600);
      // A second `mlops up` on the same directory is refused, naming the first one's PID.
      const second = mlops('up', '--dir', dir);
      expect(second.status).not.toBe(0);
      expect(second.stderr).toMatch(new RegExp(`is in use by another mlops up \\(PID ${readFileSync(path.join(dir, 'mlops.lock'), 'utf8').trim()}\\)`));
      const status = mlops('status', '--dir', dir);
      expect(status.status).toBe(0);
      expect(status.stdout).toContain('endpoint: churn-endpoint not created');
      const upload = mlops('upload', 'data/mlc_churn.csv', '--dir', dir);
      expect(upload.status).toBe(0);
      // What happened: the outcome, the rows, the gate's decision and every state with its time.
      expect(upload.stdout).toMatch(/snapshot-[0-9a-f]{40}: DEPLOYED in \d+\.\d s/);
      expect(upload.stdout).toContain('rows: read 5000, accepted 5000, quarantined 0; train 4040, validation 960');
      expect(upload.stdout).toMatch(/gate: promote: no model in production; validation:auc 0\.\d+ passes the minimum/);
      expect(upload.stdout).toMatch(/\+\d+\.\d s {2}Train +\d+\.\d s/);
      const runName = /(snapshot-[0-9a-f]{40}): DEPLOYED/.exec(upload.stdout)![1];
      expect(mlops('status', '--dir', dir).stdout).toContain('endpoint: churn-endpoint InService');
      // A run that fails: upload says so, names the error, and exits 1.
      const failing = mlops('upload', 'test/fixtures/header-only.csv', '--dir', dir);
      expect(failing.status).toBe(1);
      expect(failing.stdout).toMatch(/snapshot-[0-9a-f]{40}: FAILED in/);
      expect(failing.stdout).toContain('error: DataValidationError: raw/header-only.csv: the file has a header but no data rows');
      expect(failing.stdout).toMatch(/ProcessFeatures +\d+\.\d s {2}FAILED \(DataValidationError\)/);
      const runs = mlops('runs', '--dir', dir);
      expect(runs.status).toBe(0);
      expect(runs.stdout).toContain(`${runName}: DEPLOYED`);
      expect(runs.stdout).toMatch(/: FAILED in/);
      const run = mlops('run', runName, '--dir', dir);
      expect(run.stdout).toMatch(/PublishDeployedModel +\d+\.\d s/);
      expect(mlops('run', 'snapshot-none', '--dir', dir).stderr).toContain('no run "snapshot-none" (runs: ');
      // `predict | head`: the closed pipe ends it quietly, no EPIPE stack trace.
      const piped = spawnSync(
        'sh',
        ['-c', `"${process.execPath}" "${require.resolve('tsx/cli')}" bin/mlops.ts predict data/mlc_churn.csv --dir "${dir}" | head -1`],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      expect(piped.stdout).toMatch(/^# 5000 predictions from /);
      expect(piped.stderr).not.toContain('EPIPE');
      // The SDK's Node-version warning is not printed by every command.
      expect(`${upload.stderr}${runs.stderr}`).not.toContain('NodeVersionSupportWarning');
      const predict = mlops('predict', 'test/fixtures/predict-rows.csv', '--dir', dir);
      expect(predict.status).toBe(0);
      const scores = predict.stdout.trim().split('\n').slice(1).map(Number);
      expect(scores).toHaveLength(3);
      for (const score of scores) {
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThan(1);
      }
      const { s3, control } = JSON.parse(readFileSync(path.join(dir, 'environment.json'), 'utf8')) as { s3: string; control: string };
      // Ctrl-C to the environment's own process (its PID is in the lock): signalling tsx's launcher
      // too lets it SIGKILL a child that takes over 30 ms to acknowledge (seen on a loaded machine).
      process.kill(Number(readFileSync(path.join(dir, 'mlops.lock'), 'utf8').trim()), 'SIGINT');
      // tsx reports the interrupt as 130 (128 + SIGINT) or passes on the CLI's 0; either way it exited, not killed.
      expect([0, 130]).toContain(await exited);
      expect(stdout).toContain('Stopped.');
      expect(existsSync(path.join(dir, 'environment.json'))).toBe(false);
      for (const url of [s3, control]) await expect(fetch(url)).rejects.toThrow();
    } finally {
      if (up.exitCode === null) process.kill(-up.pid!, 'SIGKILL');
    }
  }, 120_000);
});

describe('mlops up started through npx', () => {
  test('GIVEN SIGTERM sent to npx (whose sh -c does not pass it on) THEN mlops up stops cleanly and frees its directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-npx-'));
    const npx = spawn('npx', ['mlops', 'up', '--dir', dir], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    npx.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      for (const started = Date.now(); !stdout.includes('Local environment up'); await new Promise((r) => setTimeout(r, 200)))
        if (Date.now() - started > 90_000) throw new Error(`mlops up did not start:\n${stdout}`);
      const pid = Number(readFileSync(path.join(dir, 'mlops.lock'), 'utf8').trim());
      npx.kill('SIGTERM');
      for (const started = Date.now(); !stdout.includes('Stopped.'); await new Promise((r) => setTimeout(r, 200)))
        if (Date.now() - started > 30_000) throw new Error(`mlops up did not stop after npx was terminated:\n${stdout}`);
      expect(stdout).toMatch(/The process that launched mlops up \(PID \d+\) ended\./);
      for (const started = Date.now(); existsSync(path.join(dir, 'mlops.lock')); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - started > 10_000) throw new Error('the lock was not released');
      expect(existsSync(path.join(dir, 'environment.json'))).toBe(false);
      for (const started = Date.now(); processRuns(pid); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - started > 10_000) throw new Error(`mlops up (PID ${pid}) still runs`);
    } finally {
      try {
        process.kill(-npx.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 150_000);
});
