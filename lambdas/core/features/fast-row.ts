import { CsvRecord } from '../csv/csv-parser';
import { ByteTable } from './byte-table';
import { BOOLEAN, NUMERIC, type FilePlan, type TypedRow } from './validate';
import { FNV_OFFSET, FNV_PRIME } from './split';
import { isMissingBytes, plainDecimalBytes, POWERS_OF_TEN } from './values';

/**
 * The common row in one pass over its bytes: a line of exactly the file's fields, each unquoted or quoted without
 * doubled quotes or line breaks, every value plain (a decimal in range, 1/0/yes/no/true/false, a
 * category already seen), nothing to trim, nothing missing except an empty optional number. Such a
 * row is valid, and this reads it straight from the input bytes: field bounds, typed values, and
 * categories through per-column byte tables instead of strings. Anything else (a row to reject, a
 * new category, a missing token, white space, a line cut by the chunk's end) makes read() return -1
 * and the row takes the general path (parser + validateRecord), which decides. Both paths give the
 * same outputs: a test runs the same data through each.
 */

/** What a categorical column's table holds for a value, found once through the value's text; -1: not for the fast path. */
export type CategoryResolver = (text: string) => number;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

const SPECIAL = new Uint8Array(256);
for (const b of [QUOTE, COMMA, LF, CR]) SPECIAL[b] = 1;
const QUOTED_SPECIAL = new Uint8Array(256);
for (const b of [QUOTE, LF, CR]) QUOTED_SPECIAL[b] = 1;

const decoder = new TextDecoder();

export class FastRowReader {
  /** The row read last, as the general path's records look (fields are already trimmed). */
  readonly record = new CsvRecord();
  /** Per config column: its categorical value's table entry (see the resolvers). */
  readonly categoryValues: Int32Array;
  /** The row's split hash (splitHash of its bytes). */
  rowHash = 0;
  /** Per field of the file: 1 when a numeric column reads it (parsed while scanning). */
  private readonly numericFields: Uint8Array;
  /** Per field: the number read while scanning, NaN when none was. */
  private readonly parsed: Float64Array;
  /** Per field that is not numeric: its hash (the byte tables' hashOf), found while scanning. */
  private readonly fieldHashes: Int32Array;
  /**
   * Whether the row's numbers are written as they are: no numeric field is quoted (fast rows have
   * nothing to trim and no missing tokens), so runs of adjacent numeric fields copy in one piece.
   */
  numbersPlain = true;
  private readonly tables: (ByteTable | undefined)[];

  /**
   * `resolvers`: per config column, how a categorical value first seen maps to its table entry
   * (undefined for the other column types).
   */
  constructor(
    private readonly plan: FilePlan,
    private readonly resolvers: readonly (CategoryResolver | undefined)[],
    private readonly row: TypedRow,
    private readonly maxRecordLength: number,
  ) {
    const record = this.record;
    record.starts = new Int32Array(plan.fieldCount);
    record.ends = new Int32Array(plan.fieldCount);
    // Fast rows have nothing to trim: the trimmed bounds are the bounds.
    record.trimmedStarts = record.starts;
    record.trimmedEnds = record.ends;
    record.escaped = new Uint8Array(plan.fieldCount);
    record.count = plan.fieldCount;
    this.categoryValues = new Int32Array(plan.columns.length);
    this.tables = resolvers.map((r) => (r ? new ByteTable() : undefined));
    this.numericFields = new Uint8Array(plan.fieldCount);
    for (const column of plan.columns) if (column.type === 'numeric') this.numericFields[column.index] = 1;
    this.parsed = new Float64Array(plan.fieldCount);
    this.fieldHashes = new Int32Array(plan.fieldCount);
  }

  /**
   * Reads the row starting at bytes[start] (the input holds bytes[0, length)). Returns the
   * position after its line end, or -1 when the row is not a fast one (nothing is kept then).
   */
  read(bytes: Uint8Array, start: number, length: number): number {
    const record = this.record;
    const { starts, ends } = record;
    const { numericFields, parsed, fieldHashes } = this;
    const last = this.plan.fieldCount - 1;
    let numbersPlain = true;
    // The split hash of the row's bytes (FNV-1a, as splitHash computes it), the numbers and the
    // field bounds, all in one pass over the bytes.
    let hash = FNV_OFFSET;
    let p = start;
    for (let field = 0; ; field++) {
      let c = 0;
      if (p < length && bytes[p] === QUOTE) {
        hash = Math.imul(hash ^ QUOTE, FNV_PRIME);
        let fieldHash = FNV_OFFSET;
        let q = p + 1;
        while (q < length && QUOTED_SPECIAL[(c = bytes[q])] === 0) {
          hash = Math.imul(hash ^ c, FNV_PRIME);
          fieldHash = Math.imul(fieldHash ^ c, FNV_PRIME);
          q++;
        }
        if (q >= length || c !== QUOTE) return -1;
        hash = Math.imul(hash ^ QUOTE, FNV_PRIME);
        starts[field] = p + 1;
        ends[field] = q;
        parsed[field] = Number.NaN;
        fieldHashes[field] = fieldHash;
        numbersPlain = numbersPlain && numericFields[field] === 0;
        p = q + 1;
      } else if (numericFields[field] === 1) {
        // A plain decimal read as plainDecimalBytes reads it; whatever else stops it must be the field's end.
        let q = p;
        const negative = q < length && bytes[q] === MINUS;
        if (negative) {
          hash = Math.imul(hash ^ MINUS, FNV_PRIME);
          q++;
        }
        let mantissa = 0;
        let digits = 0;
        let dot = -1;
        for (; q < length; q++) {
          c = bytes[q];
          const digit = c - ZERO;
          if (digit >= 0 && digit <= 9) {
            mantissa = mantissa * 10 + digit;
            digits++;
          } else if (c === DOT && dot < 0) dot = digits;
          else break;
          hash = Math.imul(hash ^ c, FNV_PRIME);
        }
        starts[field] = p;
        ends[field] = q;
        if (digits > 0 && digits <= 15) {
          const scale = dot < 0 ? 0 : digits - dot;
          const value = scale > 0 ? mantissa / POWERS_OF_TEN[scale] : mantissa;
          parsed[field] = negative ? -value : value;
        } else parsed[field] = Number.NaN;
        p = q;
      } else {
        let fieldHash = FNV_OFFSET;
        let q = p;
        while (q < length && SPECIAL[(c = bytes[q])] === 0) {
          hash = Math.imul(hash ^ c, FNV_PRIME);
          fieldHash = Math.imul(fieldHash ^ c, FNV_PRIME);
          q++;
        }
        starts[field] = p;
        ends[field] = q;
        parsed[field] = Number.NaN;
        fieldHashes[field] = fieldHash;
        p = q;
      }
      if (p >= length) return -1;
      const b = bytes[p];
      if (field < last) {
        if (b !== COMMA) return -1;
        hash = Math.imul(hash ^ COMMA, FNV_PRIME);
        p++;
        continue;
      }
      record.end = p;
      if (b === LF) p++;
      else if (b === CR) {
        if (p + 1 >= length) return -1; // CR or CRLF: the next chunk tells
        p += bytes[p + 1] === LF ? 2 : 1;
      } else return -1;
      break;
    }
    if (p - start > this.maxRecordLength || !this.readValues(bytes)) return -1;
    record.bytes = bytes;
    record.begin = start;
    this.rowHash = hash;
    this.numbersPlain = numbersPlain;
    return p;
  }

  /** Types every configured column; false when one is not plainly valid. */
  private readValues(bytes: Uint8Array): boolean {
    const { index, kind, required, min, max } = this.plan.rules;
    const { starts, ends } = this.record;
    const { numbers, missing } = this.row;
    for (let i = 0; i < index.length; i++) {
      const s = starts[index[i]];
      const e = ends[index[i]];
      const k = kind[i];
      if (k === NUMERIC) {
        let n = this.parsed[index[i]];
        if (n !== n) n = plainDecimalBytes(bytes, s, e); // quoted, or not a number (then NaN again)
        if (n >= min[i] && n <= max[i]) {
          missing[i] = 0;
          numbers[i] = n;
        } else if (e === s && required[i] === 0) missing[i] = 1;
        else return false;
      } else if (k === BOOLEAN) {
        const b = booleanBytes(bytes, s, e);
        if (b < 0) return false;
        missing[i] = 0;
        numbers[i] = b;
      } else {
        const n = e - s;
        // Empty, white space to trim, or a missing token (NA, N/A, NaN, nan, null, NULL).
        if (n === 0 || bytes[s] <= 32 || bytes[e - 1] <= 32 || isMissingBytes(bytes, s, e)) return false;
        const table = this.tables[i]!;
        let value = table.getHashed(bytes, s, e, this.fieldHashes[index[i]]);
        if (value < 0) {
          value = this.resolvers[i]!(decoder.decode(bytes.subarray(s, e)));
          if (value < 0) return false;
          table.set(bytes, s, e, value);
        }
        missing[i] = 0;
        this.categoryValues[i] = value;
      }
    }
    return true;
  }
}

/** 1/0 for the usual boolean spellings in lower case, -1 for anything else (the general path decides). */
function booleanBytes(bytes: Uint8Array, s: number, e: number): number {
  const n = e - s;
  const b0 = bytes[s];
  if (n === 1) return b0 === 49 ? 1 : b0 === 48 ? 0 : -1;
  if (n === 2) return b0 === 110 && bytes[s + 1] === 111 ? 0 : -1; // no
  if (n === 3) return b0 === 121 && bytes[s + 1] === 101 && bytes[s + 2] === 115 ? 1 : -1; // yes
  if (n === 4) return b0 === 116 && bytes[s + 1] === 114 && bytes[s + 2] === 117 && bytes[s + 3] === 101 ? 1 : -1; // true
  if (n === 5) return b0 === 102 && bytes[s + 1] === 97 && bytes[s + 2] === 108 && bytes[s + 3] === 115 && bytes[s + 4] === 101 ? 0 : -1; // false
  return -1;
}
