import type { Writable } from 'node:stream';

/**
 * A line-oriented output with backpressure. Lines are assembled in a byte buffer (whole lines
 * with write(), or piece by piece with the append methods and endLine()) and handed to the
 * destination in large chunks; await drain() between input chunks.
 */
export interface LineSink {
  write(line: string): void;
  appendBytes(source: Uint8Array, start: number, end: number): void;
  appendAscii(text: string): void;
  appendByte(byte: number): void;
  endLine(): void;
  /** Hands buffered lines to the destination once enough have gathered; resolves when it can take more. */
  drain(): Promise<void>;
  /** Hands every buffered line to the destination now. */
  flush(): Promise<void>;
  /** Flushes everything and ends the destination. */
  close(): Promise<void>;
  /** Lines written so far. */
  readonly lines: number;
}

const FLUSH_AT = 256 * 1024;
const LF = 10;

export function writableSink(destination: Writable): LineSink {
  let buffer = Buffer.allocUnsafe(FLUSH_AT * 2);
  let length = 0;
  let lines = 0;
  const reserve = (bytes: number) => {
    if (length + bytes <= buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + bytes));
    buffer.copy(grown, 0, 0, length);
    buffer = grown;
  };
  const flush = (): boolean => {
    if (length === 0) return true;
    // The destination keeps the chunk: hand it this buffer and start a new one.
    const chunk = buffer.subarray(0, length);
    buffer = Buffer.allocUnsafe(Math.max(FLUSH_AT * 2, buffer.length));
    length = 0;
    return destination.write(chunk);
  };
  const waitForDrain = () =>
    new Promise<void>((resolve, reject) => {
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
  const sink: LineSink = {
    get lines() {
      return lines;
    },
    appendBytes(source, start, end) {
      reserve(end - start);
      if (end - start > 32) {
        buffer.set(source.subarray(start, end), length);
        length += end - start;
      } else {
        // Fields are short: a loop beats allocating a subarray view per field.
        for (let i = start; i < end; i++) buffer[length++] = source[i];
      }
    },
    appendAscii(text) {
      reserve(text.length);
      for (let i = 0; i < text.length; i++) buffer[length++] = text.charCodeAt(i);
    },
    appendByte(byte) {
      reserve(1);
      buffer[length++] = byte;
    },
    endLine() {
      sink.appendByte(LF);
      lines++;
    },
    write(line) {
      const bytes = Buffer.byteLength(line);
      reserve(bytes + 1);
      length += buffer.write(line, length, 'utf8');
      sink.endLine();
    },
    async drain() {
      if (length < FLUSH_AT) return;
      if (!flush()) await waitForDrain();
    },
    async flush() {
      if (!flush()) await waitForDrain();
    },
    async close() {
      if (!flush()) await waitForDrain();
      await new Promise<void>((resolve, reject) => {
        destination.once('error', reject);
        destination.end(() => resolve());
      });
    },
  };
  return sink;
}
