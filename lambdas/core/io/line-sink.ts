import type { Writable } from 'node:stream';

/** A line-oriented output with backpressure: write lines synchronously, await drain() between chunks. */
export interface LineSink {
  write(line: string): void;
  /** Hands buffered lines to the destination and resolves when it can take more. */
  drain(): Promise<void>;
  /** Flushes everything and ends the destination. */
  close(): Promise<void>;
  /** Lines written so far. */
  readonly lines: number;
}

const FLUSH_AT = 256 * 1024;

/** Batches lines into large chunks (one write per ~256 KB instead of one per row). */
export function writableSink(destination: Writable): LineSink {
  let parts: string[] = [];
  let size = 0;
  let lines = 0;
  const flush = (): boolean => {
    if (parts.length === 0) return true;
    const chunk = parts.join('');
    parts = [];
    size = 0;
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
  return {
    get lines() {
      return lines;
    },
    write(line: string) {
      parts.push(line, '\n');
      size += line.length + 1;
      lines++;
    },
    async drain() {
      if (size < FLUSH_AT) return;
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
}
