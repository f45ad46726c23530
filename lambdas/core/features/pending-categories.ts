import type { LineSink } from '../io/line-sink';
import { categoryCode, type CategoricalEncoding } from './feature-spec';
import { CATEGORICAL, kindOf, NUMERIC, type ColumnType } from './validate';
import { parseNumber, plainDecimalBytes } from './values';

/**
 * Category codes are frequency ranks, known only once every training row has been counted, so
 * pass 1 writes each category as a placeholder and pass 2 swaps in the code. A placeholder is
 * MARKER and a 32-bit little-endian word: the top bit says whether a text follows, the low 31 bits
 * are the category's id (a training category) or the length of its UTF-8 text (categories never
 * counted: validation-only values, and values past the tracking limit). The column is not stored:
 * pass 2 reads each row field by field and knows it. MARKER cannot start any other pass-1 field,
 * which holds only a label, a number, 1/0 or nothing.
 */
const MARKER = 1;
const TEXT_BIT = 0x8000_0000;
const LOW_31 = 0x7fff_ffff;

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

/** Writes the placeholder for a category: its id when it has one (id >= 0), else its text. */
export function writePlaceholder(sink: LineSink, id: number, text: string): void {
  if (id >= 0) {
    appendPlaceholder(sink, id);
    return;
  }
  const bytes = encoder.encode(text);
  appendPlaceholder(sink, (TEXT_BIT | bytes.length) >>> 0);
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

const COMMA = 44;
const LF = 10;

/**
 * Pass 2's reader of pass-1 rows: walks each line field by field (the label, then one field per
 * feature), copies it to `output` with placeholders replaced by their codes, and collects the
 * numeric features' values (row-major in `values`, NaN when missing) for the baseline's exact bin
 * counts. The values are read again from the numbers as written, with the reader validation used,
 * so they are the same values; keeping their text instead of float64 copies halves the scratch disk.
 */
export class PendingRowReader {
  /** The resolved rows of the last resolve() call: output[0, length). */
  output = new Uint8Array(0);
  /** Numeric values of the rows the last resolve() completed: rows x numericWidth, row-major. */
  values = new Float64Array(0);
  rows = 0;
  private readonly kinds: Uint8Array;
  readonly numericWidth: number;

  /** `columns`: the categorical features' encodings, in feature order. */
  constructor(
    types: readonly ColumnType[],
    private readonly columns: readonly PendingColumn[],
  ) {
    this.kinds = Uint8Array.from(types, kindOf);
    this.numericWidth = types.filter((t) => t === 'numeric').length;
  }

  /**
   * Resolves the complete rows at the start of `bytes` into `output`. Returns the length of the
   * resolved output and how many input bytes it consumed (a row cut by the end of `bytes` is left
   * for the next call); `values`/`rows` then hold those rows' numbers when `collect` is set.
   */
  resolve(bytes: Uint8Array, atEnd: boolean, collect: boolean): { readonly length: number; readonly consumed: number } {
    const n = bytes.length;
    if (this.output.length < n) this.output = new Uint8Array(n);
    const output = this.output;
    const kinds = this.kinds;
    const width = this.numericWidth;
    // A row has at least one byte for its label and one per feature (its comma or line end).
    const maxRows = Math.ceil(n / (kinds.length + 1)) + 1;
    if (collect && this.values.length < maxRows * width) this.values = new Float64Array(maxRows * width);
    const values = this.values;
    let from = 0;
    let to = 0;
    let rows = 0;
    rows: for (;;) {
      const rowFrom = from;
      const rowTo = to;
      // The label: up to its comma.
      for (;;) {
        if (from >= n) {
          from = rowFrom;
          to = rowTo;
          break rows;
        }
        const b = bytes[from++];
        output[to++] = b;
        if (b === COMMA) break;
      }
      let slot = rows * width;
      let categorical = 0;
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[i];
        if (kind === CATEGORICAL && from < n && bytes[from] === MARKER) {
          if (from + 5 > n) {
            from = rowFrom;
            to = rowTo;
            break rows;
          }
          const word = (bytes[from + 1] | (bytes[from + 2] << 8) | (bytes[from + 3] << 16) | (bytes[from + 4] << 24)) >>> 0;
          const { encoding, codes } = this.columns[categorical];
          let next = from + 5;
          let code: Uint8Array;
          if (word & TEXT_BIT) {
            next += word & LOW_31;
            if (next > n) {
              from = rowFrom;
              to = rowTo;
              break rows;
            }
            code = encoder.encode(String(categoryCode(encoding, decoder.decode(bytes.subarray(from + 5, next)))));
          } else code = codes[word];
          for (let k = 0; k < code.length; k++) output[to++] = code[k];
          from = next;
        }
        // The rest of the field (a number, a 1/0, or nothing) up to its comma or line end.
        const start = to;
        let end = -1;
        while (from < n) {
          const b = bytes[from++];
          if (b === COMMA || b === LF) {
            end = to;
            output[to++] = b;
            break;
          }
          output[to++] = b;
        }
        if (end === -1) {
          from = rowFrom;
          to = rowTo;
          break rows;
        }
        if (kind === NUMERIC && collect) values[slot++] = numberAt(output, start, end);
        else if (kind === CATEGORICAL) categorical++;
      }
      rows++;
    }
    if (atEnd && from !== n) throw new Error('scratch data ends inside a row');
    this.rows = collect ? rows : 0;
    return { length: to, consumed: from };
  }
}

/** The number a pass-1 numeric field holds (its text as written, already validated), NaN when empty. */
function numberAt(bytes: Uint8Array, start: number, end: number): number {
  if (end === start) return Number.NaN;
  const plain = plainDecimalBytes(bytes, start, end);
  return plain === plain ? plain : (parseNumber(decoder.decode(bytes.subarray(start, end))) ?? Number.NaN);
}
