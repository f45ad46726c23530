import { Kernel } from './kernel-abi';
import { categoryCode, type CategoricalEncoding } from './feature-spec';
import type { CategoryCount } from './shard-statistics';

/**
 * Category codes are frequency ranks, known only once every training row has been counted, so
 * pass 1 writes each category as a placeholder and pass 2 swaps in the code. A placeholder is
 * MARKER and a 32-bit little-endian word: a training category's id (ids are shared by all
 * columns, so the placeholder needs no column), or, with the top bit set, the length of the UTF-8
 * text that follows after the feature's index (16 bits): categories never counted, i.e.
 * validation-only values and values past the tracking limit. MARKER cannot occur in any other
 * pass-1 byte outside a placeholder (labels, numbers and 1/0 are ASCII digits and signs), so pass 2
 * finds placeholders by searching for that byte. A code has at most 4 digits (topCategories <=
 * 1000), never more bytes than its placeholder, so pass 2 rewrites the bytes in place.
 */
const MARKER = Kernel.MARKER;
const TEXT_BIT = 0x8000_0000;
const LOW_31 = 0x7fff_ffff;
const ID_BYTES = Kernel.ID_PLACEHOLDER_BYTES;
const TEXT_HEADER_BYTES = 7;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Distinct categories counted per column; beyond this, new values count as "other" (bounded memory). */
export const MAX_TRACKED_CATEGORIES = 100_000;

/** The id space every column's categories share, with each id's training count. */
export class CategoryIds {
  readonly counts: number[] = [];

  next(): number {
    this.counts.push(0);
    return this.counts.length - 1;
  }
}

/** One categorical column's training categories: an id each (in order of first sight) and a count. */
export class CategoryCounter {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly valueIds: number[] = [];

  constructor(private readonly space: CategoryIds) {}

  /** Counts a training value; returns its id, or -1 once the tracking limit is reached. */
  count(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      if (this.values.length >= MAX_TRACKED_CATEGORIES) return -1;
      id = this.space.next();
      this.ids.set(value, id);
      this.values.push(value);
      this.valueIds.push(id);
    }
    this.space.counts[id]++;
    return id;
  }

  /** A value's id if training has counted it so far, else -1. */
  idOf(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  /** Training counts by category, for fitting the encoding. */
  countsByValue(): Map<string, number> {
    return new Map(this.values.map((value, i) => [value, this.space.counts[this.valueIds[i]]]));
  }

  /** Training rows per code of the fitted encoding (the baseline's category counts). */
  countsByCode(encoding: CategoricalEncoding): number[] {
    const byCode = new Array<number>(encoding.unseenCode + 1).fill(0);
    this.values.forEach((value, i) => (byCode[categoryCode(encoding, value)] += this.space.counts[this.valueIds[i]]));
    return byCode;
  }

  /** Sets `codes[id]` to the ASCII code pass 2 writes, for each of this column's ids. */
  fillCodes(encoding: CategoricalEncoding, codes: Uint8Array[]): void {
    fillCodes(this.entries(), encoding, codes);
  }

  /** The values counted, with their ids and training counts (a shard's statistics). */
  entries(): CategoryCount[] {
    return this.values.map((value, i) => ({ value, id: this.valueIds[i], count: this.space.counts[this.valueIds[i]] }));
  }
}

/** Sets `codes[id]` to the ASCII code pass 2 writes for each counted value's id, by `encoding`. */
export function fillCodes(entries: readonly CategoryCount[], encoding: CategoricalEncoding, codes: Uint8Array[]): void {
  for (const { value, id } of entries) codes[id] = encoder.encode(String(categoryCode(encoding, value)));
}

/** The most bytes a placeholder takes beyond its value's bytes in the input. */
export const PLACEHOLDER_OVERHEAD = TEXT_HEADER_BYTES;

/**
 * Writes the placeholder for feature `feature`'s category into out[at...]: its id when it has
 * one (id >= 0), else its text (out must have room for the text's UTF-8 bytes plus
 * PLACEHOLDER_OVERHEAD). Returns the position after it.
 */
export function writePlaceholder(out: Uint8Array, at: number, id: number, text: string, feature: number): number {
  out[at] = MARKER;
  if (id >= 0) {
    setWord(out, at, id);
    return at + ID_BYTES;
  }
  if (feature > 0xffff) throw new Error(`feature index ${feature} does not fit a category placeholder (at most 65,536 features)`);
  const length = encoder.encodeInto(text, out.subarray(at + TEXT_HEADER_BYTES)).written;
  setWord(out, at, (TEXT_BIT | length) >>> 0);
  out[at + 5] = feature & 0xff;
  out[at + 6] = feature >>> 8;
  return at + TEXT_HEADER_BYTES + length;
}

function setWord(out: Uint8Array, at: number, word: number): void {
  out[at + 1] = word & 0xff;
  out[at + 2] = (word >>> 8) & 0xff;
  out[at + 3] = (word >>> 16) & 0xff;
  out[at + 4] = word >>> 24;
}

/**
 * Pass 2: replaces the placeholders in blocks of pass-1 bytes by their codes, in place (codes are
 * never longer than their placeholders). Everything between placeholders is already the output.
 */
export class PlaceholderResolver {
  /**
   * `codes`: each category id's code as ASCII; `encodings`: the categorical features' fitted
   * encodings by feature index (for placeholders that carry their text).
   */
  constructor(
    private readonly codes: readonly Uint8Array[],
    private readonly encodings: readonly (CategoricalEncoding | undefined)[],
  ) {}

  /**
   * Resolves `bytes` in place: bytes[0, length) is output. A placeholder cut by the end of the
   * block is left unconsumed (from `consumed` on) for the next call.
   */
  resolve(bytes: Uint8Array, atEnd: boolean): { readonly length: number; readonly consumed: number } {
    const n = bytes.length;
    // Node's Buffer.indexOf finds a byte with memchr: ~2.5x faster than the typed array's own
    // indexOf over the short gaps between placeholders.
    const search = Buffer.from(bytes.buffer, bytes.byteOffset, n);
    let from = 0;
    let to = 0;
    for (;;) {
      const at = search.indexOf(MARKER, from);
      const stop = at === -1 ? n : at;
      if (to !== from) bytes.copyWithin(to, from, stop);
      to += stop - from;
      from = stop;
      if (at === -1) break;
      if (at + ID_BYTES > n) break;
      const word = (bytes[at + 1] | (bytes[at + 2] << 8) | (bytes[at + 3] << 16) | (bytes[at + 4] << 24)) >>> 0;
      let code: Uint8Array;
      let next: number;
      if (word & TEXT_BIT) {
        next = at + TEXT_HEADER_BYTES + (word & LOW_31);
        if (next > n) break;
        const encoding = this.encodings[bytes[at + 5] | (bytes[at + 6] << 8)]!;
        code = encoder.encode(String(categoryCode(encoding, decoder.decode(bytes.subarray(at + TEXT_HEADER_BYTES, next)))));
      } else {
        next = at + ID_BYTES;
        code = this.codes[word];
      }
      for (let k = 0; k < code.length; k++) bytes[to++] = code[k];
      from = next;
    }
    if (atEnd && from !== n) throw new Error('scratch data ends inside a category placeholder');
    return { length: to, consumed: from };
  }
}
