import type { ProblemType } from '../../contracts/problem-types';
import type { ColumnType } from './validate';
import { foldAsciiCase, isMissing, parseBoolean, parseNumber, trimField } from './values';

/** A typed value: numbers for numeric and boolean columns, text for categorical, null when missing. */
export type Value = number | string | null;

/** How one feature is encoded for XGBoost. */
export type FeatureEncoding =
  | { readonly name: string; readonly type: 'numeric' }
  | { readonly name: string; readonly type: 'boolean' }
  | {
      readonly name: string;
      readonly type: 'categorical';
      /** Category → code, most frequent in training first (code 0). */
      readonly codes: Readonly<Record<string, number>>;
      /** Categories seen in training but outside the top K: they share otherCode. */
      readonly otherValues: readonly string[];
      readonly otherCode: number;
      /** Categories never seen in training. */
      readonly unseenCode: number;
      /** dataset.categoryCase "ignore": the codes' values are lower-cased (A-Z only), and a value is folded before lookup. */
      readonly foldCase?: true;
    };

/** The fitted transform, stored as features/<run>/feature-spec.json and applied again at serving. */
export interface FeatureSpec {
  readonly version: 1;
  readonly problemType: ProblemType;
  /** classes: multiclass only, label i is classes[i] (what the model's i-th probability is of). */
  readonly target: { readonly name: string; readonly type: ColumnType; readonly positiveClass?: string; readonly classes?: readonly string[] };
  /** In output column order (after the label). */
  readonly features: readonly FeatureEncoding[];
}

/** Builds category codes by training frequency (ties by value, so the order is stable). */
export function categoricalEncoding(name: string, counts: ReadonlyMap<string, number>, topK: number, foldCase = false): FeatureEncoding {
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const codes: Record<string, number> = {};
  ranked.slice(0, topK).forEach(([value], i) => (codes[value] = i));
  const top = Math.min(topK, ranked.length);
  const otherValues = ranked
    .slice(topK)
    .map(([value]) => value)
    .sort();
  return { name, type: 'categorical', codes, otherValues, otherCode: top, unseenCode: top + 1, ...(foldCase ? { foldCase: true as const } : {}) };
}

const otherSets = new WeakMap<object, ReadonlySet<string>>();

export type CategoricalEncoding = Extract<FeatureEncoding, { type: 'categorical' }>;

function isOther(encoding: CategoricalEncoding, category: string): boolean {
  let set = otherSets.get(encoding);
  if (!set) otherSets.set(encoding, (set = new Set(encoding.otherValues)));
  return set.has(category);
}

/**
 * Encodes one typed feature value as a CSV field: numbers pass through, missing stays empty (XGBoost
 * treats it as missing), categories become their code. Training output and serving both call this.
 */
export function encodeValue(encoding: FeatureEncoding, value: Value): string {
  if (value === null) return '';
  if (encoding.type !== 'categorical') return String(value);
  return String(categoryCode(encoding, value as string));
}

/** A category's code: its rank in the top K, else the "other" code if seen in training, else "unseen". */
export function categoryCode(encoding: CategoricalEncoding, category: string): number {
  const code = encoding.codes[category];
  if (code !== undefined) return code;
  return isOther(encoding, category) ? encoding.otherCode : encoding.unseenCode;
}

/** The typed value of a binary problem's positive class, as validation types the target column: a row is positive (label 1) when its target equals it. */
export function positiveValue(target: FeatureSpec['target']): Value {
  const positive = target.positiveClass!;
  switch (target.type) {
    case 'boolean':
      return parseBoolean(positive) ?? null;
    case 'numeric':
      return parseNumber(positive) ?? null;
    default:
      return positive;
  }
}

/** A serving-time input that does not fit the spec; names the feature. */
export class ServingInputError extends Error {
  override readonly name = 'ServingInputError';
}

/** Serving: encodes a raw record whose fields are the spec's features in order, as training did. */
export function encodeRawFeatures(spec: FeatureSpec, fields: readonly string[]): string[] {
  if (fields.length !== spec.features.length) {
    throw new ServingInputError(`expected ${spec.features.length} features (${spec.features.map((f) => f.name).join(', ')}), got ${fields.length}`);
  }
  return spec.features.map((feature, i) => {
    const text = trimField(fields[i]);
    if (isMissing(text)) return '';
    if (feature.type === 'numeric') {
      const n = parseNumber(text);
      if (n === undefined) throw new ServingInputError(`feature "${feature.name}": "${text}" is not a number`);
      return text; // numbers pass through as written, as in the training output
    }
    if (feature.type === 'boolean') {
      const b = parseBoolean(text);
      if (b === undefined) throw new ServingInputError(`feature "${feature.name}": "${text}" is not a boolean`);
      return String(b);
    }
    return encodeValue(feature, feature.foldCase ? foldAsciiCase(text) : text);
  });
}
