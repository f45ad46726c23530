import type { LineSink } from '../../lambdas/core/io/line-sink';
import type { DataSource } from '../../lambdas/core/features/process';

/** A LineSink that keeps every line in memory. */
export function memorySink(): LineSink & { readonly output: string[] } {
  const output: string[] = [];
  return {
    output,
    get lines() {
      return output.length;
    },
    write: (line: string) => void output.push(line),
    drain: async () => undefined,
    close: async () => undefined,
  };
}

/** A source over a string, delivered in small chunks to exercise record boundaries. */
export function textSource(name: string, text: string, chunkSize = 64): DataSource {
  const bytes = new TextEncoder().encode(text);
  return {
    name,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    },
  };
}
