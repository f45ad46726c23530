/**
 * The promotion gate: a new model goes to production only if its metric clears the configured
 * minimum and beats the model in production by the configured margin. Pure logic.
 */

export type Direction = 'maximize' | 'minimize';

export interface Metric {
  readonly name: string;
  readonly value: number;
}

export interface GateRules {
  /** e.g. "validation:auc" */
  readonly metric: string;
  readonly direction: Direction;
  readonly minimumValue?: number;
  /** How much better than production (absolute, metric units); a tie never promotes. */
  readonly minimumImprovement: number;
}

export interface ProductionModel {
  readonly modelPackageArn: string;
  /** The gate metric recorded when it was registered, if it was. */
  readonly value: number | undefined;
}

export interface GateDecision {
  readonly promote: boolean;
  readonly reason: string;
  readonly metric: string;
  readonly direction: Direction;
  readonly candidateValue: number;
  readonly productionValue: number | null;
  readonly productionModelPackageArn: string | null;
  /** Every metric the training job reported, by name. */
  readonly candidateMetrics: Readonly<Record<string, number>>;
}

/** A metric the gate needs is missing or unusable; the message lists what there is. */
export class MissingMetricError extends Error {
  override readonly name = 'MissingMetricError';
}

/** Finds a metric by name (not by position) and checks it is a real number. */
export function findMetric(metrics: readonly Metric[], name: string): number {
  const found = metrics.filter((m) => m.name === name);
  if (found.length === 0) {
    throw new MissingMetricError(
      `the training job reported no "${name}" metric (it reported: ${metrics.map((m) => m.name).join(', ') || 'none'}); check evaluation.metric and training.hyperparameters.evalMetric`,
    );
  }
  // A metric reported more than once (e.g. per epoch): the last value is the final one.
  const value = found[found.length - 1].value;
  if (!Number.isFinite(value)) throw new MissingMetricError(`the training job's "${name}" is not a number (${value})`);
  return value;
}

export function decide(candidateMetrics: readonly Metric[], production: ProductionModel | undefined, rules: GateRules): GateDecision {
  const candidate = findMetric(candidateMetrics, rules.metric);
  const better = (a: number, b: number) => (rules.direction === 'maximize' ? a - b : b - a);
  const base = {
    metric: rules.metric,
    direction: rules.direction,
    candidateValue: candidate,
    productionValue: production?.value ?? null,
    productionModelPackageArn: production?.modelPackageArn ?? null,
    candidateMetrics: Object.fromEntries(candidateMetrics.map((m) => [m.name, m.value])),
  };
  const show = (v: number) => Number(v.toPrecision(6)).toString();

  if (rules.minimumValue !== undefined && better(candidate, rules.minimumValue) < 0) {
    const bound = rules.direction === 'maximize' ? 'below the minimum' : 'above the maximum';
    return { ...base, promote: false, reason: `${rules.metric} ${show(candidate)} is ${bound} ${show(rules.minimumValue)} (evaluation.minimumValue)` };
  }
  if (!production) {
    return { ...base, promote: true, reason: `no model in production; ${rules.metric} ${show(candidate)} passes the minimum` };
  }
  if (production.value === undefined) {
    return {
      ...base,
      promote: true,
      reason: `the production model ${production.modelPackageArn} has no recorded ${rules.metric}; promoting ${show(candidate)}`,
    };
  }
  const improvement = better(candidate, production.value);
  if (improvement <= 0) {
    const relation = improvement === 0 ? 'ties' : 'is worse than';
    return { ...base, promote: false, reason: `${rules.metric} ${show(candidate)} ${relation} production ${show(production.value)}` };
  }
  if (improvement < rules.minimumImprovement) {
    return {
      ...base,
      promote: false,
      reason: `${rules.metric} ${show(candidate)} beats production ${show(production.value)} by ${show(improvement)}, less than the required ${show(rules.minimumImprovement)} (evaluation.minimumImprovement)`,
    };
  }
  return { ...base, promote: true, reason: `${rules.metric} ${show(candidate)} beats production ${show(production.value)} by ${show(improvement)}` };
}
