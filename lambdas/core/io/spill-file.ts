import { closeSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendBytes, writeLine, type LineSink } from './line-sink';

/**
 * Fails before any work when `directory` has less free space than `bytes` (scratch data is about
 * the input's size), instead of running out of disk late in a long run.
 */
export function assertScratchSpace(bytes: number, directory = tmpdir()): void {
  const { bavail, bsize } = statfsSync(directory);
  const free = bavail * bsize;
  if (bytes > free) {
    const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
    throw new Error(
      `${gb(bytes)} of input but only ${gb(free)} free for scratch data in ${directory}: feature processing keeps about the input's size there between its passes (on AWS, the function's ephemeral storage: 10 GiB at most)`,
    );
  }
}

/**
 * Scratch files written once and read back once, on local disk (on Lambda: its ephemeral storage).
 * Feature processing keeps pass 1's work here so that pass 2 neither downloads nor parses the
 * input again. Writes are synchronous: they land in the page cache, and a full disk surfaces at
 * once with a message that says what to do.
 */
export class SpillDirectory {
  readonly path: string;
  private readonly files: SpillFile[] = [];

  constructor(parent = tmpdir()) {
    this.path = mkdtempSync(join(parent, 'mlops-spill-'));
  }

  /** Bytes written to every file so far. */
  get bytesWritten(): number {
    return this.files.reduce((n, file) => n + file.bytesWritten, 0);
  }

  file(name: string): SpillFile {
    const file = new SpillFile(join(this.path, name));
    this.files.push(file);
    return file;
  }

  /** Closes every file and deletes the directory (also after a failure). */
  remove(): void {
    for (const file of this.files) file.close();
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Bytes per read when scratch data is read back. */
export const SPILL_READ_CHUNK = 1 << 20;

export class SpillFile {
  private fd: number | undefined;
  private written = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  get bytesWritten(): number {
    return this.written;
  }

  write(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.descriptor(), bytes, offset, bytes.length - offset, this.written + offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
          throw new Error(
            `no space left for scratch data in ${this.path} after ${this.written + offset} bytes: feature processing needs local disk of about the snapshot's size, more for data of many short categories (on AWS, the function's ephemeral storage)`,
            { cause: err },
          );
        }
        throw err;
      }
    }
    this.written += bytes.length;
  }

  /**
   * A line sink that assembles lines in `buffer` and writes them here. The buffer and its length
   * (cursors[index]) may be shared with code that appends rows itself (the fast path's kernel).
   */
  sink(buffer = new Uint8Array(2 * HAND_OVER_AT), cursors = new Int32Array(1), index = 0): ScratchSink {
    return new ScratchSink(buffer, cursors, index, this);
  }

  /**
   * Reads the file back from the start into `buffer`, handing each filled part to `onChunk`.
   * `onChunk` returns how many bytes it consumed; the rest is moved to the front and completed
   * by the next read (for records cut by the chunk boundary; the buffer grows for a record larger
   * than itself).
   */
  async readBack(buffer: Uint8Array, onChunk: (bytes: Uint8Array, atEnd: boolean) => number | Promise<number>): Promise<void> {
    let position = 0;
    let kept = 0;
    for (;;) {
      const read = readSync(this.descriptor(), buffer, kept, buffer.length - kept, position);
      position += read;
      const filled = kept + read;
      const atEnd = read === 0 || position >= this.written;
      const consumed = await onChunk(buffer.subarray(0, filled), atEnd);
      if (atEnd) {
        if (consumed !== filled) throw new Error(`${this.path}: ${filled - consumed} bytes left over at the end (a record cut short)`);
        return;
      }
      kept = filled - consumed;
      if (kept === buffer.length) {
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      } else buffer.copyWithin(0, consumed, filled);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }
}

/** Lines are handed to the file once this much is buffered. */
const HAND_OVER_AT = 512 * 1024;

/**
 * A line sink over a fixed buffer, written to a scratch file synchronously (the writes land in the
 * page cache). The length is cursors[index], so that other code may append to the buffer too.
 */
export class ScratchSink implements LineSink {
  readonly capacity: number;

  constructor(
    private readonly buffer: Uint8Array,
    private readonly cursors: Int32Array,
    private readonly index: number,
    private readonly file: SpillFile,
  ) {
    this.capacity = buffer.length;
  }

  get end(): number {
    return this.cursors[this.index];
  }

  endRow(end: number): void {
    this.cursors[this.index] = end;
  }

  reserve(bytes: number): Uint8Array {
    if (this.end + bytes > this.capacity) {
      this.handOver();
      if (bytes > this.capacity) throw new Error(`a row of ${bytes} bytes does not fit the scratch buffer (${this.capacity} bytes)`);
    }
    return this.buffer;
  }

  appendBytes(source: Uint8Array, start: number, end: number): void {
    appendBytes(this, source, start, end);
  }

  write(line: string): void {
    writeLine(this, line);
  }

  async drain(): Promise<void> {
    if (this.end >= HAND_OVER_AT) this.handOver();
  }

  async flush(): Promise<void> {
    this.handOver();
  }

  async close(): Promise<void> {
    this.handOver();
  }

  /** Writes the buffered lines to the file (synchronously: SpillFile writes land in the page cache). */
  handOver(): void {
    if (this.end === 0) return;
    this.file.write(this.buffer.subarray(0, this.end));
    this.endRow(0);
  }
}
