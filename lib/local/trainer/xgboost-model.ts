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
    readonly learner_model_param: { readonly base_score: string; readonly num_feature: string };
    readonly objective: { readonly name: string };
    readonly gradient_booster: { readonly name: string; readonly model: { readonly trees: readonly JsonTree[] } };
  };
  readonly version?: readonly number[];
}

/** A model file that cannot be used; the message says which field. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:squarederror']);

interface Tree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly condition: Float32Array;
  readonly defaultLeft: Uint8Array;
}

export class XgboostModel {
  readonly objective: string;
  readonly featureCount: number;
  private readonly baseMargin: number;
  private readonly trees: readonly Tree[];

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
    // base_score is stored as a prediction; the margin starts from its inverse link.
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
  }

  /** The margin (raw score) of one row; NaN marks a missing value. */
  margin(row: ArrayLike<number>): number {
    // XGBoost starts from the base margin and accumulates leaf values in float32, tree by tree.
    let sum = Math.fround(this.baseMargin);
    for (const tree of this.trees) {
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
      sum = Math.fround(sum + tree.condition[node]);
    }
    return sum;
  }

  /** The prediction of one row: a probability for binary:logistic, the value for regression. */
  predict(row: ArrayLike<number>): number {
    const margin = this.margin(row);
    return this.objective === 'binary:logistic' ? 1 / (1 + Math.exp(-margin)) : margin;
  }
}
