import type { LineSink } from '../io/line-sink';
import type { PlaceholderResolver } from './pending-categories';

/**
 * Pass 2 over a shard's pending rows read back as a stream (a Distributed Map child reads them from
 * S3): the placeholders resolved to the merged spec's codes, the rows written to `output`. A
 * placeholder cut by a chunk's end is carried into the next chunk.
 */
export async function writeResolved(chunks: AsyncIterable<Uint8Array>, resolver: PlaceholderResolver, output: LineSink): Promise<void> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    // A copy: the resolver rewrites the bytes in place, and the chunk is not ours.
    const bytes = new Uint8Array(carry.length + chunk.length);
    bytes.set(carry);
    bytes.set(chunk, carry.length);
    const { length, consumed } = resolver.resolve(bytes, false);
    output.appendBytes(bytes, 0, length);
    carry = bytes.slice(consumed);
    await output.drain();
  }
  const { length } = resolver.resolve(carry, true);
  output.appendBytes(carry, 0, length);
  await output.drain();
}
