import { isUtf8 } from 'node:buffer';

/**
 * A push-based streaming CSV parser (RFC 4180) that works on bytes: quoted fields with escaped
 * quotes ("") and embedded newlines, CRLF / LF / CR line ends, a UTF-8 BOM, strict UTF-8.
 * Records are handed out as views over the input bytes (no string per field unless asked for),
 * which is what makes it fast. Memory is bounded by the largest record (`maxRecordLength`).
 */

/** A file that cannot be read as CSV at all; line and column point at the problem. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number | undefined,
    readonly reason: string,
  ) {
    super(`${source}: line ${line}${column === undefined ? '' : `, column ${column}`}: ${reason}`);
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const decoder = new TextDecoder('utf-8');
const EMPTY = new Uint8Array(0);

/** Bytes that end an unquoted field's run: one table load per byte instead of four compares. */
const SPECIAL = new Uint8Array(256);
for (const b of [QUOTE, COMMA, LF, CR]) SPECIAL[b] = 1;
/** Bytes a quoted field's scan stops at: its end, and line breaks (counted for line numbers). */
const QUOTED_SPECIAL = new Uint8Array(256);
for (const b of [QUOTE, LF, CR]) QUOTED_SPECIAL[b] = 1;

/**
 * One record as byte ranges into the current input buffer. The parser reuses this object for
 * every record: read what you need inside the callback, do not keep it.
 */
export class CsvRecord {
  bytes: Uint8Array = new Uint8Array(0);
  /** Field i is bytes[starts[i], ends[i]), quotes already removed. */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** The same without surrounding ASCII white space (found once here, read many times by callers). */
  trimmedStarts = new Int32Array(64);
  trimmedEnds = new Int32Array(64);
  /** Whether field i holds doubled quotes ("") that text() must undo. */
  escaped = new Uint8Array(64);
  count = 0;
  /** The line the record starts on (1-based). */
  line = 0;
  /** The record's bytes, bytes[begin, end), without its line end. */
  begin = 0;
  end = 0;

  /** The field's bounds without surrounding ASCII white space. */
  trimmedStart(i: number): number {
    return this.trimmedStarts[i];
  }

  trimmedEnd(i: number): number {
    return this.trimmedEnds[i];
  }

  /** The field's text, untrimmed. */
  text(i: number): string {
    const raw = decodeRange(this.bytes, this.starts[i], this.ends[i]);
    return this.escaped[i] ? raw.replaceAll('""', '"') : raw;
  }

  /** The field's text with surrounding white space removed. Short texts come from an intern table. */
  trimmedText(i: number): string {
    const s = this.trimmedStart(i);
    const e = this.trimmedEnd(i);
    if (this.escaped[i]) return decodeRange(this.bytes, s, e).replaceAll('""', '"');
    return e - s <= INTERN_MAX_LENGTH ? this.interned.get(this.bytes, s, e) : decodeRange(this.bytes, s, e);
  }

  private readonly interned = new InternTable();

  /** Every field's text (for quarantine and tests). */
  texts(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.text(i);
    return out;
  }

  /** Whether the record is an empty line. */
  isBlank(): boolean {
    return this.count === 1 && this.trimmedEnd(0) === this.trimmedStart(0);
  }

  push(start: number, end: number, escaped: boolean): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.escaped[i] = escaped ? 1 : 0;
    const bytes = this.bytes;
    while (start < end && bytes[start] <= 32) start++;
    while (end > start && bytes[end - 1] <= 32) end--;
    this.trimmedStarts[i] = start;
    this.trimmedEnds[i] = end;
  }

  private grow(): void {
    const twice = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.starts = twice(this.starts, (n) => new Int32Array(n));
    this.ends = twice(this.ends, (n) => new Int32Array(n));
    this.trimmedStarts = twice(this.trimmedStarts, (n) => new Int32Array(n));
    this.trimmedEnds = twice(this.trimmedEnds, (n) => new Int32Array(n));
    this.escaped = twice(this.escaped, (n) => new Uint8Array(n));
  }
}

const INTERN_MAX_LENGTH = 32;
const INTERN_SLOTS = 16_384;

/**
 * Short field texts repeat (categories, flags): look them up by a hash of their bytes instead of
 * building a new string each time. The same string object comes back, so later map lookups hit
 * its cached hash too. A direct-mapped cache: a slot holds the last text that hashed to it, so
 * memory is bounded and a collision only costs a decode.
 */
class InternTable {
  private readonly slots = new Array<string>(INTERN_SLOTS).fill('');

  get(bytes: Uint8Array, start: number, end: number): string {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    const slot = (hash >>> 0) % INTERN_SLOTS;
    const found = this.slots[slot];
    if (sameAscii(found, bytes, start, end)) return found;
    const text = decodeRange(bytes, start, end);
    this.slots[slot] = text;
    return text;
  }
}

function sameAscii(text: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** ASCII ranges decode through a fast path; anything else through TextDecoder. */
function decodeRange(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 128) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return decoder.decode(bytes.subarray(start, end));
}

export interface CsvParserOptions {
  /** Names the input in errors, e.g. "raw/data.csv". */
  readonly source: string;
  /** A record longer than this many bytes is an error. @default 1 MiB */
  readonly maxRecordLength?: number;
  /** Called for every record (a reused view: do not keep it). */
  readonly onRecord: (record: CsvRecord) => void;
}

export const DEFAULT_MAX_RECORD_LENGTH = 1024 * 1024;

/**
 * Handles a whole record straight from the input, before the parser looks at it: returns the
 * position after the record's line end, or -1 to leave the record to the parser. Records it takes
 * must be one line each (the parser counts one line per record taken).
 */
export type FastRecordHandler = (bytes: Uint8Array, start: number, length: number) => number;

export class CsvParser {
  /** Tried on every record first, once set (e.g. after the header). */
  fastRecord: FastRecordHandler | undefined;
  /** Records the fast handler took. */
  fastRecords = 0;
  private readonly maxRecordLength: number;
  private readonly record = new CsvRecord();
  /** Bytes of an incomplete record carried over to the next chunk. */
  private carry: Uint8Array = EMPTY;
  /** 1-based line of the next record's first byte. */
  private line = 1;
  /** Input bytes consumed before `carry` (for error offsets). */
  private consumed = 0;
  private started = false;

  constructor(private readonly options: CsvParserOptions) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** Feeds the next chunk of bytes. The parser keeps no view of them: the caller may reuse the chunk's memory afterwards. */
  write(chunk: Uint8Array): void {
    // Always a plain Uint8Array, never a Buffer subclass: one map and one set of methods keeps the
    // optimized parser (and every reader of record.bytes) from deoptimizing at each chunk.
    const view = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.started) {
      let bytes = this.carry.length === 0 ? view : concat(this.carry, view);
      if (bytes.length < 3 && bytes.every((b, i) => b === [0xef, 0xbb, 0xbf][i])) {
        this.carry = bytes.slice(); // a copy: the caller may reuse its buffer (see write's contract)
        return;
      }
      this.started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        this.consumed += 3;
      }
      this.parse(bytes, false);
      return;
    }
    if (this.carry.length === 0) {
      this.parse(view, false);
      return;
    }
    const lf = view.indexOf(LF);
    // A record can only complete at a line end: without one in the new bytes, skip re-scanning
    // (this keeps very long lines linear instead of quadratic).
    if (lf === -1 && view.indexOf(CR) === -1 && this.carry[this.carry.length - 1] !== CR) {
      this.carry = concat(this.carry, view);
      if (this.carry.length > this.maxRecordLength) throw this.tooLong(this.line);
      return;
    }
    if (lf === -1) {
      this.parse(concat(this.carry, view), false);
      return;
    }
    // Complete the carried record with the bytes up to the first line end, then parse the rest of
    // the chunk where it is: appending the whole chunk to the carry would copy every byte again.
    this.parse(concat(this.carry, view.subarray(0, lf + 1)), false);
    const rest = view.subarray(lf + 1);
    // parse() leaves an unfinished record (a quoted line break) in the carry: it goes on in `rest`.
    this.parse(this.carry.length === 0 ? rest : concat(this.carry, rest), false);
  }

  /**
   * Numbers the next record as starting on `line`: for a byte range of a file fed after the file's
   * header, so that rows and errors carry their lines in the whole file.
   */
  continueAtLine(line: number): void {
    this.line = line;
  }

  /** Signals the end of input; a final record without a line end is emitted. */
  end(): void {
    this.started = true;
    this.parse(this.carry, true);
  }

  private parse(bytes: Uint8Array, atEnd: boolean): void {
    this.checkUtf8(bytes, atEnd);
    const length = bytes.length;
    const record = this.record;
    record.bytes = bytes;
    let start = 0;
    while (start < length) {
      const fast = this.fastRecord;
      if (fast !== undefined) {
        const next = fast(bytes, start, length);
        if (next >= 0) {
          this.line++;
          this.fastRecords++;
          start = next;
          continue;
        }
      }
      record.count = 0;
      record.line = this.line;
      record.begin = start;
      let pos = start;
      let newlines = 0;
      let done = false;
      let recordEnd = start;
      for (;;) {
        if (pos >= length) {
          if (atEnd) {
            record.push(pos, pos, false); // a trailing delimiter leaves an empty last field
            recordEnd = pos;
            done = true;
          }
          break;
        }
        if (bytes[pos] === QUOTE) {
          // Quoted field: runs to the next quote not followed by another quote.
          let q = pos + 1;
          let escaped = false;
          let closed = -1;
          let lineBreaks = false;
          for (;;) {
            // A loop, not indexOf: quoted fields are mostly short, and a native call per field costs more.
            while (q < length && QUOTED_SPECIAL[bytes[q]] === 0) q++;
            if (q < length && bytes[q] !== QUOTE) {
              lineBreaks = true;
              q++;
              continue;
            }
            if (q === length) break;
            if (q + 1 < length) {
              if (bytes[q + 1] === QUOTE) {
                escaped = true;
                q += 2;
                continue;
              }
            } else if (!atEnd) break; // cannot tell "" from " yet
            closed = q;
            break;
          }
          if (closed === -1) {
            if (atEnd) throw new CsvFormatError(this.options.source, record.line, record.count + 1, 'a quoted field is never closed');
            break;
          }
          if (lineBreaks) newlines += countLineEnds(bytes, pos + 1, closed);
          record.push(pos + 1, closed, escaped);
          pos = closed + 1;
          const next = pos < length ? bytes[pos] : -1;
          if (next === COMMA) {
            pos++;
            continue;
          }
          if (next === LF || next === CR) {
            const after = lineEnd(bytes, pos, atEnd);
            if (after === -1) break;
            recordEnd = pos;
            pos = after;
            newlines++;
            done = true;
            break;
          }
          if (next === -1) {
            done = atEnd;
            recordEnd = pos;
            break;
          }
          throw new CsvFormatError(
            this.options.source,
            record.line + newlines,
            record.count,
            `unexpected character ${JSON.stringify(String.fromCharCode(next))} after a closing quote`,
          );
        }
        // Unquoted field: runs to the next comma or line end.
        let end = pos;
        while (end < length && SPECIAL[bytes[end]] === 0) end++;
        const b = end < length ? bytes[end] : 0;
        if (b === QUOTE)
          throw new CsvFormatError(
            this.options.source,
            record.line + newlines,
            record.count + 1,
            'a quote inside an unquoted field (quote the whole field and double the quote)',
          );
        if (end >= length) {
          if (atEnd) {
            record.push(pos, end, false);
            pos = end;
            recordEnd = end;
            done = true;
          }
          break;
        }
        record.push(pos, end, false);
        if (b === COMMA) {
          pos = end + 1;
          continue;
        }
        const after = lineEnd(bytes, end, atEnd);
        if (after === -1) break;
        recordEnd = end;
        pos = after;
        newlines++;
        done = true;
        break;
      }
      if (!done) {
        if (length - start > this.maxRecordLength) throw this.tooLong(record.line);
        break;
      }
      if (pos - start > this.maxRecordLength) throw this.tooLong(record.line);
      this.line = record.line + newlines;
      record.end = recordEnd;
      start = pos;
      this.options.onRecord(record);
    }
    this.consumed += start;
    // Copy: the caller may reuse the chunk's memory.
    this.carry = start >= length ? EMPTY : bytes.slice(start);
  }

  /**
   * Fails on the first invalid UTF-8 byte, naming its line and offset. Mid-stream, a character cut
   * off at the end of the buffer is left for the next chunk (it is carried with its record).
   */
  private checkUtf8(bytes: Uint8Array, atEnd: boolean): void {
    const complete = atEnd ? bytes.length : completeUtf8Length(bytes);
    if (isUtf8(bytes.subarray(0, complete))) return;
    const valid = validPrefixLength(bytes.subarray(0, complete));
    const line = this.line + countLineEnds(bytes, 0, valid);
    if (atEnd && isTruncatedSequence(bytes.subarray(valid))) {
      throw new CsvFormatError(this.options.source, line, undefined, 'not valid UTF-8: the file ends inside a multi-byte character');
    }
    throw new CsvFormatError(this.options.source, line, undefined, `not valid UTF-8 (byte offset ${this.consumed + valid}); save the file as UTF-8`);
  }

  private tooLong(line: number): CsvFormatError {
    return new CsvFormatError(
      this.options.source,
      line,
      undefined,
      `a record is longer than the limit of ${this.maxRecordLength} characters (a missing closing quote, or not a CSV file?)`,
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Position after the line end at `pos` (LF, CRLF or a lone CR); -1 if CR ends the buffer mid-stream. */
function lineEnd(bytes: Uint8Array, pos: number, atEnd: boolean): number {
  if (bytes[pos] === LF) return pos + 1;
  if (pos + 1 < bytes.length) return bytes[pos + 1] === LF ? pos + 2 : pos + 1;
  return atEnd ? pos + 1 : -1;
}

/** Line ends (LF, CRLF counted once, lone CR) in bytes[start, end). */
function countLineEnds(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === LF || (b === CR && bytes[i + 1] !== LF)) count++;
  }
  return count;
}

/** Length of `bytes` without a multi-byte character cut off at the end (completed by the next chunk). */
function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}

/** The length of the longest valid UTF-8 prefix (slow path, only on errors). */
function validPrefixLength(bytes: Uint8Array): number {
  let lo = 0;
  const hi = bytes.length;
  while (lo < hi) {
    const b = bytes[lo];
    const size = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    if (size === 0 || lo + size > hi || !isUtf8(bytes.subarray(lo, lo + size))) return lo;
    lo += size;
  }
  return lo;
}

/** Whether `tail` is the start of a multi-byte character and nothing else. */
function isTruncatedSequence(tail: Uint8Array): boolean {
  if (tail.length === 0 || tail.length > 3) return false;
  const b = tail[0];
  const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
  return size > tail.length && tail.subarray(1).every((c) => (c & 0xc0) === 0x80);
}
