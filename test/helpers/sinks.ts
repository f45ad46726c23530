import { Writable } from 'node:stream';
import type { DataSource } from '../../lambdas/core/features/process';
import { writableSink, type LineSink } from '../../lambdas/core/io/line-sink';

/** A real LineSink over an in-memory destination; `output` is what was written, line by line. */
export function memorySink(): LineSink & { readonly output: string[] } {
  const chunks: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const sink = writableSink(destination);
  return Object.defineProperty(sink, 'output', {
    get(): string[] {
      // Hand over what is buffered (synchronously, as this destination writes synchronously).
      void sink.flush();
      const text = Buffer.concat(chunks).toString('utf8');
      return text === '' ? [] : text.replace(/\n$/, '').split('\n');
    },
  }) as LineSink & { readonly output: string[] };
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
