import type { LineSink } from './line-sink';

const LF = 10;

/**
 * Rows spread over part files in order, for a channel SageMaker shards by S3 key (each of n
 * instances gets about 1/n of the objects): part k holds the k-th run of ⌈rows / parts⌉ rows, so
 * the parts read in key order are the single-file output byte for byte. The row count must be
 * given (`expectRows`) before the first row; a part no row reaches stays empty (`rowsPerPart`).
 * Rows are counted only until the last part is reached: it takes the rest as it comes (with one
 * part, the default, blocks pass straight through).
 */
export class ShardedLineSink implements LineSink {
  private rows = 0;
  private perPart = 0;
  private part = 0;
  private rowsInPart = 0;

  constructor(private readonly parts: readonly LineSink[]) {
    if (parts.length === 0) throw new Error('a sharded sink needs at least one part');
  }

  /** The number of rows that will be written: parts of ⌈rows / parts⌉ rows each. */
  expectRows(rows: number): void {
    this.rows = rows;
    this.perPart = Math.max(1, Math.ceil(rows / this.parts.length));
  }

  /** How many of the expected rows each part holds: ⌈rows / parts⌉, the last the rest, 0 past the rows. */
  get rowsPerPart(): number[] {
    return this.parts.map((_, k) => Math.max(0, Math.min(this.perPart, this.rows - k * this.perPart)));
  }

  private get onLastPart(): boolean {
    return this.part === this.parts.length - 1;
  }

  private get current(): LineSink {
    if (this.perPart === 0) throw new Error('ShardedLineSink: expectRows() must be called before the first row');
    return this.parts[this.part];
  }

  /** Counts one row into the current part, moving to the next part once this one is full. */
  private counted(): void {
    if (this.onLastPart) return;
    if (++this.rowsInPart === this.perPart) {
      this.part++;
      this.rowsInPart = 0;
    }
  }

  write(line: string): void {
    this.current.write(line);
    this.counted();
  }

  appendBytes(source: Uint8Array, start: number, end: number): void {
    // Whole lines: cut the block where the current part fills up.
    let from = start;
    for (let i = start; i < end && !this.onLastPart; i++) {
      if (source[i] !== LF) continue;
      const part = this.current;
      const full = this.rowsInPart + 1 === this.perPart;
      this.counted();
      if (full) {
        part.appendBytes(source, from, i + 1);
        from = i + 1;
      }
    }
    if (from < end) this.current.appendBytes(source, from, end);
  }

  reserve(bytes: number): Uint8Array {
    return this.current.reserve(bytes);
  }

  get end(): number {
    return this.current.end;
  }

  endRow(end: number): void {
    this.current.endRow(end);
    this.counted();
  }

  async drain(): Promise<void> {
    for (const part of this.parts) await part.drain();
  }

  async flush(): Promise<void> {
    for (const part of this.parts) await part.flush();
  }

  async close(): Promise<void> {
    for (const part of this.parts) await part.close();
  }
}
