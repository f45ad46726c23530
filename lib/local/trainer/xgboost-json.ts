import type { XgboostJsonModel } from './xgboost-model';
import type { TrainedModel } from './gbt-trainer';

/**
 * Writes a trained model in XGBoost's JSON model format (xgboost `doc/model.schema`, version 1.7),
 * so XGBoost itself can load it and the local endpoint (XgboostModel) serves it.
 */
export function toXgboostJson(model: TrainedModel): XgboostJsonModel & Record<string, unknown> {
  const columns = String(model.columns);
  const trees = model.trees.map((nodes, id) => ({
    base_weights: nodes.map((n) => n.value),
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: nodes.map((n) => (n.left === -1 ? 0 : n.defaultLeft ? 1 : 0)),
    id,
    left_children: nodes.map((n) => n.left),
    loss_changes: nodes.map((n) => n.gain),
    parents: nodes.map((n) => n.parent),
    right_children: nodes.map((n) => n.right),
    // A leaf's value lives in split_conditions, as in XGBoost.
    split_conditions: nodes.map((n) => (n.left === -1 ? n.value : n.threshold)),
    split_indices: nodes.map((n) => (n.left === -1 ? 0 : n.feature)),
    split_type: nodes.map(() => 0),
    sum_hessian: nodes.map((n) => n.hessian),
    tree_param: { num_deleted: '0', num_feature: columns, num_nodes: String(nodes.length), size_leaf_vector: '0' },
  }));
  const classes = String(model.outputs > 1 ? model.outputs : 0);
  const objective =
    model.params.objective === 'multi:softprob'
      ? { name: 'multi:softprob', softmax_multiclass_param: { num_class: classes } }
      : { name: model.params.objective, reg_loss_param: { scale_pos_weight: '1' } };
  const rounds = model.trees.length / model.outputs;
  return {
    version: [1, 7, 4],
    learner: {
      // best_ntree_limit counts rounds (XGBoost 1.7 multiplies it by num_parallel_tree only, not by the classes).
      attributes: { best_iteration: String(model.bestRound), best_ntree_limit: String(rounds) },
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length) }, tree_info: trees.map((_, i) => i % model.outputs), trees },
        name: 'gbtree',
      },
      // XGBoost reads base_score only in its own spelling, e.g. "1.4257425E-1".
      learner_model_param: { base_score: xgboostFloat(model.baseScore), boost_from_average: '1', num_class: classes, num_feature: columns, num_target: '1' },
      objective,
    },
  } as unknown as XgboostJsonModel & Record<string, unknown>;
}

/** A float32 as XGBoost writes it in parameters: mantissa and exponent, e.g. "5E-1" or "1.4257425E-1". */
export function xgboostFloat(value: number): string {
  const [mantissa, exponent] = Math.fround(value).toExponential(7).split('e');
  const trimmed = mantissa.replace(/\.?0+$/, '');
  return `${trimmed.toUpperCase()}E${Number(exponent)}`;
}

const FLOAT_ARRAYS = new Set(['base_weights', 'loss_changes', 'split_conditions', 'sum_hessian']);
const FLOAT_MARK = '\u0000f:';

/** XGBoost's JSON reader tells floats from integers by their spelling: floats need "." or "e". */
function floatText(value: number): string {
  const text = String(Math.fround(value));
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** The model as XGBoost's JSON reader accepts it (float arrays spelled as floats). */
export function stringifyXgboostJson(model: Record<string, unknown>): string {
  const text = JSON.stringify(model, (key, value: unknown) =>
    FLOAT_ARRAYS.has(key) && Array.isArray(value) ? value.map((v: number) => `${FLOAT_MARK}${floatText(v)}`) : value,
  );
  return text.replace(/"\\u0000f:([^"]+)"/g, '$1');
}
