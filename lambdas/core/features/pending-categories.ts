import type { LineSink } from '../io/line-sink';
import { categoryCode, type CategoricalEncoding } from './feature-spec';

/**
 * Category codes are frequency ranks, known only once every training row has been counted, so
 * pass 1 writes each category as a placeholder and pass 2 swaps in the code. A placeholder is
 * MARKER and a 32-bit little-endian word: the top bit says whether a text follows, the next 7 bits
 * are the categorical column, the low 24 bits the category's id (a training category) or the
 * length of its UTF-8 text (categories never counted: validation-only values, and values past
 * the tracking limit). MARKER cannot occur in the rest of a pass-1 line, which holds only
 * labels, numbers, 1/0, commas and line ends, so pass 2 finds placeholders without parsing lines.
 */
export const MARKER = 1;
const TEXT_BIT = 0x8000_0000;
const LOW_24 = 0xff_ffff;
/** Categorical columns a placeholder can name. */
export const MAX_PENDING_COLUMNS = 128;

const encoder = new TextEncoder();

/** Distinct categories counted per column; beyond this, new values count as "other" (bounded memory). */
export const MAX_TRACKED_CATEGORIES = 100_000;

/** One categorical column's training categories: an id each (in order of first sight) and a count. */
export class CategoryCounter {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly counts: number[] = [];

  /** Counts a training value; returns its id, or -1 once the tracking limit is reached. */
  count(value: string): number {
    const id = this.ids.get(value);
    if (id !== undefined) {
      this.counts[id]++;
      return id;
    }
    if (this.values.length >= MAX_TRACKED_CATEGORIES) return -1;
    this.ids.set(value, this.values.length);
    this.values.push(value);
    this.counts.push(1);
    return this.values.length - 1;
  }

  /** A value's id if training has counted it so far, else -1. */
  idOf(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  /** Training counts by category, for fitting the encoding. */
  countsByValue(): Map<string, number> {
    return new Map(this.values.map((value, id) => [value, this.counts[id]]));
  }

  /** Training rows per code of the fitted encoding (the baseline's category counts). */
  countsByCode(encoding: CategoricalEncoding): number[] {
    const byCode = new Array<number>(encoding.unseenCode + 1).fill(0);
    this.values.forEach((value, id) => (byCode[categoryCode(encoding, value)] += this.counts[id]));
    return byCode;
  }

  /** The code of every id under the fitted encoding, as the ASCII bytes pass 2 writes. */
  codeBytes(encoding: CategoricalEncoding): Uint8Array[] {
    return this.values.map((value) => encoder.encode(String(categoryCode(encoding, value))));
  }
}

/** Writes the placeholder for a category of categorical column `column`: its id when it has one (id >= 0), else its text. */
export function writePlaceholder(sink: LineSink, column: number, id: number, text: string): void {
  if (id >= 0) {
    appendPlaceholder(sink, (column << 24) | id);
    return;
  }
  const bytes = encoder.encode(text);
  if (bytes.length > LOW_24) throw new Error(`a category of ${bytes.length} bytes is longer than the ${LOW_24} pass 1 can hold`);
  appendPlaceholder(sink, (TEXT_BIT | (column << 24) | bytes.length) >>> 0);
  sink.appendBytes(bytes, 0, bytes.length);
}

const placeholder = new Uint8Array(5);
placeholder[0] = MARKER;

function appendPlaceholder(sink: LineSink, word: number): void {
  placeholder[1] = word & 0xff;
  placeholder[2] = (word >>> 8) & 0xff;
  placeholder[3] = (word >>> 16) & 0xff;
  placeholder[4] = word >>> 24;
  sink.appendBytes(placeholder, 0, 5);
}

const decoder = new TextDecoder();

/** One categorical column as pass 2 resolves it: the fitted encoding, and each id's code as bytes. */
export interface PendingColumn {
  readonly encoding: CategoricalEncoding;
  readonly codes: readonly Uint8Array[];
}

/**
 * Pass 2: replaces the placeholders in pass-1 output with their codes, in place (a code is never
 * longer than its placeholder: codes are at most 4 digits, topCategories <= 1000). Returns the
 * length of the resolved output at the start of `bytes`, and how many input bytes that consumed:
 * a placeholder cut by the end of `bytes` is left for the next call.
 */
export function resolvePlaceholders(bytes: Uint8Array, columns: readonly PendingColumn[], atEnd: boolean): { readonly length: number; readonly consumed: number } {
  let to = 0;
  let from = 0;
  for (;;) {
    const marker = bytes.indexOf(MARKER, from);
    if (marker === -1) break;
    let next = marker + 5;
    if (next > bytes.length) return cut(bytes, to, from, marker, atEnd);
    const word = (bytes[marker + 1] | (bytes[marker + 2] << 8) | (bytes[marker + 3] << 16) | (bytes[marker + 4] << 24)) >>> 0;
    const { encoding, codes } = columns[(word >>> 24) & 0x7f];
    let code: Uint8Array;
    if (word & TEXT_BIT) {
      next += word & LOW_24;
      if (next > bytes.length) return cut(bytes, to, from, marker, atEnd);
      code = encoder.encode(String(categoryCode(encoding, decoder.decode(bytes.subarray(marker + 5, next)))));
    } else code = codes[word & LOW_24];
    if (code.length > next - marker) throw new Error(`category code ${code.length} bytes long does not fit its placeholder`);
    to = moveDown(bytes, to, from, marker);
    for (let k = 0; k < code.length; k++) bytes[to++] = code[k];
    from = next;
  }
  return { length: moveDown(bytes, to, from, bytes.length), consumed: bytes.length };
}

/** Moves bytes[from, end) down to `to` (to <= from); returns the new end. */
function moveDown(bytes: Uint8Array, to: number, from: number, end: number): number {
  if (end - from > 32) bytes.copyWithin(to, from, end);
  else for (let k = from; k < end; k++) bytes[to + k - from] = bytes[k];
  return to + end - from;
}

/** Stops before a placeholder that the buffer cuts short; it is completed by the next read. */
function cut(bytes: Uint8Array, to: number, from: number, marker: number, atEnd: boolean): { length: number; consumed: number } {
  if (atEnd) throw new Error('scratch data ends inside a category placeholder');
  return { length: moveDown(bytes, to, from, marker), consumed: marker };
}
