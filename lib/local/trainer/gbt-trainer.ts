import { closeSync, openSync, readSync } from 'node:fs';
import { seededRandom } from './random';
import { binaryAuc, logLoss, multiError, multiLogLoss, rmse, softmaxRows } from './metrics';
import { xgboostCuts, type FeatureCuts } from './quantile-sketch';

/**
 * Gradient-boosted trees the way XGBoost's `hist` method grows them: features cut into at most
 * 256 bins where XGBoost 1.7 cuts them (quantile-sketch.ts), depth-wise growth, per node gradient/hessian histograms, the XGBoost split
 * gain G²/(H+λ) with min_child_weight, a learned default direction for missing values, leaf
 * weights −G/(H+λ)·eta, row subsampling per tree, early stopping on the validation metric.
 * Deterministic for a given seed. Objectives: binary:logistic, reg:squarederror and
 * multi:softprob (one tree per class and round, on the softmax's gradients, as XGBoost grows them).
 */

export interface TrainingParams {
  readonly objective: 'binary:logistic' | 'reg:squarederror' | 'multi:softprob';
  /** multi:softprob: the number of classes (labels are 0..numClass-1). */
  readonly numClass?: number;
  readonly numRound: number;
  readonly maxDepth: number;
  readonly eta: number;
  readonly subsample: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly evalMetric: 'auc' | 'logloss' | 'error' | 'rmse' | 'mae' | 'mlogloss' | 'merror';
  readonly earlyStoppingRounds?: number;
  /** @default 256 */
  readonly maxBins?: number;
  /** @default 0 */
  readonly seed?: number;
  /**
   * The start of boosting, as XGBoost's base_score (a probability for binary:logistic).
   * @default the label mean (XGBoost 2.x estimates it); XGBoost 1.x, the configured SageMaker image, starts from 0.5
   */
  readonly baseScore?: number;
}

/**
 * Rows as a dense row-major matrix (`features`), or as one float32 file per feature
 * (`columnFiles`, written by the channel parser's spill); NaN marks a missing value.
 */
export interface Dataset {
  readonly features?: Float32Array;
  readonly columnFiles?: readonly string[];
  readonly labels: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

/** Feature f of every row, as a new array (read from its file, or taken out of the matrix). */
export function featureColumn(data: Dataset, f: number): Float32Array {
  const column = new Float32Array(data.rows);
  if (data.features) {
    for (let r = 0; r < data.rows; r++) column[r] = data.features[r * data.columns + f];
    return column;
  }
  const file = data.columnFiles?.[f];
  if (!file) throw new Error(`the dataset has neither features nor a file for feature ${f}`);
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(column.buffer);
    for (let read = 0; read < bytes.length;) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) throw new Error(`${file} holds ${read} bytes, expected ${bytes.length} (${data.rows} rows)`);
      read += n;
    }
  } finally {
    closeSync(fd);
  }
  return column;
}

export interface TreeNode {
  feature: number;
  /** Split: x < threshold goes left. Leaf: unused. */
  threshold: number;
  /** The same split in bins of the training data: bin <= splitBin goes left. */
  splitBin: number;
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
  /** In XGBoost's order: round by round, and within a round (multi:softprob) class by class. */
  readonly trees: readonly TreeNode[][];
  /** Outputs per row: numClass for multi:softprob, else 1 (tree i adds to output i % outputs). */
  readonly outputs: number;
  readonly columns: number;
  /**
   * params.evalMetric per round on the validation set; on the training set only for bestRound
   * (computing it every round would cost a sort of the training set per round).
   */
  readonly history: readonly { readonly round: number; readonly train?: number; readonly validation: number }[];
  /** The round of the model's last tree: the best validation round with early stopping, else the last round. */
  readonly bestRound: number;
}

/** Features cut into bins: bin b of feature f holds cuts[f][b-1] <= x < cuts[f][b] (XGBoost's x < cut goes left). */
interface Binning {
  readonly cuts: readonly Float32Array[];
  /** Feature f's code for a missing value: one past its last bin (cuts[f].length + 1). */
  readonly missingBins: Uint16Array;
  readonly hasMissing: readonly boolean[];
  /** Per feature, XGBoost's thresholds below and above every value (splits of present against missing). */
  readonly lowerBounds: Float32Array;
  readonly upperBounds: Float32Array;
}

/**
 * Bins as bytes when every code fits (a feature without missing values may use all 256), else as
 * 16-bit values: the histogram pass reads one per row and feature, so bytes halve its memory reads.
 */
type BinMatrix = Uint8Array | Uint16Array;

/** Cut points per feature where XGBoost 1.7's `hist` places them (its quantile sketch, reproduced). */
function binningOf(data: Dataset, maxBins: number): Binning {
  const features: FeatureCuts[] = [];
  const hasMissing: boolean[] = [];
  for (let f = 0; f < data.columns; f++) {
    // The column's present values in row order, compacted in place (one feature in memory at a time).
    const present = featureColumn(data, f);
    let count = 0;
    for (let r = 0; r < data.rows; r++) {
      const v = present[r];
      if (!Number.isNaN(v)) present[count++] = v;
    }
    hasMissing.push(count < data.rows);
    features.push(xgboostCuts(present.subarray(0, count), maxBins));
  }
  const cuts = features.map((f) => f.cuts);
  return {
    cuts,
    hasMissing,
    missingBins: Uint16Array.from(cuts, (c) => c.length + 1),
    lowerBounds: Float32Array.from(features, (f) => f.lower),
    upperBounds: Float32Array.from(features, (f) => f.upper),
  };
}

/**
 * Bin of every value, row-major (row r's bins are [r·columns, (r+1)·columns)); missingBins[f] marks
 * NaN. For data other than the training set (`anyMissing`), any feature may be missing.
 */
function binMatrix(data: Dataset, { cuts, missingBins, hasMissing }: Binning, anyMissing = false): BinMatrix {
  const largestCode = Math.max(...cuts.map((c, f) => (anyMissing || hasMissing[f] ? missingBins[f] : c.length)));
  const bins = largestCode <= 255 ? new Uint8Array(data.rows * data.columns) : new Uint16Array(data.rows * data.columns);
  for (let f = 0; f < data.columns; f++) {
    const c = cuts[f];
    const column = featureColumn(data, f);
    for (let r = 0; r < data.rows; r++) {
      const v = column[r];
      if (Number.isNaN(v)) {
        bins[r * data.columns + f] = missingBins[f];
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
      bins[r * data.columns + f] = lo;
    }
  }
  return bins;
}

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

/**
 * The metric of float32 margins (as XGBoost keeps them; multi:softprob: numClass per row, row-major);
 * predictions are computed in float64.
 */
function evaluate(metric: TrainingParams['evalMetric'], objective: TrainingParams['objective'], margins: Float32Array, labels: Float32Array): number {
  if (objective === 'multi:softprob') {
    const probabilities = softmaxRows(margins, labels.length);
    return metric === 'merror' ? multiError(probabilities, labels) : multiLogLoss(probabilities, labels);
  }
  // AUC depends on ranks only, which the strictly increasing logistic function keeps.
  if (metric === 'auc') return binaryAuc(margins, labels);
  const predictions = objective === 'binary:logistic' ? Float64Array.from(margins, sigmoid) : Float64Array.from(margins);
  switch (metric) {
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

/**
 * Margin of row r with one tree, from its bins: the route XGBoost's rule (x < threshold goes left,
 * NaN the default way) gives the raw value, since x < cuts[b] exactly when bin(x) <= b.
 */
function binnedTreeMargin(tree: readonly TreeNode[], bins: BinMatrix, offset: number, missingBins: Uint16Array): number {
  let node = 0;
  while (tree[node].left !== -1) {
    const n = tree[node];
    const b = bins[offset + n.feature];
    node = b === missingBins[n.feature] ? (n.defaultLeft ? n.left : n.right) : b <= n.splitBin ? n.left : n.right;
  }
  return tree[node].value;
}

export function train(trainSet: Dataset, validationSet: Dataset, params: TrainingParams, onRound?: (round: number, validation: number) => void): TrainedModel {
  const binary = params.objective === 'binary:logistic';
  const multi = params.objective === 'multi:softprob';
  const outputs = multi ? classCount(params, trainSet, validationSet) : 1;
  const maxBins = params.maxBins ?? 256;
  const binning = binningOf(trainSet, maxBins);
  const bins = binMatrix(trainSet, binning);
  // The validation rows in the training bins: bin(x) <= splitBin exactly when x < threshold, so
  // they take the trees' routes as their raw values would, and need a byte per value, not four.
  if (validationSet.columns !== trainSet.columns) throw new Error(`validation has ${validationSet.columns} features, train ${trainSet.columns}`);
  const validationBins = binMatrix(validationSet, binning, true);
  const random = seededRandom(params.seed ?? 0);
  const { rows, columns } = trainSet;

  let labelMean = 0;
  for (const y of trainSet.labels) labelMean += y;
  labelMean /= rows;
  // base_score as XGBoost stores it: a probability for logistic, a value for regression, and for
  // softmax the margin itself (XGBoost does not estimate it there: 0.5 in 1.x and 2.x).
  const baseScore = params.baseScore ?? (binary ? Math.min(0.999, Math.max(0.001, labelMean)) : multi ? 0.5 : labelMean);
  if (binary && !(baseScore > 0 && baseScore < 1)) throw new Error(`base_score ${baseScore} must be between 0 and 1 for binary:logistic`);
  const baseMargin = Math.fround(binary ? Math.log(baseScore / (1 - baseScore)) : baseScore);

  // Margins are rounded to float32 after every tree, as XGBoost does: float32 arrays hold them
  // exactly. multi:softprob keeps one per class, row-major (row r's at [r·outputs, (r+1)·outputs)).
  const trainMargins = new Float32Array(rows * outputs).fill(baseMargin);
  const validationMargins = new Float32Array(validationSet.rows * outputs).fill(baseMargin);
  let bestTrainMargins = trainMargins.slice();
  // The round's softmax of every row's margins: all classes' gradients come from the margins before the round's first tree.
  const probabilities = multi ? new Float32Array(rows * outputs) : undefined;
  // Gradient and hessian of row r at [2r] and [2r + 1]: one cache line serves both.
  const gradHess = new Float64Array(2 * rows);
  const sample = new Int32Array(rows);
  const inSample = new Uint8Array(rows);
  const grower = new TreeGrower(bins, columns, binning, gradHess, params);
  const trees: TreeNode[][] = [];
  const history: { round: number; train?: number; validation: number }[] = [];
  const higherBetter = HIGHER_IS_BETTER.has(params.evalMetric);
  let best = { round: -1, value: higherBetter ? -Infinity : Infinity };

  for (let round = 0; round < params.numRound; round++) {
    if (probabilities) softmaxInto(trainMargins, probabilities, outputs);
    for (let k = 0; k < outputs; k++) {
      for (let r = 0; r < rows; r++) {
        const y = trainSet.labels[r];
        if (probabilities) {
          // XGBoost's softmax objective, in float32: h = max(2p(1-p), 1e-16), g = p - [y = k].
          const p = probabilities[r * outputs + k];
          gradHess[2 * r] = Math.fround(y === k ? p - 1 : p);
          gradHess[2 * r + 1] = Math.max(Math.fround(2 * p * Math.fround(1 - p)), 1e-16);
        } else if (binary) {
          const p = sigmoid(trainMargins[r]);
          gradHess[2 * r] = p - y;
          gradHess[2 * r + 1] = Math.max(p * (1 - p), 1e-16);
        } else {
          gradHess[2 * r] = trainMargins[r] - y;
          gradHess[2 * r + 1] = 1;
        }
      }
      let sampled = 0;
      inSample.fill(0);
      for (let r = 0; r < rows; r++) {
        if (params.subsample >= 1 || random() < params.subsample) {
          sample[sampled++] = r;
          inSample[r] = 1;
        }
      }
      const tree = grower.grow(sample.subarray(0, sampled));
      trees.push(tree);
      // Sampled rows sit in their leaves' segments after growing; only the others walk the tree.
      for (const { node, begin, end } of grower.leaves) for (let i = begin; i < end; i++) trainMargins[sample[i] * outputs + k] += node.value;
      for (let r = 0; r < rows; r++) if (inSample[r] === 0) trainMargins[r * outputs + k] += binnedTreeMargin(tree, bins, r * columns, binning.missingBins);
      for (let r = 0; r < validationSet.rows; r++)
        validationMargins[r * outputs + k] += binnedTreeMargin(tree, validationBins, r * columns, binning.missingBins);
    }

    // Only the validation metric is needed per round (early stopping); the train metric is reported for the best round.
    const validationMetric = evaluate(params.evalMetric, params.objective, validationMargins, validationSet.labels);
    history.push({ round, validation: validationMetric });
    onRound?.(round, validationMetric);
    if (higherBetter ? validationMetric > best.value : validationMetric < best.value) {
      best = { round, value: validationMetric };
      bestTrainMargins = trainMargins.slice();
    }
    if (params.earlyStoppingRounds !== undefined && round - best.round >= params.earlyStoppingRounds) break;
  }
  // With early stopping the model keeps the trees up to the best round.
  const kept = params.earlyStoppingRounds !== undefined ? trees.slice(0, (best.round + 1) * outputs) : trees;
  const lastKept = kept.length / outputs - 1;
  history[lastKept].train = evaluate(params.evalMetric, params.objective, lastKept === best.round ? bestTrainMargins : trainMargins, trainSet.labels);
  return { params, baseScore, trees: kept, outputs, columns, history, bestRound: lastKept };
}

/**
 * multi:softprob's class count, with XGBoost's checks: num_class is required and at least 2, and
 * every label is a class index ("label must be in [0, num_class)").
 */
function classCount(params: TrainingParams, ...sets: Dataset[]): number {
  const k = params.numClass;
  if (k === undefined || !Number.isInteger(k) || k < 2) throw new Error(`multi:softprob needs num_class, an integer of at least 2 (got ${k})`);
  for (const set of sets) {
    const bad = set.labels.findIndex((y) => !(Number.isInteger(y) && y >= 0 && y < k));
    if (bad !== -1) throw new Error(`SoftmaxMultiClassObj: label must be in [0, num_class): row ${bad + 1} has label ${set.labels[bad]}, num_class is ${k}`);
  }
  return k;
}

/**
 * Each row's softmax of its margins as XGBoost computes it in float32 (its running maximum starts
 * from the smallest positive float, a quirk kept because it moves the exponents).
 */
function softmaxInto(margins: Float32Array, out: Float32Array, classes: number): void {
  for (let at = 0; at < margins.length; at += classes) {
    let max = 1.1754943508222875e-38;
    for (let k = 0; k < classes; k++) max = Math.max(margins[at + k], max);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.fround(Math.exp(Math.fround(margins[at + k] - max)));
    const total = Math.fround(sum);
    for (let k = 0; k < classes; k++) out[at + k] = Math.fround(Math.fround(Math.exp(Math.fround(margins[at + k] - max))) / total);
  }
}

/**
 * Appends a node to be filled in (a leaf until split) and returns its id. A plain function, not a
 * closure per tree: the optimizing compiler specializes calls on their target, and a new closure
 * every tree would throw the optimized `build` away each time.
 */
function addNode(nodes: TreeNode[], parent: number): number {
  nodes.push({ feature: 0, threshold: 0, splitBin: 0, defaultLeft: false, left: -1, right: -1, value: 0, gain: 0, hessian: 0, parent });
  return nodes.length - 1;
}

/**
 * Grows one tree depth-first over a shared row index array that is partitioned in place. A node's
 * gradient histogram is built by one pass over its rows (all features at once, row-major); of two
 * children only the smaller is scanned, the larger is the parent's histogram minus it.
 */
class TreeGrower {
  private readonly histogramSize: number;
  /** One reusable histogram pair (gradient, hessian interleaved) per depth and side. */
  private readonly pool: Float64Array[];
  private scratch = new Int32Array(0);
  private readonly cuts: readonly Float32Array[];
  private readonly lowerBounds: Float32Array;
  private readonly upperBounds: Float32Array;
  private readonly missingBins: Uint16Array;

  constructor(
    private readonly bins: BinMatrix,
    private readonly columns: number,
    binning: Binning,
    private readonly gradHess: Float64Array,
    private readonly params: TrainingParams,
  ) {
    this.cuts = binning.cuts;
    this.lowerBounds = binning.lowerBounds;
    this.upperBounds = binning.upperBounds;
    this.missingBins = binning.missingBins;
    // Bins 0..cuts.length and the missing code right after: at most maxBins + 1 slots per feature.
    this.histogramSize = Math.max(...binning.missingBins) + 1;
    this.pool = Array.from({ length: 2 * (params.maxDepth + 2) }, () => new Float64Array(2 * columns * this.histogramSize));
  }

  grow(rows: Int32Array): TreeNode[] {
    if (this.scratch.length < rows.length) this.scratch = new Int32Array(rows.length);
    this.leaves.length = 0;
    const nodes: TreeNode[] = [];
    const root = this.pool[0];
    this.buildHistogram(root, rows, 0, rows.length);
    let g = 0;
    let h = 0;
    for (let i = 0; i < rows.length; i++) {
      g += this.gradHess[2 * rows[i]];
      h += this.gradHess[2 * rows[i] + 1];
    }
    this.build(nodes, addNode(nodes, 2147483647), rows, 0, rows.length, 0, root, g, h);
    return nodes;
  }

  /** The rows of the last grown tree's leaves: rows[begin, end) of the array given to grow(). */
  readonly leaves: { node: TreeNode; begin: number; end: number }[] = [];

  private leaf(node: TreeNode, begin: number, end: number): void {
    this.leaves.push({ node, begin, end });
  }

  private buildHistogram(histogram: Float64Array, rows: Int32Array, begin: number, end: number): void {
    histogram.fill(0);
    const { bins, columns, gradHess, histogramSize } = this;
    // Four rows per step: their loads and adds are independent, so the CPU overlaps them (~1.25x
    // over one row per step at 1M rows). Each slot still receives its additions in row order, so
    // the sums are bit-identical to the simple loop below, which takes the last few rows.
    let i = begin;
    for (; i + 3 < end; i += 4) {
      const r0 = rows[i];
      const r1 = rows[i + 1];
      const r2 = rows[i + 2];
      const r3 = rows[i + 3];
      const g0 = gradHess[2 * r0];
      const h0 = gradHess[2 * r0 + 1];
      const g1 = gradHess[2 * r1];
      const h1 = gradHess[2 * r1 + 1];
      const g2 = gradHess[2 * r2];
      const h2 = gradHess[2 * r2 + 1];
      const g3 = gradHess[2 * r3];
      const h3 = gradHess[2 * r3 + 1];
      const o0 = r0 * columns;
      const o1 = r1 * columns;
      const o2 = r2 * columns;
      const o3 = r3 * columns;
      for (let f = 0; f < columns; f++) {
        const base = f * histogramSize;
        const s0 = 2 * (base + bins[o0 + f]);
        const s1 = 2 * (base + bins[o1 + f]);
        const s2 = 2 * (base + bins[o2 + f]);
        const s3 = 2 * (base + bins[o3 + f]);
        histogram[s0] += g0;
        histogram[s0 + 1] += h0;
        histogram[s1] += g1;
        histogram[s1 + 1] += h1;
        histogram[s2] += g2;
        histogram[s2 + 1] += h2;
        histogram[s3] += g3;
        histogram[s3 + 1] += h3;
      }
    }
    for (; i < end; i++) {
      const r = rows[i];
      const g = gradHess[2 * r];
      const h = gradHess[2 * r + 1];
      const offset = r * columns;
      for (let f = 0; f < columns; f++) {
        const slot = 2 * (f * histogramSize + bins[offset + f]);
        histogram[slot] += g;
        histogram[slot + 1] += h;
      }
    }
  }

  private build(
    nodes: TreeNode[],
    id: number,
    rows: Int32Array,
    begin: number,
    end: number,
    depth: number,
    histogram: Float64Array,
    g: number,
    h: number,
  ): void {
    const { params, missingBins, histogramSize, cuts, columns } = this;
    const lambda = params.lambda;
    const node = nodes[id];
    node.value = Math.fround((-g / (h + lambda)) * params.eta);
    node.hessian = h;
    if (depth >= params.maxDepth || h < 2 * params.minChildWeight || end - begin < 2) return this.leaf(node, begin, end);

    // XGBoost's enumeration (hist, 1.7): per feature, forward over the bins with missing values
    // right (bins 0..b left, the last split sending every present value left), then, if the node
    // has missing values, backward with them left (bins b+1.. right, the last sending every
    // present value right). A split replaces the best only with a strictly larger gain in float32,
    // so ties go to the lower feature, forward before backward, the first bin of each pass.
    let bestGain = 0;
    let bestFeature = -1;
    let bestBin = -1;
    let bestThreshold = 0;
    let bestDefaultLeft = false;
    let bestGl = 0;
    let bestHl = 0;
    const rootGain = Math.fround((g * g) / (h + lambda));
    const minChildWeight = params.minChildWeight;
    const consider = (f: number, bin: number, threshold: number, defaultLeft: boolean, gl: number, hl: number): void => {
      const gr = g - gl;
      const hr = h - hl;
      if (hl < minChildWeight || hr < minChildWeight) return;
      const gain = Math.fround((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - rootGain);
      if (gain > bestGain) {
        bestGain = gain;
        bestFeature = f;
        bestBin = bin;
        bestThreshold = threshold;
        bestDefaultLeft = defaultLeft;
        bestGl = gl;
        bestHl = hl;
      }
    };
    for (let f = 0; f < columns; f++) {
      const base = 2 * f * histogramSize;
      const gMissing = histogram[base + 2 * missingBins[f]];
      const hMissing = histogram[base + 2 * missingBins[f] + 1];
      const c = cuts[f];
      const lastBin = c.length;
      let gLeft = 0;
      let hLeft = 0;
      for (let b = 0; b <= lastBin; b++) {
        const gBin = histogram[base + 2 * b];
        const hBin = histogram[base + 2 * b + 1];
        // An empty bin repeats the previous bin's split, whose gain was already weighed (deep nodes hold few rows).
        if (gBin === 0 && hBin === 0 && b > 0) continue;
        gLeft += gBin;
        hLeft += hBin;
        consider(f, b, b < lastBin ? c[b] : this.upperBounds[f], false, gLeft, hLeft);
      }
      if (gMissing === 0 && hMissing === 0) continue;
      let gRight = 0;
      let hRight = 0;
      for (let b = lastBin; b >= 0; b--) {
        const gBin = histogram[base + 2 * b];
        const hBin = histogram[base + 2 * b + 1];
        if (gBin === 0 && hBin === 0 && b < lastBin) continue;
        gRight += gBin;
        hRight += hBin;
        consider(f, b - 1, b > 0 ? c[b - 1] : this.lowerBounds[f], true, g - gRight, h - hRight);
      }
    }
    // XGBoost expands a node only on a gain above kRtEps.
    if (bestGain <= 1e-6) bestFeature = -1;
    if (bestFeature === -1) return this.leaf(node, begin, end);

    // Stable in-place partition: left rows first, right rows after, each in their original order.
    // The children's sums come from the histogram (as the split's gain did). The split feature's
    // bins are read from the row-major matrix in row order (rows stay sorted within a node), a
    // stride of one row: no column-major copy, which took as much memory as the matrix again.
    const scratch = this.scratch;
    const bins = this.bins;
    const missingBin = missingBins[bestFeature];
    let left = begin;
    let right = 0;
    const gl = bestGl;
    const hl = bestHl;
    for (let i = begin; i < end; i++) {
      const r = rows[i];
      const b = bins[r * columns + bestFeature];
      if (b === missingBin ? bestDefaultLeft : b <= bestBin) {
        rows[left++] = r;
      } else {
        scratch[right++] = r;
      }
    }
    rows.set(scratch.subarray(0, right), left);
    const middle = left;

    node.feature = bestFeature;
    node.threshold = bestThreshold;
    node.splitBin = bestBin;
    node.defaultLeft = bestDefaultLeft;
    node.gain = bestGain;
    node.value = Math.fround(-g / (h + lambda));
    node.left = addNode(nodes, id);
    node.right = addNode(nodes, id);

    // The smaller child is scanned; the larger one's histogram is the parent's minus it. Both live
    // in this depth's two pool slots, which the left subtree (deeper slots only) leaves intact.
    const small = this.pool[2 * (depth + 1)];
    const large = this.pool[2 * (depth + 1) + 1];
    if (depth + 1 >= params.maxDepth) {
      // Both children are leaves at the maximum depth: their histograms would never be read.
      this.build(nodes, node.left, rows, begin, middle, depth + 1, small, gl, hl);
      this.build(nodes, node.right, rows, middle, end, depth + 1, large, g - gl, h - hl);
      return;
    }
    const leftSmaller = middle - begin <= end - middle;
    if (leftSmaller) this.buildHistogram(small, rows, begin, middle);
    else this.buildHistogram(small, rows, middle, end);
    for (let i = 0; i < histogram.length; i++) large[i] = histogram[i] - small[i];
    const [leftHistogram, rightHistogram] = leftSmaller ? [small, large] : [large, small];
    this.build(nodes, node.left, rows, begin, middle, depth + 1, leftHistogram, gl, hl);
    this.build(nodes, node.right, rows, middle, end, depth + 1, rightHistogram, g - gl, h - hl);
  }
}
