import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, parseConfig } from '../../lib/config';
import { cdkJsonContext } from '../helpers/app';
import { merge } from '../helpers/config';

/** The shipped multi-stage example (dev and prod, with a delivery pipeline). */
const example = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'config', 'churn-stages.json'), 'utf8')) as Record<string, unknown>;
const withChanges = (changes: Record<string, unknown>) => merge(example, changes);

function problems(value: unknown, stage?: string): readonly string[] {
  try {
    parseConfig(value, 'stages.json', stage);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("config stages: each stage's final config", () => {
  test('GIVEN the example THEN dev is serverless with auto approval and prod uses instances, canary and manual approval', () => {
    const dev = parseConfig(example, 'x', 'dev');
    const prod = parseConfig(example, 'x', 'prod');
    expect(dev.deployment).toMatchObject({ compute: { type: 'serverless' }, approval: 'auto', strategy: 'all-at-once' });
    expect(dev.removalPolicy).toBe('destroy');
    expect(dev.stage).toEqual({ name: 'dev', account: '111111111111', region: 'eu-west-1', requiresApproval: false });
    expect(prod.deployment).toMatchObject({
      compute: { type: 'instances', instanceType: 'ml.m5.large', instanceCount: 2 },
      approval: 'manual',
      strategy: 'canary',
    });
    expect(prod.monitoring.thresholds).toEqual({ jensenShannon: 0.1, psi: 0.2, driftedShare: 0.3 });
    expect(prod.notifications.emails).toEqual(['ml-oncall@example.com']);
    expect(prod.removalPolicy).toBe('retain');
  });

  test('GIVEN no stage THEN the base config is used as before (single-stack deploys keep working)', () => {
    const base = parseConfig(example, 'x');
    expect(base.stage).toBeUndefined();
    expect(base.deployment.compute.type).toBe('serverless');
  });

  test.each([
    ['an unknown stage', example, 'qa', 'stage: "qa" is not defined (stages: dev, prod)'],
    [
      'a stage the pipeline deploys without an account',
      withChanges({ stages: { prod: { account: undefined } } }),
      undefined,
      'stages.prod.account: required: the delivery pipeline deploys this stage into an explicit account',
    ],
    ['an invalid region', withChanges({ stages: { dev: { region: 'europe' } } }), undefined, 'stages.dev.region: must be an AWS region such as "eu-west-1"'],
    ['a malformed account', withChanges({ stages: { dev: { account: '1234' } } }), undefined, 'stages.dev.account: must be a 12-digit AWS account id'],
    [
      'a pipeline stage that does not exist',
      withChanges({ delivery: { stages: ['dev', 'staging'] } }),
      undefined,
      'delivery.stages[1]: "staging" is not a stage (stages: dev, prod)',
    ],
    [
      'an override of the data set',
      withChanges({ stages: { dev: { overrides: { dataset: {} } } } }),
      undefined,
      'stages.dev.overrides: unknown field "dataset"',
    ],
    [
      'an unknown field in an override',
      withChanges({ stages: { prod: { overrides: { deployment: { instanceType: 'ml.m5.large' } } } } }),
      'prod',
      'stages.prod.overrides.deployment: unknown field "instanceType"',
    ],
    [
      'a bad value in an override',
      withChanges({ stages: { prod: { overrides: { monitoring: { latencyP99Ms: -1 } } } } }),
      'prod',
      'stages.prod.overrides.monitoring.latencyP99Ms: Too small',
    ],
    [
      'an override that breaks a base rule',
      withChanges({ stages: { dev: { overrides: { deployment: { strategy: 'canary' } } } } }),
      'dev',
      'stages.dev.overrides.deployment.strategy: "canary" traffic shifting needs compute.type "instances"',
    ],
    [
      'a bad connection ARN',
      withChanges({ delivery: { connectionArn: 'arn:aws:s3:::bucket' } }),
      undefined,
      'delivery.connectionArn: must be a CodeConnections connection ARN',
    ],
  ])('GIVEN %s THEN the error names the field', (_, value, stage, expected) => {
    expect(problems(value, stage).join('\n')).toContain(expected);
  });
});

describe('the CDK app with stages', () => {
  // As `cdk synth -c ...` runs it: cdk.json's context (feature flags) plus the -c values.
  const runApp = (context: Record<string, unknown>) => {
    const out = mkdtempSync(path.join(tmpdir(), 'mlops-stage-'));
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context, 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: out },
      encoding: 'utf8',
    });
    return { result, out };
  };

  test('GIVEN -c stage=prod THEN one stack named for the stage is synthesized in its account and region', () => {
    const { result, out } = runApp({ config: 'config/churn-stages.json', stage: 'prod' });
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; environment?: string }> };
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    expect(stacks.map(([name, a]) => [name, a.environment])).toEqual([['ServerlessMlops-churn-prod', 'aws://222222222222/eu-west-1']]);
  }, 60_000);

  test('GIVEN an unknown stage THEN synth fails naming it', () => {
    const { result } = runApp({ config: 'config/churn-stages.json', stage: 'qa' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('stage: "qa" is not defined (stages: dev, prod)');
  }, 60_000);
});
