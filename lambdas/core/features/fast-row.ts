import { CsvRecord } from '../csv/csv-parser';
import { ByteTable } from './byte-table';
import { BOOLEAN, CATEGORICAL, NUMERIC, type FilePlan, type TypedRow } from './validate';
import { FNV_OFFSET, FNV_PRIME } from './split';
import { isMissingBytes, plainDecimalBytes, POWERS_OF_TEN } from './values';

/**
 * The common row in one pass over its bytes: a line of exactly the file's fields, each unquoted
 * or quoted without doubled quotes or line breaks, every value plain (a decimal in range, 1/0/yes/no/true/false, a
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

/** A field no configured column reads. */
const IGNORED = 3;

export class FastRowReader {
  /** The row read last, as the general path's records look (fields are already trimmed). */
  readonly record = new CsvRecord();
  /** Per config column: its categorical value's table entry (see the resolvers). */
  readonly categoryValues: Int32Array;
  /** The row's split hash (splitHash of its bytes). */
  rowHash = 0;
  /**
   * Whether the row's numbers are written as they are: no numeric field is quoted (fast rows have
   * nothing to trim and no missing tokens), so runs of adjacent numeric fields copy in one piece.
   */
  numbersPlain = true;
  /** Per field of the file: the kind of the column that reads it (IGNORED for none), that column, and its rules. */
  private readonly fieldKinds: Uint8Array;
  private readonly fieldColumns: Int32Array;
  private readonly fieldRequired: Uint8Array;
  private readonly fieldMin: Float64Array;
  private readonly fieldMax: Float64Array;
  /** Per field: the byte table of a categorical column. */
  private readonly tables: (ByteTable | undefined)[];
  private readonly fieldResolvers: (CategoryResolver | undefined)[];

  /**
   * `resolvers`: per config column, how a categorical value first seen maps to its table entry
   * (undefined for the other column types).
   */
  constructor(
    private readonly plan: FilePlan,
    resolvers: readonly (CategoryResolver | undefined)[],
    private readonly row: TypedRow,
    private readonly maxRecordLength: number,
  ) {
    const record = this.record;
    const fields = plan.fieldCount;
    record.starts = new Int32Array(fields);
    record.ends = new Int32Array(fields);
    // Fast rows have nothing to trim: the trimmed bounds are the bounds.
    record.trimmedStarts = record.starts;
    record.trimmedEnds = record.ends;
    record.escaped = new Uint8Array(fields);
    record.count = fields;
    this.categoryValues = new Int32Array(plan.columns.length);
    this.fieldKinds = new Uint8Array(fields).fill(IGNORED);
    this.fieldColumns = new Int32Array(fields);
    this.fieldRequired = new Uint8Array(fields);
    this.fieldMin = new Float64Array(fields);
    this.fieldMax = new Float64Array(fields);
    this.tables = new Array<ByteTable | undefined>(fields).fill(undefined);
    this.fieldResolvers = new Array<CategoryResolver | undefined>(fields).fill(undefined);
    const { index, kind, required, min, max } = plan.rules;
    for (let column = 0; column < index.length; column++) {
      const field = index[column];
      this.fieldKinds[field] = kind[column];
      this.fieldColumns[field] = column;
      this.fieldRequired[field] = required[column];
      this.fieldMin[field] = min[column];
      this.fieldMax[field] = max[column];
      if (kind[column] === CATEGORICAL) {
        this.tables[field] = new ByteTable();
        this.fieldResolvers[field] = resolvers[column];
      }
    }
  }

  /**
   * Reads the row starting at bytes[start] (the input holds bytes[0, length)). Returns the
   * position after its line end, or -1 when the row is not a fast one (what it wrote into the
   * typed row is then meaningless).
   */
  read(bytes: Uint8Array, start: number, length: number): number {
    const record = this.record;
    const { starts, ends } = record;
    const { fieldKinds, fieldColumns } = this;
    const { numbers, missing } = this.row;
    const last = this.plan.fieldCount - 1;
    let numbersPlain = true;
    // One pass over the bytes: field bounds, the split hash of the whole row (FNV-1a, as splitHash
    // computes it), each value typed and checked as soon as its field ends.
    let hash = FNV_OFFSET;
    let p = start;
    for (let field = 0; ; field++) {
      const kind = fieldKinds[field];
      let fieldHash = FNV_OFFSET;
      let value = Number.NaN;
      let c = 0;
      let s: number;
      let e: number;
      if (p < length && bytes[p] === QUOTE) {
        hash = Math.imul(hash ^ QUOTE, FNV_PRIME);
        let q = p + 1;
        while (q < length && QUOTED_SPECIAL[(c = bytes[q])] === 0) {
          hash = Math.imul(hash ^ c, FNV_PRIME);
          fieldHash = Math.imul(fieldHash ^ c, FNV_PRIME);
          q++;
        }
        if (q >= length || c !== QUOTE) return -1;
        hash = Math.imul(hash ^ QUOTE, FNV_PRIME);
        s = p + 1;
        e = q;
        p = q + 1;
        if (kind === NUMERIC) {
          numbersPlain = false;
          value = plainDecimalBytes(bytes, s, e);
        }
      } else if (kind === NUMERIC) {
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
        if (digits > 0 && digits <= 15) {
          const scale = dot < 0 ? 0 : digits - dot;
          value = scale > 0 ? mantissa / POWERS_OF_TEN[scale] : mantissa;
          if (negative) value = -value;
        }
        s = p;
        e = q;
        p = q;
      } else {
        let q = p;
        while (q < length && SPECIAL[(c = bytes[q])] === 0) {
          hash = Math.imul(hash ^ c, FNV_PRIME);
          fieldHash = Math.imul(fieldHash ^ c, FNV_PRIME);
          q++;
        }
        s = p;
        e = q;
        p = q;
      }
      starts[field] = s;
      ends[field] = e;
      if (kind === NUMERIC) {
        const column = fieldColumns[field];
        if (value >= this.fieldMin[field] && value <= this.fieldMax[field]) {
          missing[column] = 0;
          numbers[column] = value;
        } else if (e === s && this.fieldRequired[field] === 0) missing[column] = 1;
        else return -1;
      } else if (kind === BOOLEAN) {
        const b = booleanBytes(bytes, s, e);
        if (b < 0) return -1;
        const column = fieldColumns[field];
        missing[column] = 0;
        numbers[column] = b;
      } else if (kind === CATEGORICAL) {
        const entry = this.categoryEntry(bytes, s, e, field, fieldHash);
        if (entry < 0) return -1;
        const column = fieldColumns[field];
        missing[column] = 0;
        this.categoryValues[column] = entry;
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
    if (p - start > this.maxRecordLength) return -1;
    record.bytes = bytes;
    record.begin = start;
    this.rowHash = hash;
    this.numbersPlain = numbersPlain;
    return p;
  }

  /** A categorical field's table entry (a known, plain value: nothing to trim, not a missing token), or -1. */
  private categoryEntry(bytes: Uint8Array, s: number, e: number, field: number, hash: number): number {
    const n = e - s;
    if (n === 0 || bytes[s] <= 32 || bytes[e - 1] <= 32 || isMissingBytes(bytes, s, e)) return -1;
    const table = this.tables[field]!;
    let entry = table.getHashed(bytes, s, e, hash);
    if (entry < 0) {
      entry = this.fieldResolvers[field]!(decoder.decode(bytes.subarray(s, e)));
      if (entry >= 0) table.set(bytes, s, e, entry);
    }
    return entry;
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
