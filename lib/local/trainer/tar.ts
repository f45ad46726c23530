import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Just enough of the tar format (POSIX ustar) for model.tar.gz: regular files with short names.
 * SageMaker training writes its model artifact as a gzipped tar; the local stand-ins do too.
 */
const BLOCK = 512;

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: file name "${name}" is longer than 100 bytes`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(
    `${Math.floor(Date.UTC(2026, 0, 1) / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  block.write('        ', 148); // checksum placeholder: spaces while summing
  block.write('0', 156); // regular file
  block.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

export function tarGz(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    parts.push(header(name, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}

export function untarGz(archive: Buffer): Record<string, Buffer> {
  const tar = gunzipSync(archive);
  const files: Record<string, Buffer> = {};
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    const name = block.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(block.toString('utf8', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    if (!Number.isFinite(size)) throw new Error(`tar: bad size for "${name}"`);
    const type = block.toString('utf8', 156, 157);
    if (type === '0' || type === '\0') files[name.replace(/^\.\//, '')] = Buffer.from(tar.subarray(offset + BLOCK, offset + BLOCK + size));
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
