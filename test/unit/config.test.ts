import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config';
import { defaultConfigJson, makeConfig, makeConfigJson, merge } from '../helpers/config';

function problemsOf(value: unknown): readonly string[] {
  try {
    parseConfig(value, 'test.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

function withColumns(mutate: (columns: Record<string, unknown>[]) => void): unknown {
  const json = defaultConfigJson() as unknown as { dataset: { columns: Record<string, unknown>[] } };
  mutate(json.dataset.columns);
  return json;
}

describe('config', () => {
  test('GIVEN the shipped config WHEN loaded THEN it describes the churn sample with resolved defaults', () => {
    const config = loadConfig();
    expect(config.dataset.name).toBe('churn');
    expect(config.dataset.columns).toHaveLength(20);
    expect(config.dataset.columns.find((c) => c.name === 'international_plan')?.type).toBe('boolean');
    expect(config.training.hyperparameters.objective).toBe('binary:logistic');
    expect(config.training.hyperparameters.evalMetric).toBe('auc');
    expect(config.evaluation).toMatchObject({ metric: 'validation:auc', direction: 'maximize', minimumValue: 0.75 });
    expect(config.deployment).toMatchObject({ endpointName: 'churn-endpoint', strategy: 'all-at-once', approval: 'auto' });
    expect(config.removalPolicy).toBe('retain');
  });

  test('GIVEN a minimal config WHEN parsed THEN every section gets its documented default', () => {
    const config = parseConfig({
      dataset: {
        name: 'houses',
        targetColumn: 'price',
        problemType: 'regression',
        columns: [
          { name: 'price', type: 'numeric' },
          { name: 'area', type: 'numeric' },
        ],
      },
    });
    expect(config.retraining).toEqual({
      rawPrefix: 'raw/',
      debounceSeconds: 60,
      maxBadRowShare: 0.05,
      retryIntervalSeconds: 600,
      maxDeliveryAttempts: 36,
      distributed: { minSnapshotBytes: 4 * 1024 ** 3, shardBytes: 128 * 1024 ** 2, shardsPerChild: 4, maxConcurrency: 100 },
    });
    expect(config.training.hyperparameters).toMatchObject({ objective: 'reg:squarederror', evalMetric: 'rmse', numRound: 200 });
    expect(config.evaluation).toMatchObject({ metric: 'validation:rmse', direction: 'minimize', minimumImprovement: 0 });
    expect(config.deployment.compute).toEqual({ type: 'serverless', memorySizeMb: 2048, maxConcurrency: 5 });
    // SageMaker Serverless Inference excludes network isolation and data capture.
    expect(config.deployment).toMatchObject({ endpointName: 'houses-endpoint', networkIsolation: false, dataCapture: false });
    expect(config.monitoring).toMatchObject({
      schedule: 'rate(1 hour)',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      retrainOnDrift: { enabled: false, cooldownHours: 24 },
    });
    expect(config.notifications.emails).toEqual([]);
  });

  test('GIVEN instance compute without a strategy WHEN parsed THEN blue/green canary is the default', () => {
    const config = makeConfig({ deployment: { strategy: undefined, compute: { type: 'instances', memorySizeMb: undefined, maxConcurrency: undefined } } });
    expect(config.deployment.strategy).toBe('canary');
    expect(config.deployment.compute).toEqual({ type: 'instances', instanceType: 'ml.m5.large', instanceCount: 1 });
    expect(config.deployment).toMatchObject({ networkIsolation: true, dataCapture: true });
  });

  test('GIVEN a stage WHEN its config is resolved THEN its default endpoint name carries the stage (two stages in one account never share one)', () => {
    const file = path.join(__dirname, '..', '..', 'config', 'churn-stages.json');
    expect(loadConfig(file, 'dev').deployment.endpointName).toBe('churn-dev-endpoint');
    expect(loadConfig(file, 'prod').deployment.endpointName).toBe('churn-prod-endpoint');
    expect(loadConfig(file).deployment.endpointName).toBe('churn-endpoint');
  });

  test.each<[string, unknown, string]>([
    ['an unknown top-level key', makeConfigJson({ trainig: {} }), '(root): unknown field "trainig"'],
    ['a misspelt nested key', makeConfigJson({ training: { hyperparameters: { num_round: 5 } } }), 'training.hyperparameters: unknown field "num_round"'],
    ['a wrong enum value', withColumns((c) => (c[0].type = 'text')), 'dataset.columns[0].type: Invalid option'],
    ['a duplicate column', withColumns((c) => (c[1].name = 'state')), 'dataset.columns[1].name: duplicate column "state"'],
    ['min above max', withColumns((c) => Object.assign(c[1], { min: 10, max: 1 })), 'dataset.columns[1].max: max (1) is below min (10)'],
    ['min on a categorical column', withColumns((c) => (c[0].min = 1)), 'dataset.columns[0].min: min/max apply only to numeric columns'],
    [
      'a target that is not a column',
      makeConfigJson({ dataset: { targetColumn: 'nope' } }),
      'dataset.targetColumn: "nope" is not one of the configured columns',
    ],
    [
      'a binary problem without positive class',
      (() => {
        const j = defaultConfigJson() as { dataset: Record<string, unknown> };
        delete j.dataset.positiveClass;
        return j;
      })(),
      'dataset.positiveClass: required when problemType is "binary"',
    ],
    [
      'a regression target that is categorical',
      makeConfigJson({ dataset: { problemType: 'regression', positiveClass: undefined } }),
      'dataset.targetColumn: a regression target must be numeric',
    ],
    [
      'an id column that is not a column',
      makeConfigJson({ dataset: { idColumn: 'customer' } }),
      'dataset.idColumn: "customer" is not one of the configured columns',
    ],
    ['a bad dataset name', makeConfigJson({ dataset: { name: 'Churn Model' } }), 'dataset.name: use 1-24 lower-case letters'],
    ['a debounce above the SQS limit', makeConfigJson({ retraining: { debounceSeconds: 301 } }), 'retraining.debounceSeconds: Too big'],
    ['a prefix without a slash', makeConfigJson({ retraining: { rawPrefix: 'raw' } }), 'retraining.rawPrefix: an S3 key prefix ending in "/"'],
    ['a share above 1', makeConfigJson({ retraining: { maxBadRowShare: 1.5 } }), 'retraining.maxBadRowShare: Too big'],
    [
      'a string where a number belongs',
      makeConfigJson({ training: { hyperparameters: { maxDepth: '6' } } }),
      'training.hyperparameters.maxDepth: Invalid input: expected number, received string',
    ],
    [
      'spot wait below the runtime',
      makeConfigJson({ training: { maxRuntimeSeconds: 3600, spot: { enabled: true, maxWaitSeconds: 600 } } }),
      'training.spot.maxWaitSeconds: must be >= training.maxRuntimeSeconds (3600)',
    ],
    [
      'an objective that does not fit',
      makeConfigJson({ training: { hyperparameters: { objective: 'reg:squarederror' } } }),
      'training.hyperparameters.objective: "reg:squarederror" does not fit problemType "binary"',
    ],
    [
      'a bad instance type',
      makeConfigJson({ training: { instanceType: 'm5.large' } }),
      'training.instanceType: "m5.large" is not a SageMaker training instance type',
    ],
    [
      'an evaluation metric of the wrong form',
      makeConfigJson({ evaluation: { metric: 'auc' } }),
      'evaluation.metric: a training job metric such as "validation:auc"',
    ],
    [
      'canary on serverless',
      makeConfigJson({
        deployment: {
          compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 },
          strategy: 'canary',
        },
      }),
      'deployment.strategy: "canary" traffic shifting needs compute.type "instances"',
    ],
    [
      'network isolation on serverless',
      makeConfigJson({
        deployment: {
          compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 },
          networkIsolation: true,
        },
      }),
      'deployment.networkIsolation: SageMaker Serverless Inference excludes network isolation',
    ],
    [
      'data capture on serverless',
      makeConfigJson({
        deployment: {
          compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 },
          dataCapture: true,
        },
      }),
      'deployment.dataCapture: SageMaker Serverless Inference excludes data capture',
    ],
    [
      'a serverless memory size SageMaker lacks',
      makeConfigJson({ deployment: { compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 1500 } } }),
      'deployment.compute.memorySizeMb',
    ],
    [
      'an endpoint instance type SageMaker lacks',
      makeConfigJson({ deployment: { compute: { type: 'instances', instanceType: 'ml.m5.huge' } } }),
      'deployment.compute.instanceType: "ml.m5.huge" is not a SageMaker endpoint instance type',
    ],
    [
      'a training instance type SageMaker lacks',
      makeConfigJson({ training: { instanceType: 'ml.m5.huge' } }),
      'training.instanceType: "ml.m5.huge" is not a SageMaker training instance type',
    ],
    [
      'an hour EventBridge lacks',
      makeConfigJson({ monitoring: { schedule: 'cron(0 25 * * ? *)' } }),
      'monitoring.schedule: not an EventBridge schedule expression: cron hours "25"',
    ],
    [
      'a zero rate',
      makeConfigJson({ monitoring: { schedule: 'rate(0 minutes)' } }),
      'monitoring.schedule: not an EventBridge schedule expression: a rate must be at least 1',
    ],
    ['an unknown compute type', makeConfigJson({ deployment: { compute: { type: 'gpu' } } }), 'deployment.compute.type'],
    [
      'a schedule EventBridge would reject',
      makeConfigJson({ monitoring: { schedule: 'every hour' } }),
      'monitoring.schedule: not an EventBridge schedule expression: must be',
    ],
    [
      'more datapoints than periods',
      makeConfigJson({ monitoring: { evaluationPeriods: 2, datapointsToAlarm: 3 } }),
      'monitoring.datapointsToAlarm: must be <= monitoring.evaluationPeriods (2)',
    ],
    ['a bad email', makeConfigJson({ notifications: { emails: ['ops@'] } }), 'notifications.emails[0]: Invalid email address'],
  ])('GIVEN %s WHEN parsed THEN the error names the field', (_case, value, expected) => {
    expect(problemsOf(value).join('\n')).toContain(expected);
  });

  test('GIVEN a file with a JSON syntax error WHEN loaded THEN the error gives the file, line and column', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-config-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "dataset": {\n    "name": "x",,\n  }\n}\n');
    expect(() => loadConfig(file)).toThrow(
      new RegExp(`Invalid config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n  - not valid JSON: .* at line 3, column 17`),
    );
  });

  test('GIVEN a missing file WHEN loaded THEN the error names it', () => {
    expect(() => loadConfig('/nonexistent/config.json')).toThrow(/Invalid config \/nonexistent\/config.json:\n {2}- cannot read the file/);
  });

  test('GIVEN a bad config file WHEN the CDK app runs THEN synth fails naming the file and field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(makeConfigJson({ monitoring: { samplingPercent: 0 } })));
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: path.join(dir, 'out') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid config ${file}:`);
    expect(result.stderr).toContain('monitoring.samplingPercent: Too small: expected number to be >=1');
  });
});

describe('config: the positive class against the target allowedValues', () => {
  const json = (positiveClass: string, categoryCase?: 'exact' | 'ignore') => {
    const value = defaultConfigJson() as unknown as { dataset: Record<string, unknown> };
    value.dataset = { ...value.dataset, positiveClass, ...(categoryCase ? { categoryCase } : {}) };
    return value;
  };

  test('GIVEN a positiveClass outside allowedValues THEN the config is refused naming both and the case rule', () => {
    expect(problemsOf(json('Yes'))).toEqual([
      'dataset.positiveClass: "Yes" is not one of the target\'s allowedValues ("yes", "no"; values are case-sensitive unless categoryCase is "ignore")',
    ]);
  });

  test('GIVEN categoryCase "ignore" THEN "Yes" matches "yes"; and "maybe" is still refused', () => {
    expect(() => parseConfig(json('Yes', 'ignore'))).not.toThrow();
    expect(problemsOf(json('maybe', 'ignore'))).toEqual(['dataset.positiveClass: "maybe" is not one of the target\'s allowedValues ("yes", "no")']);
  });
});

describe('config: a multiclass target', () => {
  /** The shipped config turned multiclass, its target's allowedValues replaced (undefined: removed). */
  const multiclass = (allowedValues: string[] | undefined, extra: Record<string, unknown> = {}) => {
    const value = defaultConfigJson() as unknown as { dataset: Record<string, unknown> & { columns: Record<string, unknown>[] }; evaluation: object };
    const dataset = { ...value.dataset };
    delete dataset.positiveClass;
    const columns = value.dataset.columns.map((c) => (c.name === 'churn' ? { ...c, allowedValues } : c));
    // The shipped gate metric (validation:auc) is binary's: the multiclass default, validation:mlogloss, replaces it.
    return {
      ...value,
      dataset: { ...dataset, problemType: 'multiclass', columns, ...extra },
      evaluation: { ...(value as { evaluation: object }).evaluation, metric: undefined },
    };
  };

  test('GIVEN its classes in allowedValues THEN it validates and trains multi:softprob with num_class = the classes and mlogloss', () => {
    const config = parseConfig(multiclass(['low', 'mid', 'high']));
    expect(config.training.hyperparameters).toMatchObject({ objective: 'multi:softprob', evalMetric: 'mlogloss', numClass: 3 });
    expect(config.evaluation).toMatchObject({ metric: 'validation:mlogloss', direction: 'minimize' });
  });

  test.each([
    [
      'no allowedValues',
      multiclass(undefined),
      'dataset.targetColumn: a multiclass target must be categorical with its classes in allowedValues ("mlops init" lists them from the data); "churn" is categorical without allowedValues',
    ],
    ['one class', multiclass(['low']), 'dataset.targetColumn: a multiclass target needs at least 2 distinct classes in allowedValues, "churn" has "low"'],
    [
      'classes equal but for case under categoryCase "ignore"',
      multiclass(['Low', 'low', 'high'], { categoryCase: 'ignore' }),
      'dataset.targetColumn: a multiclass target needs at least 2 distinct classes in allowedValues (compared ignoring case)',
    ],
    ['a positiveClass', multiclass(['low', 'high'], { positiveClass: 'low' }), 'dataset.positiveClass: only applies when problemType is "binary"'],
    [
      'a gate metric the training job does not report',
      merge(multiclass(['low', 'high']), { evaluation: { metric: 'validation:auc' } }),
      'evaluation.metric: "validation:auc" is not reported by the training job, which reports its evalMetric "mlogloss" only (train:mlogloss, validation:mlogloss)',
    ],
    [
      'auc, which the SageMaker image refuses for multi:softprob',
      merge(multiclass(['low', 'high']), { training: { hyperparameters: { evalMetric: 'auc' } } }),
      'training.hyperparameters.evalMetric: "auc" does not fit problemType "multiclass"',
    ],
  ])('GIVEN %s THEN the config is refused saying why', (_, json, message) => {
    expect(problemsOf(json).join('\n')).toContain(message);
  });
});
