import { ProductionVariantInstanceType, TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { EVAL_METRICS, OBJECTIVES, PROBLEM_TYPES } from '../problem-types';
import { DEFAULTS } from './defaults';
import { scheduleProblem } from './schedule';
import { columnName, datasetSchema, featuresSchema } from './data-schema';
import { deliverySchema, STAGE_NAME, stageSchema } from './stages';

export { datasetSchema, featuresSchema };

/**
 * The one schema for the whole project config. Every object is strict: an unknown or misspelt
 * key is an error, never a silently ignored field that falls back to a default.
 */

// SageMaker's instance types as AWS's service model lists them (the SDK's enums, generated from it).
const TRAINING_INSTANCE_TYPES: readonly string[] = Object.values(TrainingInstanceType);
const ENDPOINT_INSTANCE_TYPES: readonly string[] = Object.values(ProductionVariantInstanceType);

function instanceType(known: readonly string[], use: string) {
  return z.string().refine((t) => known.includes(t), {
    error: (issue) => `"${String(issue.input)}" is not a SageMaker ${use} instance type (e.g. "ml.m5.large"; AWS's SageMaker API model lists ${known.length})`,
  });
}

const s3Prefix = z.string().regex(/^[a-z0-9][a-z0-9!_.*'()-]*\/$/i, 'an S3 key prefix ending in "/", e.g. "raw/"');

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/**
 * Feature processing of large snapshots through Step Functions Distributed Map (one Lambda's 15
 * minutes and 10 GiB of scratch end at about 10 GB of CSV).
 */
const distributedFeatures = z
  .strictObject({
    /** Snapshots of at least this many bytes take the Distributed Map path; smaller ones one Lambda. */
    minSnapshotBytes: z.number().int().min(0).default(DEFAULTS.distributedFeatures.minSnapshotBytes),
    /** A shard: a whole object up to this size, or a byte range of about this size of a larger one. */
    shardBytes: z
      .number()
      .int()
      .min(MIB)
      .max(4 * GIB)
      .default(DEFAULTS.distributedFeatures.shardBytes),
    /** Shards per child execution (ItemBatcher MaxItemsPerBatch): fewer Lambda invocations for many small files. */
    shardsPerChild: z.number().int().min(1).max(100).default(DEFAULTS.distributedFeatures.shardsPerChild),
    /** Child executions at once (MaxConcurrency); each runs one Lambda at a time, so also the Lambda concurrency used. */
    maxConcurrency: z.number().int().min(1).max(10_000).default(DEFAULTS.distributedFeatures.maxConcurrency),
  })
  .refine((d) => d.shardBytes * d.shardsPerChild <= 16 * GIB, {
    error: 'shardBytes x shardsPerChild is what one child reads in its Lambda (15 minutes at most): keep it at 16 GiB or less',
    path: ['shardsPerChild'],
  });

const retraining = z.strictObject({
  /** Uploads under this prefix of the data bucket start retraining. */
  rawPrefix: s3Prefix.default(DEFAULTS.rawPrefix),
  /** SQS batching window: uploads within this many seconds start one run. SQS allows 0-300. */
  debounceSeconds: z.number().int().min(0).max(300).default(60),
  /** A run fails when more than this share of rows is quarantined. */
  maxBadRowShare: z.number().min(0).max(1).default(DEFAULTS.maxBadRowShare),
  /**
   * While a run is in progress new uploads wait in the queue: the trigger retries after this many
   * seconds (the queue's visibility timeout).
   */
  retryIntervalSeconds: z.number().int().min(60).max(43_200).default(600),
  /** Deliveries before a waiting upload event moves to the dead-letter queue (and alarms). */
  maxDeliveryAttempts: z.number().int().min(1).max(1000).default(36),
  distributed: distributedFeatures.default(distributedFeatures.parse({})),
});

const hyperparameters = z.strictObject({
  /** Defaults to binary:logistic for binary problems and reg:squarederror for regression. */
  objective: z.enum(OBJECTIVES).optional(),
  numRound: z.number().int().min(1).max(10_000).default(200),
  maxDepth: z.number().int().min(1).max(20).default(5),
  eta: z.number().gt(0).max(1).default(0.2),
  subsample: z.number().gt(0).max(1).default(0.8),
  minChildWeight: z.number().min(0).default(1),
  lambda: z.number().min(0).default(1),
  /** Defaults to auc for binary problems and rmse for regression. */
  evalMetric: z.enum(EVAL_METRICS).optional(),
  earlyStoppingRounds: z.number().int().min(1).max(1000).default(20),
});

const training = z
  .strictObject({
    /** Version tag of the SageMaker built-in XGBoost image. */
    xgboostVersion: z.enum(['1.7-1', '1.5-1', '1.3-1']).default('1.7-1'),
    hyperparameters: hyperparameters.default(hyperparameters.parse({})),
    instanceType: instanceType(TRAINING_INSTANCE_TYPES, 'training').default('ml.m5.large'),
    instanceCount: z.number().int().min(1).max(100).default(1),
    volumeSizeGb: z.number().int().min(1).max(16_384).default(10),
    maxRuntimeSeconds: z.number().int().min(60).max(432_000).default(3600),
    /** Run training (and the model) in your VPC. */
    vpc: z
      .strictObject({
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id, e.g. "subnet-0abc"')).min(1),
        securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id, e.g. "sg-0abc"')).min(1),
      })
      .optional(),
    spot: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Must be at least maxRuntimeSeconds (SageMaker's rule). */
        maxWaitSeconds: z.number().int().min(60).max(432_000).default(7200),
      })
      .default({ enabled: false, maxWaitSeconds: 7200 }),
  })
  .superRefine((t, ctx) => {
    if (t.spot.enabled && t.spot.maxWaitSeconds < t.maxRuntimeSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['spot', 'maxWaitSeconds'],
        message: `must be >= training.maxRuntimeSeconds (${t.maxRuntimeSeconds}) when spot training is enabled`,
      });
    }
  });

const evaluation = z.strictObject({
  /** A metric from the training job's FinalMetricDataList, e.g. "validation:auc". */
  metric: z
    .string()
    .regex(/^(train|validation):[a-z0-9@-]+$/, 'a training job metric such as "validation:auc"')
    .optional(),
  direction: z.enum(['maximize', 'minimize']).optional(),
  /** The new model is rejected when its metric is worse than this, production or not. */
  minimumValue: z.number().optional(),
  /** How much better than the production model the new one must be (absolute, in metric units). */
  minimumImprovement: z.number().min(0).default(0),
});

const instancesMode = z.strictObject({
  type: z.literal('instances'),
  instanceType: instanceType(ENDPOINT_INSTANCE_TYPES, 'endpoint').default('ml.m5.large'),
  instanceCount: z.number().int().min(1).max(100).default(1),
});
const serverlessMode = z.strictObject({
  type: z.literal('serverless'),
  memorySizeMb: z.union([1024, 2048, 3072, 4096, 5120, 6144].map((n) => z.literal(n)) as [z.ZodLiteral<number>, z.ZodLiteral<number>]).default(2048),
  maxConcurrency: z.number().int().min(1).max(200).default(5),
});

const deployment = z
  .strictObject({
    /** Stable endpoint name; defaults to "<dataset>-endpoint" ("<dataset>-<stage>-endpoint" in a stage). */
    endpointName: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'up to 63 letters, digits or hyphens')
      .optional(),
    compute: z.discriminatedUnion('type', [instancesMode, serverlessMode]).default({ type: 'serverless', memorySizeMb: 2048, maxConcurrency: 5 }),
    /** Defaults to "canary" on instances and "all-at-once" (the only choice) on serverless. */
    strategy: z.enum(['all-at-once', 'canary', 'linear']).optional(),
    /** Canary: share of capacity that gets the new model first. Linear: the step size. */
    trafficStepPercent: z.number().int().min(1).max(99).default(10),
    /** How long each traffic step is watched by the rollback alarms before the next one. */
    bakeTimeSeconds: z.number().int().min(0).max(3600).default(300),
    approval: z.enum(['auto', 'manual']).default('auto'),
    /** A deployment still not InService after this long is reported as failed. */
    maxWaitMinutes: z.number().int().min(5).max(720).default(60),
    /** The model's container runs without network access. Defaults to true on instances; serverless endpoints exclude it. */
    networkIsolation: z.boolean().optional(),
    /** SageMaker data capture of requests and responses (what the drift check reads). Defaults to true on instances; serverless endpoints exclude it. */
    dataCapture: z.boolean().optional(),
  })
  .superRefine((d, ctx) => {
    // SageMaker blue/green traffic shifting needs instance-backed variants.
    if (d.compute.type === 'serverless' && d.strategy !== undefined && d.strategy !== 'all-at-once') {
      ctx.addIssue({
        code: 'custom',
        path: ['strategy'],
        message: `"${d.strategy}" traffic shifting needs compute.type "instances"; serverless endpoints support "all-at-once" only`,
      });
    }
    // SageMaker Serverless Inference "Feature exclusions": CreateEndpointConfig/CreateEndpoint refuse them.
    if (d.compute.type === 'serverless') {
      for (const [key, feature] of [
        ['networkIsolation', 'network isolation'],
        ['dataCapture', 'data capture'],
      ] as const) {
        if (d[key] === true) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `SageMaker Serverless Inference excludes ${feature} (AWS docs, "Feature exclusions"); use compute.type "instances" or leave ${key} unset`,
          });
        }
      }
    }
  });

const monitoring = z.strictObject({
  /** EventBridge schedule of the drift check, e.g. "rate(15 minutes)" or "cron(0 * * * ? *)". */
  schedule: z
    .string()
    .superRefine((expression, ctx) => {
      const problem = scheduleProblem(expression);
      if (problem) ctx.addIssue({ code: 'custom', message: `not an EventBridge schedule expression: ${problem} (e.g. "rate(1 hour)")` });
    })
    .default('rate(1 hour)'),
  samplingPercent: z.number().int().min(1).max(100).default(DEFAULTS.samplingPercent),
  /** The endpoint latency alarm (model latency p99, also a blue/green rollback trigger). */
  latencyP99Ms: z.number().int().min(1).max(60_000).default(DEFAULTS.latencyP99Ms),
  /** A drift window with fewer captured records reports "insufficient data" instead of a verdict. */
  minWindowRecords: z.number().int().min(1).default(1000),
  /** Days that captured requests are kept. */
  captureRetentionDays: z.number().int().min(1).max(3650).default(30),
  thresholds: z
    .strictObject({
      /** Jensen-Shannon distance (base 2) above which a feature is drifted. */
      jensenShannon: z.number().gt(0).max(1).default(0.1),
      /** Population stability index above which a feature is drifted. */
      psi: z.number().gt(0).default(0.2),
      /** Share of drifted features above which the data set is drifted. */
      driftedShare: z.number().gt(0).max(1).default(0.5),
    })
    .default({ jensenShannon: 0.1, psi: 0.2, driftedShare: 0.5 }),
  /** The drift alarm fires when datapointsToAlarm of the last evaluationPeriods checks are drifted. */
  evaluationPeriods: z.number().int().min(1).max(24).default(3),
  datapointsToAlarm: z.number().int().min(1).max(24).default(2),
  /** Features that get their own drift alarm (besides the data set alarm). */
  featureAlarms: z.array(columnName).default([]),
  retrainOnDrift: z
    .strictObject({
      enabled: z.boolean().default(false),
      cooldownHours: z.number().int().min(1).max(720).default(24),
    })
    .default({ enabled: false, cooldownHours: 24 }),
});

const notifications = z.strictObject({
  emails: z.array(z.email()).default([]),
});

export const configSchema = z
  .strictObject({
    /** "retain" keeps data buckets and the key on stack deletion; "destroy" is for disposable dev stacks. */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    dataset: datasetSchema,
    retraining: retraining.default(retraining.parse({})),
    features: featuresSchema.default(featuresSchema.parse({})),
    training: training.default(training.parse({})),
    evaluation: evaluation.default(evaluation.parse({})),
    deployment: deployment.default(deployment.parse({})),
    monitoring: monitoring.default(monitoring.parse({})),
    notifications: notifications.default({ emails: [] }),
    /** Named deployment targets (e.g. dev, prod), each with its account, region and overrides. */
    stages: z.record(z.string().regex(STAGE_NAME, 'a stage name is lower case letters, digits and "-", at most 20 characters'), stageSchema).default({}),
    /** The optional deployment pipeline that ships the stages in order. */
    delivery: deliverySchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    const stageNames = Object.keys(cfg.stages);
    cfg.delivery?.stages.forEach((name, i) => {
      const stage = cfg.stages[name];
      if (!stage) {
        ctx.addIssue({ code: 'custom', path: ['delivery', 'stages', i], message: `"${name}" is not a stage (stages: ${stageNames.join(', ') || 'none'})` });
      } else if (!stage.account) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', name, 'account'],
          message: 'required: the delivery pipeline deploys this stage into an explicit account (bootstrapped to trust the pipeline account)',
        });
      }
      if (cfg.delivery!.stages.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['delivery', 'stages', i], message: `"${name}" is listed twice` });
    });
    if (cfg.monitoring.datapointsToAlarm > cfg.monitoring.evaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['monitoring', 'datapointsToAlarm'],
        message: `must be <= monitoring.evaluationPeriods (${cfg.monitoring.evaluationPeriods})`,
      });
    }
    const features = new Set(cfg.dataset.columns.map((c) => c.name).filter((n) => n !== cfg.dataset.targetColumn && n !== cfg.dataset.idColumn));
    cfg.monitoring.featureAlarms.forEach((name, i) => {
      if (!features.has(name))
        ctx.addIssue({ code: 'custom', path: ['monitoring', 'featureAlarms', i], message: `"${name}" is not a feature of the data set` });
    });
    const objective = cfg.training.hyperparameters.objective;
    const problem = PROBLEM_TYPES[cfg.dataset.problemType];
    if (objective && !(problem.objectives as readonly string[]).includes(objective)) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'hyperparameters', 'objective'],
        message: `"${objective}" does not fit problemType "${cfg.dataset.problemType}"`,
      });
    }
    const evalMetric = cfg.training.hyperparameters.evalMetric;
    if (evalMetric && !(problem.evalMetrics as readonly string[]).includes(evalMetric)) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'hyperparameters', 'evalMetric'],
        message: `"${evalMetric}" does not fit problemType "${cfg.dataset.problemType}"`,
      });
    }
    // The training job reports its eval_metric only (train:<m>, validation:<m>): a gate on another metric would find none.
    const trained = evalMetric ?? problem.evalMetric;
    const gated = cfg.evaluation.metric?.split(':')[1];
    if (gated !== undefined && gated !== trained) {
      ctx.addIssue({
        code: 'custom',
        path: ['evaluation', 'metric'],
        message: `"${cfg.evaluation.metric}" is not reported by the training job, which reports its evalMetric "${trained}" only (train:${trained}, validation:${trained})`,
      });
    }
  });

/** The config as written in a file (defaults optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config as parsed, before derived defaults are resolved. */
export type ParsedConfig = z.output<typeof configSchema>;
