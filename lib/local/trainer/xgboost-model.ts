/**
 * Predictions from a model in XGBoost's JSON model format (`doc/model.schema` of the xgboost
 * repository: learner.gradient_booster.model.trees[], learner_model_param.base_score,
 * learner.objective.name), as XGBoost itself computes them: feature values are compared in
 * float32 (`x < split_condition` goes left), a missing value follows `default_left`, leaf values
 * sit in `split_conditions`, and the objective maps the margin (base_score in margin space +
 * leaf sum) to the prediction.
 */

interface JsonTree {
  readonly left_children: readonly number[];
  readonly right_children: readonly number[];
  readonly split_indices: readonly number[];
  readonly split_conditions: readonly number[];
  readonly default_left: readonly (number | boolean)[];
}

export interface XgboostJsonModel {
  readonly learner: {
    readonly learner_model_param: { readonly base_score: string; readonly num_feature: string; readonly num_class?: string };
    readonly objective: { readonly name: string };
    readonly gradient_booster: { readonly name: string; readonly model: { readonly trees: readonly JsonTree[]; readonly tree_info?: readonly number[] } };
  };
  readonly version?: readonly number[];
}

/** A model file that cannot be used; the message says which field. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:squarederror', 'multi:softprob']);

interface Tree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly condition: Float32Array;
  readonly defaultLeft: Uint8Array;
}

/** The value of the leaf a row reaches: x < split_condition goes left (in float32), NaN the default way. */
function leafValue(tree: Tree, row: ArrayLike<number>): number {
  let node = 0;
  while (tree.left[node] !== -1) {
    const x = row[tree.feature[node]];
    node =
      Number.isNaN(x) || x === undefined
        ? tree.defaultLeft[node]
          ? tree.left[node]
          : tree.right[node]
        : Math.fround(x) < tree.condition[node]
          ? tree.left[node]
          : tree.right[node];
  }
  return tree.condition[node];
}

export class XgboostModel {
  readonly objective: string;
  readonly featureCount: number;
  /** Outputs per row: num_class for multi:softprob (one probability per class), else 1. */
  readonly classCount: number;
  private readonly baseMargin: number;
  private readonly trees: readonly Tree[];
  /** The output each tree adds to (gradient_booster.model.tree_info). */
  private readonly treeClasses: Int32Array;

  constructor(json: XgboostJsonModel) {
    const learner = json?.learner;
    if (!learner?.gradient_booster?.model?.trees) throw new ModelFormatError('learner.gradient_booster.model.trees is missing');
    if (learner.gradient_booster.name !== 'gbtree')
      throw new ModelFormatError(`learner.gradient_booster.name "${learner.gradient_booster.name}" is not supported (gbtree only)`);
    this.objective = learner.objective?.name;
    if (!SUPPORTED_OBJECTIVES.has(this.objective))
      throw new ModelFormatError(`learner.objective.name "${this.objective}" is not supported (${[...SUPPORTED_OBJECTIVES].join(', ')})`);
    const baseScore = Number(learner.learner_model_param?.base_score);
    if (!Number.isFinite(baseScore)) throw new ModelFormatError('learner.learner_model_param.base_score is not a number');
    this.featureCount = Number(learner.learner_model_param.num_feature);
    const numClass = Number(learner.learner_model_param.num_class ?? 0);
    this.classCount = this.objective === 'multi:softprob' ? numClass : 1;
    if (this.objective === 'multi:softprob' && !(Number.isInteger(numClass) && numClass >= 2))
      throw new ModelFormatError(`learner.learner_model_param.num_class "${learner.learner_model_param.num_class}" must be at least 2 for multi:softprob`);
    // base_score is stored as a prediction; the margin starts from its inverse link (softmax: none).
    this.baseMargin = this.objective === 'binary:logistic' ? Math.log(baseScore / (1 - baseScore)) : baseScore;
    this.trees = learner.gradient_booster.model.trees.map((t, i) => {
      const n = t.left_children?.length ?? 0;
      for (const field of ['right_children', 'split_indices', 'split_conditions', 'default_left'] as const) {
        if (t[field]?.length !== n) throw new ModelFormatError(`trees[${i}].${field} has ${t[field]?.length} entries, expected ${n}`);
      }
      return {
        left: Int32Array.from(t.left_children),
        right: Int32Array.from(t.right_children),
        feature: Int32Array.from(t.split_indices),
        condition: Float32Array.from(t.split_conditions),
        defaultLeft: Uint8Array.from(t.default_left, (d) => (d ? 1 : 0)),
      };
    });
    const info = learner.gradient_booster.model.tree_info ?? this.trees.map(() => 0);
    if (info.length !== this.trees.length) throw new ModelFormatError(`tree_info has ${info.length} entries for ${this.trees.length} trees`);
    this.treeClasses = Int32Array.from(info);
    const outOfRange = this.treeClasses.findIndex((k) => k < 0 || k >= this.classCount);
    if (outOfRange !== -1) throw new ModelFormatError(`tree_info[${outOfRange}] is ${info[outOfRange]}, outside 0..${this.classCount - 1}`);
  }

  /** The margins (raw scores) of one row, one per output; NaN marks a missing value. */
  margins(row: ArrayLike<number>): Float32Array {
    // XGBoost starts from the base margin and accumulates leaf values in float32, tree by tree.
    const sums = new Float32Array(this.classCount).fill(this.baseMargin);
    for (let t = 0; t < this.trees.length; t++) sums[this.treeClasses[t]] += leafValue(this.trees[t], row);
    return sums;
  }

  /** The margin of a single-output model's row (no array per row: the endpoint calls it per request row). */
  private margin(row: ArrayLike<number>): number {
    let sum = Math.fround(this.baseMargin);
    for (const tree of this.trees) sum = Math.fround(sum + leafValue(tree, row));
    return sum;
  }

  /**
   * The prediction of one row: a probability for binary:logistic, the value for regression. A
   * multi:softprob model has one per class: see probabilities().
   */
  predict(row: ArrayLike<number>): number {
    if (this.classCount > 1) throw new Error(`a ${this.objective} model predicts ${this.classCount} probabilities per row: use probabilities()`);
    const margin = this.margin(row);
    return this.objective === 'binary:logistic' ? 1 / (1 + Math.exp(-margin)) : margin;
  }

  /** multi:softprob: each class's probability (the softmax of the margins); others: [predict(row)]. */
  probabilities(row: ArrayLike<number>): number[] {
    if (this.classCount === 1) return [this.predict(row)];
    const margins = this.margins(row);
    let max = -Infinity;
    for (const m of margins) max = Math.max(max, m);
    const exps = Array.from(margins, (m) => Math.exp(m - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  }
}
