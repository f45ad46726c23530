import { PROBLEM_TYPES } from '../problem-types';
import type { ParsedConfig } from './schema';
import { targetClasses } from './target-classes';

type Direction = 'maximize' | 'minimize';

/** The config with every derived default filled in: what the constructs and handlers consume. */
export interface MlopsConfig extends Omit<ParsedConfig, 'training' | 'evaluation' | 'deployment'> {
  readonly training: ParsedConfig['training'] & {
    /** numClass: multiclass only, the number of the target's classes (XGBoost's num_class). */
    readonly hyperparameters: Required<ParsedConfig['training']['hyperparameters']> & { readonly numClass?: number };
  };
  readonly evaluation: ParsedConfig['evaluation'] & { readonly metric: string; readonly direction: Direction };
  readonly deployment: ParsedConfig['deployment'] & {
    readonly endpointName: string;
    readonly strategy: 'all-at-once' | 'canary' | 'linear';
    readonly networkIsolation: boolean;
    readonly dataCapture: boolean;
  };
  /** Set when this is one stage's final config. */
  readonly stage?: { readonly name: string; readonly account?: string; readonly region: string; readonly requiresApproval: boolean };
}

const MAXIMIZED_METRICS = new Set(['auc', 'aucpr', 'map', 'ndcg', 'accuracy', 'f1']);

/** Infers whether a training metric such as "validation:auc" is better when higher. */
export function metricDirection(metric: string): Direction {
  const name = metric.split(':').pop() ?? metric;
  return MAXIMIZED_METRICS.has(name.split('@')[0]) ? 'maximize' : 'minimize';
}

/**
 * Fills the defaults that depend on other fields (objective, metrics, endpoint name). A stage's
 * default endpoint name carries the stage, so two stages in one account never share an endpoint.
 */
export function resolveConfig(parsed: ParsedConfig, stageName?: string): MlopsConfig {
  const problem = PROBLEM_TYPES[parsed.dataset.problemType];
  const hp = parsed.training.hyperparameters;
  const objective = hp.objective ?? problem.objective;
  const evalMetric = hp.evalMetric ?? problem.evalMetric;
  const metric = parsed.evaluation.metric ?? `validation:${evalMetric}`;
  const onInstances = parsed.deployment.compute.type === 'instances';
  const numClass = targetClasses(parsed.dataset)?.length;
  return {
    ...parsed,
    training: { ...parsed.training, hyperparameters: { ...hp, objective, evalMetric, ...(numClass === undefined ? {} : { numClass }) } },
    evaluation: { ...parsed.evaluation, metric, direction: parsed.evaluation.direction ?? metricDirection(metric) },
    deployment: {
      ...parsed.deployment,
      endpointName: parsed.deployment.endpointName ?? `${parsed.dataset.name}${stageName ? `-${stageName}` : ''}-endpoint`,
      strategy: parsed.deployment.strategy ?? (onInstances ? 'canary' : 'all-at-once'),
      // Serverless endpoints exclude both (the schema refuses an explicit true).
      networkIsolation: parsed.deployment.networkIsolation ?? onInstances,
      dataCapture: parsed.deployment.dataCapture ?? onInstances,
    },
  };
}

/** The config's sections, each what one construct or handler takes. */
export type DatasetConfig = MlopsConfig['dataset'];
export type FeaturesConfig = MlopsConfig['features'];
export type RetrainingConfig = MlopsConfig['retraining'];
export type TrainingConfig = MlopsConfig['training'];
export type EvaluationConfig = MlopsConfig['evaluation'];
export type DeploymentConfig = MlopsConfig['deployment'];
export type MonitoringConfig = MlopsConfig['monitoring'];
