/**
 * A push-based streaming CSV parser (RFC 4180): quoted fields with escaped quotes ("") and
 * embedded newlines, CRLF or LF line ends, a UTF-8 BOM, strict UTF-8. Memory is bounded by the
 * largest record, which is itself bounded by `maxRecordBytes`, so input of any size streams.
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

export interface CsvParserOptions {
  /** Names the input in errors, e.g. "s3://bucket/raw/data.csv". */
  readonly source: string;
  /** A record longer than this (in UTF-16 code units, ~bytes for ASCII) is an error. @default 1 MiB */
  readonly maxRecordLength?: number;
  /** Called for every record with its fields and the line it starts on (1-based). */
  readonly onRecord: (fields: string[], line: number) => void;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export const DEFAULT_MAX_RECORD_LENGTH = 1024 * 1024;

export class CsvParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private readonly maxRecordLength: number;
  /** Text not yet parsed into a complete record. */
  private pending = '';
  /** 1-based line of the next record's first character. */
  private line = 1;
  private bytesSeen = 0;
  private pendingEndsWithCR = false;

  constructor(private readonly options: CsvParserOptions) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** Feeds the next chunk of bytes. */
  write(chunk: Uint8Array): void {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      this.failUtf8(chunk);
    }
    this.bytesSeen += chunk.byteLength;
    // A record can only complete at a line end: without one, skip re-scanning the pending record
    // (this keeps very long lines linear instead of quadratic).
    const canComplete = text.includes('\n') || text.includes('\r') || this.pendingEndsWithCR;
    this.pending = this.pending.length === 0 ? text : this.pending + text;
    this.pendingEndsWithCR = text.length > 0 ? text.charCodeAt(text.length - 1) === CR : this.pendingEndsWithCR;
    if (canComplete) this.parse(false);
    else if (this.pending.length > this.maxRecordLength) {
      throw this.tooLong(this.line);
    }
  }

  /** Signals the end of input; a final record without a line end is emitted. */
  end(): void {
    try {
      this.pending += this.decoder.decode();
    } catch {
      throw new CsvFormatError(this.options.source, this.line + countLines(this.pending), undefined, 'not valid UTF-8: the file ends inside a multi-byte character');
    }
    this.parse(true);
  }

  private failUtf8(chunk: Uint8Array): never {
    // Find the first invalid byte to report its line.
    const probe = new TextDecoder('utf-8', { fatal: true });
    let good = 0;
    for (let size = chunk.byteLength; size > 0; size = Math.floor(size / 2)) {
      while (good + size <= chunk.byteLength) {
        try {
          probe.decode(chunk.subarray(good, good + size), { stream: true });
          good += size;
        } catch {
          break;
        }
      }
    }
    const before = this.pending + new TextDecoder('utf-8').decode(chunk.subarray(0, good));
    throw new CsvFormatError(this.options.source, this.line + countLines(before), undefined, `not valid UTF-8 (byte offset ${this.bytesSeen + good}); save the file as UTF-8`);
  }

  /** Parses every complete record in `pending`; at the end of input, the rest too. */
  private parse(atEnd: boolean): void {
    const text = this.pending;
    const length = text.length;
    let start = 0;
    while (start < length) {
      const recordLine = this.line;
      const fields: string[] = [];
      let pos = start;
      let newlines = 0;
      let complete = false;
      for (;;) {
        if (pos >= length) break;
        if (text.charCodeAt(pos) === QUOTE) {
          // Quoted field: runs to the next quote not followed by another quote.
          let q = pos + 1;
          let escaped = false;
          let closed = -1;
          while (q < length) {
            const c = text.charCodeAt(q);
            if (c === QUOTE) {
              if (q + 1 < length) {
                if (text.charCodeAt(q + 1) === QUOTE) {
                  escaped = true;
                  q += 2;
                  continue;
                }
              } else if (!atEnd) break; // cannot tell "" from " yet
              closed = q;
              break;
            }
            if (c === LF || (c === CR && text.charCodeAt(q + 1) !== LF)) newlines++;
            q++;
          }
          if (closed === -1) {
            if (atEnd) throw new CsvFormatError(this.options.source, recordLine, fields.length + 1, 'a quoted field is never closed');
            break;
          }
          const raw = text.slice(pos + 1, closed);
          const value = escaped ? raw.replaceAll('""', '"') : raw;
          fields.push(value);
          pos = closed + 1;
          const next = pos < length ? text.charCodeAt(pos) : -1;
          if (next === COMMA) {
            pos++;
            if (pos >= length && atEnd) {
              fields.push('');
              complete = true;
              break;
            }
            continue;
          }
          if (next === LF || next === CR) {
            const end = this.lineEnd(text, pos, atEnd);
            if (end === -1) break;
            pos = end;
            newlines++;
            complete = true;
            break;
          }
          if (next === -1) {
            if (atEnd) complete = true;
            break;
          }
          throw new CsvFormatError(this.options.source, recordLine + newlines, fields.length, `unexpected character ${JSON.stringify(text[pos])} after a closing quote`);
        }
        // Unquoted field: runs to the next comma or line end.
        let end = pos;
        let code = 0;
        while (end < length) {
          code = text.charCodeAt(end);
          if (code === COMMA || code === LF || code === CR) break;
          if (code === QUOTE) throw new CsvFormatError(this.options.source, recordLine + newlines, fields.length + 1, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          end++;
        }
        if (end >= length) {
          if (!atEnd) break;
          fields.push(text.slice(pos, end));
          pos = end;
          complete = true;
          break;
        }
        fields.push(text.slice(pos, end));
        if (code === COMMA) {
          pos = end + 1;
          if (pos >= length && atEnd) {
            fields.push('');
            complete = true;
            break;
          }
          continue;
        }
        const after = this.lineEnd(text, end, atEnd);
        if (after === -1) break;
        pos = after;
        newlines++;
        complete = true;
        break;
      }
      if (!complete) {
        if (length - start > this.maxRecordLength) {
          throw this.tooLong(recordLine);
        }
        break;
      }
      if (pos - start > this.maxRecordLength) {
        throw this.tooLong(recordLine);
      }
      this.line = recordLine + newlines;
      start = pos;
      this.options.onRecord(fields, recordLine);
    }
    this.pending = start >= length ? '' : text.slice(start);
  }

  private tooLong(line: number): CsvFormatError {
    return new CsvFormatError(this.options.source, line, undefined, `a record is longer than the limit of ${this.maxRecordLength} characters (a missing closing quote, or not a CSV file?)`);
  }

  /** Position after the line end at `pos` (LF, CRLF or a lone CR); -1 if CR ends the buffer mid-stream. */
  private lineEnd(text: string, pos: number, atEnd: boolean): number {
    if (text.charCodeAt(pos) === LF) return pos + 1;
    if (pos + 1 < text.length) return text.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
    return atEnd ? pos + 1 : -1;
  }
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  // A lone CR also ends a line.
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== LF) count++;
  return count;
}
