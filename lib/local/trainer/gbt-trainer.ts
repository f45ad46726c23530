import { binaryAuc, logLoss, rmse } from './metrics';

/**
 * Gradient-boosted trees the way XGBoost's `hist` method grows them: features cut into at most
 * 256 quantile bins, depth-wise growth, per node gradient/hessian histograms, the XGBoost split
 * gain G²/(H+λ) with min_child_weight, a learned default direction for missing values, leaf
 * weights −G/(H+λ)·eta, row subsampling per tree, early stopping on the validation metric.
 * Deterministic for a given seed. Objectives: binary:logistic and reg:squarederror.
 */

export interface TrainingParams {
  readonly objective: 'binary:logistic' | 'reg:squarederror';
  readonly numRound: number;
  readonly maxDepth: number;
  readonly eta: number;
  readonly subsample: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly evalMetric: 'auc' | 'logloss' | 'error' | 'rmse' | 'mae';
  readonly earlyStoppingRounds?: number;
  /** @default 256 */
  readonly maxBins?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Rows as a dense row-major matrix; NaN marks a missing value. */
export interface Dataset {
  readonly features: Float32Array;
  readonly labels: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

export interface TreeNode {
  feature: number;
  /** Split: x < threshold goes left. Leaf: unused. */
  threshold: number;
  defaultLeft: boolean;
  left: number;
  right: number;
  /** Leaf value (already scaled by eta); for splits the node weight. */
  value: number;
  gain: number;
  hessian: number;
  parent: number;
}

export interface TrainedModel {
  readonly params: TrainingParams;
  readonly baseScore: number;
  readonly trees: readonly TreeNode[][];
  readonly columns: number;
  /** Metrics per round: [train, validation] of params.evalMetric. */
  readonly history: readonly { readonly round: number; readonly train: number; readonly validation: number }[];
  readonly bestRound: number;
}

function rng(seed: number): () => number {
  let state = (seed >>> 0) || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Quantile cut points per feature: bin b holds cuts[b-1] <= x < cuts[b] (XGBoost's x < cut goes left). */
function cutPoints(data: Dataset, maxBins: number): Float32Array[] {
  const cuts: Float32Array[] = [];
  for (let f = 0; f < data.columns; f++) {
    const values: number[] = [];
    for (let r = 0; r < data.rows; r++) {
      const v = data.features[r * data.columns + f];
      if (!Number.isNaN(v)) values.push(v);
    }
    values.sort((a, b) => a - b);
    const distinct: number[] = [];
    for (const v of values) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
    const chosen: number[] = [];
    if (distinct.length <= maxBins) {
      // Midpoints between distinct values separate every value.
      for (let i = 1; i < distinct.length; i++) chosen.push(Math.fround((distinct[i - 1] + distinct[i]) / 2));
    } else {
      for (let b = 1; b < maxBins; b++) {
        const cut = values[Math.floor((b * values.length) / maxBins)];
        if (chosen.length === 0 || cut > chosen[chosen.length - 1]) chosen.push(Math.fround(cut));
      }
    }
    cuts.push(Float32Array.from(chosen));
  }
  return cuts;
}

/** Bin of every value (column-major); `missingBin` marks NaN. */
function binMatrix(data: Dataset, cuts: readonly Float32Array[], missingBin: number): Uint16Array[] {
  return cuts.map((c, f) => {
    const bins = new Uint16Array(data.rows);
    for (let r = 0; r < data.rows; r++) {
      const v = data.features[r * data.columns + f];
      if (Number.isNaN(v)) {
        bins[r] = missingBin;
        continue;
      }
      const x = Math.fround(v);
      let lo = 0;
      let hi = c.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (x < c[mid]) hi = mid;
        else lo = mid + 1;
      }
      bins[r] = lo;
    }
    return bins;
  });
}

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

/** Predicts the margin of row r of `data` with one tree (the same rule XGBoost applies). */
export function treeMargin(tree: readonly TreeNode[], features: Float32Array, offset: number): number {
  let node = 0;
  while (tree[node].left !== -1) {
    const n = tree[node];
    const x = features[offset + n.feature];
    node = Number.isNaN(x) ? (n.defaultLeft ? n.left : n.right) : Math.fround(x) < n.threshold ? n.left : n.right;
  }
  return tree[node].value;
}

function evaluate(metric: TrainingParams['evalMetric'], objective: TrainingParams['objective'], margins: Float64Array, labels: Float32Array): number {
  const predictions = objective === 'binary:logistic' ? Array.from(margins, sigmoid) : Array.from(margins);
  switch (metric) {
    case 'auc':
      return binaryAuc(predictions, labels);
    case 'logloss':
      return logLoss(predictions, labels);
    case 'error':
      return predictions.reduce((e, p, i) => e + ((p > 0.5 ? 1 : 0) !== labels[i] ? 1 : 0), 0) / labels.length;
    case 'mae':
      return predictions.reduce((e, p, i) => e + Math.abs(p - labels[i]), 0) / labels.length;
    default:
      return rmse(predictions, labels);
  }
}

export const HIGHER_IS_BETTER = new Set(['auc']);

export function train(trainSet: Dataset, validationSet: Dataset, params: TrainingParams, onRound?: (round: number, train: number, validation: number) => void): TrainedModel {
  const binary = params.objective === 'binary:logistic';
  const maxBins = params.maxBins ?? 256;
  const cuts = cutPoints(trainSet, maxBins);
  const missingBin = maxBins + 1;
  const bins = binMatrix(trainSet, cuts, missingBin);
  const random = rng(params.seed ?? 0);

  let labelMean = 0;
  for (const y of trainSet.labels) labelMean += y;
  labelMean /= trainSet.rows;
  // base_score as XGBoost stores it: a probability for logistic, a value for regression.
  const baseScore = binary ? Math.min(0.999, Math.max(0.001, labelMean)) : labelMean;
  const baseMargin = Math.fround(binary ? Math.log(baseScore / (1 - baseScore)) : baseScore);

  const trainMargins = new Float64Array(trainSet.rows).fill(baseMargin);
  const validationMargins = new Float64Array(validationSet.rows).fill(baseMargin);
  const grad = new Float64Array(trainSet.rows);
  const hess = new Float64Array(trainSet.rows);
  const trees: TreeNode[][] = [];
  const history: { round: number; train: number; validation: number }[] = [];
  const higherBetter = HIGHER_IS_BETTER.has(params.evalMetric);
  let best = { round: -1, value: higherBetter ? -Infinity : Infinity };

  for (let round = 0; round < params.numRound; round++) {
    for (let r = 0; r < trainSet.rows; r++) {
      const y = trainSet.labels[r];
      if (binary) {
        const p = sigmoid(trainMargins[r]);
        grad[r] = p - y;
        hess[r] = Math.max(p * (1 - p), 1e-16);
      } else {
        grad[r] = trainMargins[r] - y;
        hess[r] = 1;
      }
    }
    const sample: number[] = [];
    for (let r = 0; r < trainSet.rows; r++) if (params.subsample >= 1 || random() < params.subsample) sample.push(r);
    const tree = growTree(Int32Array.from(sample), bins, cuts, grad, hess, params, missingBin);
    trees.push(tree);
    for (let r = 0; r < trainSet.rows; r++) trainMargins[r] = Math.fround(trainMargins[r] + treeMargin(tree, trainSet.features, r * trainSet.columns));
    for (let r = 0; r < validationSet.rows; r++) validationMargins[r] = Math.fround(validationMargins[r] + treeMargin(tree, validationSet.features, r * validationSet.columns));

    const trainMetric = evaluate(params.evalMetric, params.objective, trainMargins, trainSet.labels);
    const validationMetric = evaluate(params.evalMetric, params.objective, validationMargins, validationSet.labels);
    history.push({ round, train: trainMetric, validation: validationMetric });
    onRound?.(round, trainMetric, validationMetric);
    if (higherBetter ? validationMetric > best.value : validationMetric < best.value) best = { round, value: validationMetric };
    if (params.earlyStoppingRounds !== undefined && round - best.round >= params.earlyStoppingRounds) break;
  }
  // With early stopping the model keeps the trees up to the best round.
  const kept = params.earlyStoppingRounds !== undefined ? trees.slice(0, best.round + 1) : trees;
  return { params, baseScore, trees: kept, columns: trainSet.columns, history, bestRound: best.round };
}

function growTree(rows: Int32Array, bins: readonly Uint16Array[], cuts: readonly Float32Array[], grad: Float64Array, hess: Float64Array, params: TrainingParams, missingBin: number): TreeNode[] {
  const nodes: TreeNode[] = [];
  const histogramSize = missingBin + 1;
  const sums = (members: Int32Array) => {
    let g = 0;
    let h = 0;
    for (const r of members) {
      g += grad[r];
      h += hess[r];
    }
    return { g, h };
  };
  const weight = (g: number, h: number) => -g / (h + params.lambda);
  const score = (g: number, h: number) => (g * g) / (h + params.lambda);

  const placeholder = (parent: number): number => {
    nodes.push({ feature: 0, threshold: 0, defaultLeft: false, left: -1, right: -1, value: 0, gain: 0, hessian: 0, parent });
    return nodes.length - 1;
  };
  // Children are allocated as a pair (right = left + 1): XGBoost's predictor relies on it.
  const build = (id: number, members: Int32Array, depth: number): void => {
    const { g, h } = sums(members);
    Object.assign(nodes[id], { value: Math.fround(weight(g, h) * params.eta), hessian: h });
    if (depth >= params.maxDepth || h < 2 * params.minChildWeight || members.length < 2) return;

    let bestGain = 0;
    let bestFeature = -1;
    let bestBin = -1;
    let bestDefaultLeft = false;
    const gHist = new Float64Array(histogramSize);
    const hHist = new Float64Array(histogramSize);
    const parentScore = score(g, h);
    for (let f = 0; f < bins.length; f++) {
      gHist.fill(0);
      hHist.fill(0);
      const column = bins[f];
      for (const r of members) {
        const b = column[r];
        gHist[b] += grad[r];
        hHist[b] += hess[r];
      }
      const gMissing = gHist[missingBin];
      const hMissing = hHist[missingBin];
      let gLeft = 0;
      let hLeft = 0;
      // Split after bin b: bins 0..b go left (x < cuts[b]).
      for (let b = 0; b < cuts[f].length; b++) {
        gLeft += gHist[b];
        hLeft += hHist[b];
        for (const missingLeft of [true, false]) {
          const gl = gLeft + (missingLeft ? gMissing : 0);
          const hl = hLeft + (missingLeft ? hMissing : 0);
          const gr = g - gl;
          const hr = h - hl;
          if (hl < params.minChildWeight || hr < params.minChildWeight) continue;
          const gain = score(gl, hl) + score(gr, hr) - parentScore;
          if (gain > bestGain + 1e-12) {
            bestGain = gain;
            bestFeature = f;
            bestBin = b;
            bestDefaultLeft = missingLeft;
          }
        }
      }
    }
    if (bestFeature === -1) return;

    const column = bins[bestFeature];
    const leftRows: number[] = [];
    const rightRows: number[] = [];
    for (const r of members) {
      const b = column[r];
      const goesLeft = b === missingBin ? bestDefaultLeft : b <= bestBin;
      (goesLeft ? leftRows : rightRows).push(r);
    }
    const node = nodes[id];
    node.feature = bestFeature;
    node.threshold = cuts[bestFeature][bestBin];
    node.defaultLeft = bestDefaultLeft;
    node.gain = bestGain;
    node.value = Math.fround(weight(g, h));
    node.left = placeholder(id);
    node.right = placeholder(id);
    build(node.left, Int32Array.from(leftRows), depth + 1);
    build(node.right, Int32Array.from(rightRows), depth + 1);
  };
  build(placeholder(2147483647), rows, 0);
  return nodes;
}
