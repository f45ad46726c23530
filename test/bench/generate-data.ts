import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';

/**
 * Writes a CSV of about `bytes` bytes by resampling the rows of a sample file with noise:
 * numeric fields are scaled by a random factor near 1 (keeping their decimals), other fields are
 * copied. Deterministic (seeded), and reused when a file of that size already exists.
 */
export async function generateCsv(sampleFile: string, target: string, bytes: number): Promise<string> {
  if (existsSync(target) && Math.abs(statSync(target).size - bytes) < bytes * 0.01) return target;
  const [header, ...rows] = readFileSync(sampleFile, 'utf8').trimEnd().split('\n');
  const parsed = rows.map((r) => r.split(','));
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const out = createWriteStream(target);
  out.write(`${header}\n`);
  let written = header.length + 1;
  const block: string[] = [];
  while (written < bytes) {
    const fields = parsed[Math.floor(random() * parsed.length)];
    const line = fields
      .map((f) => {
        if (!/^-?\d+(\.\d+)?$/.test(f)) return f;
        const decimals = f.includes('.') ? f.length - f.indexOf('.') - 1 : 0;
        return (Number(f) * (0.95 + random() * 0.1)).toFixed(decimals);
      })
      .join(',');
    block.push(line);
    written += line.length + 1;
    if (block.length === 10_000) {
      if (!out.write(`${block.join('\n')}\n`)) await once(out, 'drain');
      block.length = 0;
    }
  }
  out.write(block.length > 0 ? `${block.join('\n')}\n` : '');
  out.end();
  await once(out, 'finish');
  return target;
}

export const BENCH_DATA_DIR = path.join(__dirname, '..', '..', 'bench-data');
