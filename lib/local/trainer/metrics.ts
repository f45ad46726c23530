import { argmax } from '../../../lambdas/core/xgboost-output';
import { sortFloat32 } from './sort-float32';

/** Evaluation metrics with XGBoost's definitions (AUC with ties averaged; logloss clipped at 1e-15). */

/**
 * The probability that a positive scores above a negative (ties count half), which is the
 * rank-sum AUC. Positives' and negatives' scores are sorted apart (typed arrays, no comparator) and
 * merged, instead of sorting row indices through a comparator.
 */
export function binaryAuc(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = predictions.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Float32 scores (the trainer's margins) sort by radix; others natively, at full precision.
  const float32 = predictions instanceof Float32Array;
  const pos = float32 ? new Float32Array(positives) : new Float64Array(positives);
  const neg = float32 ? new Float32Array(negatives) : new Float64Array(negatives);
  for (let i = 0, p = 0, n = 0; i < predictions.length; i++) {
    if (labels[i] === 1) pos[p++] = predictions[i];
    else neg[n++] = predictions[i];
  }
  if (pos instanceof Float32Array && neg instanceof Float32Array) {
    sortFloat32(pos);
    sortFloat32(neg);
  } else {
    pos.sort();
    neg.sort();
  }
  // For each positive: negatives strictly below count 1, equal ones 1/2.
  let wins = 0;
  let below = 0;
  let equalEnd = 0;
  for (let p = 0; p < positives; p++) {
    const score = pos[p];
    while (below < negatives && neg[below] < score) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < negatives && neg[equalEnd] === score) equalEnd++;
    wins += below + (equalEnd - below) / 2;
  }
  return wins / (positives * negatives);
}

export function logLoss(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, predictions[i]));
    sum -= labels[i] * Math.log(p) + (1 - labels[i]) * Math.log(1 - p);
  }
  return sum / predictions.length;
}

export function rmse(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) sum += (predictions[i] - labels[i]) ** 2;
  return Math.sqrt(sum / predictions.length);
}

/** Each row's softmax of `classes` margins (rows × classes, row-major), in float64. */
export function softmaxRows(margins: ArrayLike<number>, rows: number): Float64Array {
  const classes = margins.length / rows;
  const out = new Float64Array(margins.length);
  for (let at = 0; at < margins.length; at += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, margins[at + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += out[at + k] = Math.exp(margins[at + k] - max);
    for (let k = 0; k < classes; k++) out[at + k] /= sum;
  }
  return out;
}

/** XGBoost's mlogloss: the mean of -log p(true class), p floored at 1e-16. */
export function multiLogLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const classes = probabilities.length / labels.length;
  let sum = 0;
  for (let r = 0; r < labels.length; r++) sum -= Math.log(Math.max(probabilities[r * classes + labels[r]], 1e-16));
  return sum / labels.length;
}

/** XGBoost's merror: the share of rows whose most probable class is not their label. */
export function multiError(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const classes = probabilities.length / labels.length;
  let wrong = 0;
  for (let r = 0; r < labels.length; r++) if (argmax(probabilities, r * classes, classes) !== labels[r]) wrong++;
  return wrong / labels.length;
}
