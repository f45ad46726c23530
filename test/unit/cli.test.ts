import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The `mlops` CLI as a user runs it: output, exit codes and the errors it explains. */
const root = path.join(__dirname, '..', '..');
const mlops = (...args: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/mlops.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('mlops CLI', () => {
  test('GIVEN --help THEN every command is listed', () => {
    const result = mlops('--help');
    expect(result.status).toBe(0);
    for (const command of ['demo', 'up', 'upload', 'predict', 'drift', 'status', 'config']) expect(result.stdout).toContain(`mlops ${command}`);
  });

  test('GIVEN config --stage prod THEN the stage\'s final config is printed as JSON', () => {
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
  ])('GIVEN %j THEN it exits 1 explaining why', (args, message) => {
    const result = mlops(...args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  }, 30_000);
});
