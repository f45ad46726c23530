import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A gzip stream starts with these two bytes (RFC 1952), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Content that is neither CSV nor a readable gzip stream. */
export class CompressedDataError extends Error {
  override readonly name = 'CompressedDataError';
}

/**
 * The bytes of `chunks`, decompressed when they are gzip (by content, not by name: a `.csv` may be
 * compressed and a `.gz` may not). Streamed: memory is zlib's window and one chunk, not the file.
 * A gzip stream that is truncated or corrupt fails naming `source`.
 */
export async function* gunzipIfCompressed(chunks: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  // The magic bytes may arrive split over chunks.
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return;
  if (!isGzip(head)) {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    return;
  }
  const compressed = Readable.from(
    (async function* () {
      yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
  );
  const gunzip = createGunzip();
  compressed.on('error', (err) => gunzip.destroy(err));
  try {
    for await (const chunk of compressed.pipe(gunzip)) yield chunk as Uint8Array;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw new CompressedDataError(`${source}: gzip content that cannot be decompressed (${(err as Error).message})`, { cause: err });
    throw err;
  } finally {
    compressed.destroy();
  }
}
