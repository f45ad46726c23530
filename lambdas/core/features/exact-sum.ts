import { Kernel } from './kernel-abi';

/**
 * A sum of doubles kept exactly, as an integer count of 2^-1074 (the smallest double) plus the
 * infinities added, so it does not depend on the order the values come in: the sums of shards
 * processed apart merge to the same sum, bit for bit, as one process adding every row (a float
 * sum's rounding depends on its order). It is rounded to a double once, when read.
 *
 * The row kernel adds values into the same layout in its own memory (wasm/fast-row.ts addExact:
 * 32-bit limbs in 64-bit words); `addWords` takes such a sum over.
 */
export class ExactSum {
  /** The finite part, in units of 2^-1074. */
  private scaled = 0n;
  private positiveInfinities = 0;
  private negativeInfinities = 0;

  /** Adds a value (NaN is refused: a sum with NaN has no exact value). */
  add(value: number): void {
    if (Number.isNaN(value)) throw new Error('ExactSum: NaN cannot be added');
    if (value === Infinity) this.positiveInfinities++;
    else if (value === -Infinity) this.negativeInfinities++;
    else this.scaled += scaledOf(value);
  }

  /** Adds a sum the kernel kept (EXACT_SUM_BYTES / 8 words, see kernel-abi.ts). */
  addWords(words: BigInt64Array): void {
    let scaled = 0n;
    for (let i = Kernel.EXACT_LIMBS - 1; i >= 0; i--) scaled = (scaled << 32n) + words[i];
    this.scaled += scaled;
    this.positiveInfinities += Number(words[Kernel.EXACT_POSITIVE_INFINITIES]);
    this.negativeInfinities += Number(words[Kernel.EXACT_NEGATIVE_INFINITIES]);
  }

  merge(other: ExactSum): void {
    this.scaled += other.scaled;
    this.positiveInfinities += other.positiveInfinities;
    this.negativeInfinities += other.negativeInfinities;
  }

  /** The sum rounded to the nearest double (ties to even); an exact zero is +0 (JSON writes -0 as 0 anyway). */
  value(): number {
    if (this.positiveInfinities > 0 && this.negativeInfinities > 0) return Number.NaN;
    if (this.positiveInfinities > 0) return Infinity;
    if (this.negativeInfinities > 0) return -Infinity;
    if (this.scaled === 0n) return 0;
    return roundScaled(this.scaled);
  }

  toJSON(): ExactSumJson {
    return { scaled: this.scaled.toString(), positiveInfinities: this.positiveInfinities, negativeInfinities: this.negativeInfinities };
  }

  static fromJSON(json: ExactSumJson): ExactSum {
    const sum = new ExactSum();
    sum.scaled = BigInt(json.scaled);
    sum.positiveInfinities = json.positiveInfinities;
    sum.negativeInfinities = json.negativeInfinities;
    return sum;
  }
}

/** An ExactSum as JSON (the integer as decimal text: it can have hundreds of digits). */
export interface ExactSumJson {
  readonly scaled: string;
  readonly positiveInfinities: number;
  readonly negativeInfinities: number;
}

const DOUBLE = new Float64Array(1);
const BITS = new BigUint64Array(DOUBLE.buffer);

/** A finite double as an integer count of 2^-1074. */
function scaledOf(value: number): bigint {
  DOUBLE[0] = value;
  const bits = BITS[0];
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let significand = bits & 0xfffffffffffffn;
  let shift = 0n;
  if (exponent !== 0) {
    significand |= 1n << 52n;
    shift = BigInt(exponent - 1);
  }
  const magnitude = significand << shift;
  return bits >> 63n ? -magnitude : magnitude;
}

/** scaled x 2^-1074, rounded to the nearest double, ties to even; beyond the largest double, ±Infinity. */
function roundScaled(scaled: bigint): number {
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const bits = magnitude.toString(2).length;
  // Below 2^53 units the value is a subnormal or small normal held exactly; above, keep 53 bits.
  const drop = Math.max(0, bits - 53);
  let significand = magnitude >> BigInt(drop);
  if (drop > 0) {
    const rest = magnitude - (significand << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    if (rest > half || (rest === half && (significand & 1n) === 1n)) significand += 1n;
  }
  // significand x 2^(drop - 1074): both factors exact doubles, and so is the product unless it overflows.
  let result = Number(significand);
  let exponent = drop - 1074;
  while (exponent < -1000) {
    result *= 2 ** -1000;
    exponent += 1000;
  }
  while (exponent > 1000) {
    result *= 2 ** 1000;
    exponent -= 1000;
  }
  result *= 2 ** exponent;
  return negative ? -result : result;
}
