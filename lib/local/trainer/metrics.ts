/** Evaluation metrics with XGBoost's definitions (AUC with ties averaged; logloss clipped at 1e-15). */

export function binaryAuc(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: predictions.length }, (_, i) => i).sort((a, b) => predictions[a] - predictions[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && predictions[order[j + 1]] === predictions[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
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
