import { parseNumber } from './features/values';

/**
 * What SageMaker's built-in XGBoost answers to a text/csv request (serve.py, without selectable
 * inference output): `",".join(map(str, preds.tolist()))`. One number per row for binary:logistic
 * (the probability) and reg:squarederror, joined by commas; for multi:softprob each row is a
 * Python list, so "[0.1, 0.2, 0.7],[0.5, 0.25, 0.25]". Batch transform joins rows with newlines.
 */

export class EndpointOutputError extends Error {
  override readonly name = 'EndpointOutputError';
}

/** Each row's outputs: [score] for single-output models, every class's probability for multi:softprob. */
export function parseXgboostOutput(text: string): number[][] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    const rows: number[][] = [];
    for (const match of trimmed.matchAll(/\[([^\]]*)\]|([^\s,[\]][^,]*)/g)) {
      if (match[1] === undefined) throw new EndpointOutputError(`"${match[0]}" outside a [...] row in a multi-class output`);
      rows.push(match[1].split(',').map((t) => number(t)));
    }
    return rows;
  }
  return trimmed
    .split(/[\n,]/)
    .filter((t) => t.trim() !== '')
    .map((t) => [number(t)]);
}

function number(text: string): number {
  const value = parseNumber(text.trim());
  if (value === undefined) throw new EndpointOutputError(`"${text.trim()}" is not a number`);
  return value;
}

/** A float as Python's str() writes it (the container's output): "0.5", "1.0", "1e-05", "3.2e-07". */
export function pythonFloat(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-4 && magnitude < 1e16)) return Number.isInteger(value) ? `${value}.0` : String(value);
  const [mantissa, exponent] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** The container's text/csv answer for these rows' outputs (float32 predictions, as XGBoost computes them). */
export function formatXgboostOutput(rows: readonly (readonly number[])[], multiClass: boolean): string {
  const value = (p: number) => pythonFloat(Math.fround(p));
  return rows.map((row) => (multiClass ? `[${row.map(value).join(', ')}]` : value(row[0]))).join(',');
}

/** The class with the highest probability (the first of equals, as XGBoost's merror and argmax take it). */
export function argmax(values: ArrayLike<number>, from = 0, count = values.length - from): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[from + k] > values[from + best]) best = k;
  return best;
}
