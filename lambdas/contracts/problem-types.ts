/**
 * What each problem type means for every layer, in one place: the XGBoost objective and metrics it
 * trains with, and how its label is encoded. A new problem type is a new entry here (and a trainer
 * objective), not edits across the schema, the pipeline and the feature processing.
 */
export const PROBLEM_TYPES = {
  binary: {
    /** The default objective; the only one that fits. */
    objective: 'binary:logistic',
    objectives: ['binary:logistic'],
    /** The default training metric, and those that fit. */
    evalMetric: 'auc',
    evalMetrics: ['auc', 'logloss', 'error'],
    /** The label: 1 for the configured positive class, 0 otherwise. */
    label: 'positive-class',
  },
  multiclass: {
    objective: 'multi:softprob',
    objectives: ['multi:softprob'],
    /** XGBoost's multi-class metrics; the SageMaker image refuses auc for objectives other than binary:/rank:. */
    evalMetric: 'mlogloss',
    evalMetrics: ['mlogloss', 'merror'],
    /** The label: the class's index in the target's allowedValues (num_class is their number). */
    label: 'class-index',
  },
  regression: {
    objective: 'reg:squarederror',
    objectives: ['reg:squarederror'],
    evalMetric: 'rmse',
    evalMetrics: ['rmse', 'mae'],
    /** The label: the target's number as it is. */
    label: 'number',
  },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;
export const PROBLEM_TYPE_NAMES = Object.keys(PROBLEM_TYPES) as [ProblemType, ...ProblemType[]];
export type Objective = (typeof PROBLEM_TYPES)[ProblemType]['objectives'][number];
export type EvalMetric = (typeof PROBLEM_TYPES)[ProblemType]['evalMetrics'][number];
export const OBJECTIVES = [...new Set(Object.values(PROBLEM_TYPES).flatMap((p) => p.objectives))] as [Objective, ...Objective[]];
export const EVAL_METRICS = [...new Set(Object.values(PROBLEM_TYPES).flatMap((p) => p.evalMetrics))] as [EvalMetric, ...EvalMetric[]];

/** Whether the label is a class index (multiclass). */
export function encodesClassIndex(problemType: ProblemType): boolean {
  return PROBLEM_TYPES[problemType].label === 'class-index';
}

/** Whether the label is the positive class's indicator (binary) rather than a number. */
export function encodesPositiveClass(problemType: ProblemType): boolean {
  return PROBLEM_TYPES[problemType].label === 'positive-class';
}
