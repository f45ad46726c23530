import type { Writable } from 'node:stream';

/**
 * A line-oriented output with backpressure. Lines are assembled in a byte buffer (whole lines
 * with write(), rows written in place through reserve()/endRow(), or ready-made blocks of lines
 * with appendBytes()) and handed to the destination in large chunks; await drain() between input
 * chunks.
 */
export interface LineSink {
  write(line: string): void;
  /** Appends bytes that hold whole lines (their line ends included). */
  appendBytes(source: Uint8Array, start: number, end: number): void;
  /**
   * For hot loops: makes room for `bytes` more bytes and returns the buffer; write them from
   * `end` on, then call endRow() with the new end.
   */
  reserve(bytes: number): Uint8Array;
  readonly end: number;
  endRow(end: number): void;
  /** Hands buffered lines to the destination once enough have gathered; resolves when it can take more. */
  drain(): Promise<void>;
  /** Hands every buffered line to the destination now. */
  flush(): Promise<void>;
  /** Flushes everything and ends the destination. */
  close(): Promise<void>;
}

const FLUSH_AT = 256 * 1024;
const LF = 10;

export function writableSink(destination: Writable): LineSink {
  return new WritableLineSink(destination);
}

const encoder = new TextEncoder();

/** LineSink.write for any sink, through its reserve/end/endRow. */
export function writeLine(sink: LineSink, line: string): void {
  const buffer = sink.reserve(Buffer.byteLength(line) + 1);
  const end = sink.end + encoder.encodeInto(line, buffer.subarray(sink.end)).written;
  buffer[end] = LF;
  sink.endRow(end + 1);
}

/** LineSink.appendBytes for any sink, through its reserve/end/endRow. */
export function appendBytes(sink: LineSink, source: Uint8Array, start: number, end: number): void {
  sink.reserve(end - start).set(source.subarray(start, end), sink.end);
  sink.endRow(sink.end + end - start);
}

/** Uninitialised memory (no zero fill) as a plain Uint8Array: a Buffer's methods sit on a slow-mode prototype. */
function allocate(size: number): Uint8Array {
  const bytes = Buffer.allocUnsafe(size);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, size);
}

/**
 * A class, not an object of closures: every sink shares one set of methods, so a row's writes
 * inline whichever sink the row goes to, and a plain Uint8Array buffer keeps its element and
 * method loads inline too.
 */
class WritableLineSink implements LineSink {
  private buffer = allocate(FLUSH_AT * 2);
  /** Bytes buffered: buffer[0, length). */
  private length = 0;

  constructor(private readonly destination: Writable) {}

  appendBytes(source: Uint8Array, start: number, end: number): void {
    appendBytes(this, source, start, end);
  }

  get end(): number {
    return this.length;
  }

  endRow(end: number): void {
    this.length = end;
  }

  write(line: string): void {
    writeLine(this, line);
  }

  async drain(): Promise<void> {
    if (this.length < FLUSH_AT) return;
    if (!this.handOver()) await this.waitForDrain();
  }

  async flush(): Promise<void> {
    if (!this.handOver()) await this.waitForDrain();
  }

  async close(): Promise<void> {
    if (!this.handOver()) await this.waitForDrain();
    await new Promise<void>((resolve, reject) => {
      this.destination.once('error', reject);
      this.destination.end(() => resolve());
    });
  }

  reserve(bytes: number): Uint8Array {
    if (this.length + bytes > this.buffer.length) {
      const grown = allocate(Math.max(this.buffer.length * 2, this.length + bytes));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    return this.buffer;
  }

  /** Hands the buffered lines to the destination (which keeps the chunk: a new buffer starts). */
  private handOver(): boolean {
    if (this.length === 0) return true;
    const chunk = this.buffer.subarray(0, this.length);
    this.buffer = allocate(Math.max(FLUSH_AT * 2, this.buffer.length));
    this.length = 0;
    return this.destination.write(chunk);
  }

  private waitForDrain(): Promise<void> {
    const destination = this.destination;
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        destination.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        destination.off('drain', onDrain);
        reject(err);
      };
      destination.once('drain', onDrain);
      destination.once('error', onError);
    });
  }
}
