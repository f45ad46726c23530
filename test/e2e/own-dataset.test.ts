import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * A data set that ships in neither the tests nor the docs, as a new user brings one: generated
 * here with mixed types, missing tokens, an identifier, free text, a constant column and a
 * three-class target (multiclass). `mlops init` → `mlops check` → `mlops up` → `mlops upload` (gzip) →
 * `mlops predict`, each through the CLI as a person runs it.
 */
const root = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mlops-own-'));
const mlops = (...args: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', ...args], { cwd: root, encoding: 'utf8' });

/** Seeded, so the data (and what init infers from it) is the same on every run. */
function generate(rows: number): string {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['ticket_id,opened_hour,channel,priority_flag,reopened,description,wait_minutes,agent_team,batch,outcome'];
  for (let i = 0; i < rows; i++) {
    const wait = random() * 120;
    const flag = random() < 0.3;
    const channel = ['email', 'phone', 'chat', 'web'][Math.floor(random() * 4)];
    // The outcome depends on the wait, the flag and the channel: something to learn.
    const score = wait / 120 + (flag ? 0.4 : 0) + (channel === 'phone' ? 0.2 : 0) + random() * 0.5;
    const outcome = score > 1.1 ? 'escalated' : score > 0.7 ? 'resolved' : 'closed';
    const hour = random() < 0.05 ? ['NA', '', 'null'][i % 3] : String(Math.floor(random() * 24));
    lines.push(
      [
        `T${100000 + i}`,
        hour,
        channel,
        flag ? 'yes' : 'no',
        random() < 0.2 ? 'TRUE' : 'false',
        `"Customer wrote about order ${i}, asking for help with a delivery"`,
        wait.toFixed(2),
        `team-${Math.floor(random() * 6)}`,
        'b1',
        outcome,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

test('GIVEN a new data set THEN init infers a config that validates, check accepts the data, and up + upload train and deploy a model that predicts', async () => {
  const data = path.join(dir, 'support-tickets.csv');
  writeFileSync(data, generate(3000));
  const config = path.join(dir, 'tickets.json');

  const init = mlops('init', data, '--target', 'outcome', '--out', config);
  expect(init.stderr).toBe('');
  expect(init.status).toBe(0);
  expect(init.stdout).toMatch(/^ticket_id +identifier +yes /m);
  expect(init.stdout).toMatch(/^description +free text +no /m);
  expect(init.stdout).toMatch(/^batch +constant +no /m);
  const hour = /^opened_hour +numeric +yes +(\d+) \((.*)\) +24 +0 \.\. 23 /m.exec(init.stdout);
  expect(hour).not.toBeNull();
  expect(
    hour![2]
      .split(', ')
      .map((t) => t.replace(/ \d+$/, ''))
      .sort(),
  ).toEqual(['(empty)', 'NA', 'null']);
  expect(init.stdout).toMatch(
    /^ticket_id +identifier +yes +0 +>1000 +over 1000 distinct values \(categories stop at 200\): excluded as an identifier; the idColumn/m,
  );
  expect(init.stdout).toMatch(/^reopened +boolean +yes /m);
  expect(init.stdout).toMatch(/target: 3 classes "\w+" \(\d+\), "\w+" \(\d+\), "\w+" \(\d+\) \(multiclass/);
  const written = JSON.parse(readFileSync(config, 'utf8')) as { dataset: { name: string; idColumn: string; columns: { name: string }[] } };
  expect(written.dataset).toMatchObject({ name: 'support-tickets', idColumn: 'ticket_id', problemType: 'multiclass' });
  expect(written.dataset.columns.at(-1)).toEqual({ name: 'outcome', type: 'categorical', required: true, allowedValues: ['closed', 'escalated', 'resolved'] });
  // It will not overwrite a config without --force.
  expect(mlops('init', data, '--target', 'outcome', '--out', config).stderr).toContain(`${config} exists: pass --force`);

  const check = mlops('check', data, '--config', config);
  expect(check.status).toBe(0);
  expect(check.stdout).toContain('a run on this file would train (data set "support-tickets", multiclass)');
  expect(check.stdout).toContain('rows read 3000, accepted 3000, quarantined 0');
  expect(check.stdout).toContain('columns not in the config (ignored): description, batch');
  expect(check.stdout).toMatch(/class balance \(training rows\): "closed" \d+\.\d%, "escalated" \d+\.\d%, "resolved" \d+\.\d%/);

  const up = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', 'up', '--config', config, '--dir', dir], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
  try {
    for (const started = Date.now(); !output.includes('Local environment up'); await new Promise((r) => setTimeout(r, 200)))
      if (Date.now() - started > 90_000) throw new Error(`mlops up did not start:\n${output}`);
    expect(output).toContain('ServerlessMlops-support-tickets');
    // Uploaded compressed, as people do with large exports.
    const gz = path.join(dir, 'support-tickets.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(data)));
    const upload = mlops('upload', gz, '--dir', dir);
    expect(upload.status).toBe(0);
    expect(upload.stdout).toMatch(/snapshot-[0-9a-f]{40}: DEPLOYED in/);
    expect(upload.stdout).toMatch(/rows: read 3000, accepted 3000, quarantined 0; train \d+, validation \d+/);
    const predict = mlops('predict', data, '--dir', dir);
    expect(predict.status).toBe(0);
    // The most probable class and each class's probability, in the config's class order.
    const [comment, header, ...lines] = predict.stdout.trim().split('\n');
    expect(comment).toMatch(/^# 3000 predictions from arn:aws:sagemaker:/);
    expect(header).toBe('class,p(closed),p(escalated),p(resolved)');
    expect(lines).toHaveLength(3000);
    const predicted = lines.map((line) => line.split(','));
    for (const [, ...p] of predicted.slice(0, 50)) expect(p.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // The model learned the outcome: its class is right far more often than the most common class alone.
    const outcomes = readFileSync(data, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').at(-1));
    const accuracy = predicted.filter(([c], i) => c === outcomes[i]).length / outcomes.length;
    const majority = Math.max(...['closed', 'escalated', 'resolved'].map((c) => outcomes.filter((o) => o === c).length)) / outcomes.length;
    expect(accuracy).toBeGreaterThan(majority + 0.1);
  } finally {
    process.kill(-up.pid!, 'SIGINT');
    await exited;
  }
}, 240_000);
