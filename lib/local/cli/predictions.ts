import type { PredictResponse } from './control-server';

/**
 * `mlops predict`'s output: a score per line for binary and regression models; for a multiclass
 * model a CSV with the most probable class and every class's probability (a header names them).
 */
export function formatPredictions(result: PredictResponse): string {
  const { classes, predictedClasses, probabilities } = result;
  if (!classes || !predictedClasses || !probabilities) return result.predictions.join('\n');
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const header = ['class', ...classes.map((c) => quote(`p(${c})`))].join(',');
  return [header, ...probabilities.map((row, i) => [quote(predictedClasses[i]), ...row].join(','))].join('\n');
}
