import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordRanges, type RangeReader } from '../../../lambdas/core/io/record-ranges';
import { SpillDirectory } from '../../../lambdas/core/io/spill-file';
import { fitFeatures, gatherShard, placeholderResolver, processDataset, type DataSource } from '../../../lambdas/core/features/process';
import { rangeSource } from '../../../lambdas/core/features/range-source';
import { writeResolved } from '../../../lambdas/core/features/resolve-pending';
import { statisticsFromJson, statisticsToJson, type ShardStatistics } from '../../../lambdas/core/features/shard-statistics';
import { seededRandom } from '../../../lib/local/trainer/random';
import { memorySink, textSource } from '../../helpers/sinks';
import { subscriptionsConfig } from '../../helpers/subscriptions';

/**
 * Two-pass feature processing over shards (Distributed Map) against one process over the whole
 * snapshot: for random splits of random files into whole files and byte ranges (cut inside
 * quoted multi-line fields too), the merged spec and baseline equal the one-process run's byte for
 * byte, and so do the encoded rows and the quarantine.
 */
const config = subscriptionsConfig({ validationShare: 0.25, topCategories: 3, numericBins: 5 });
const options = { dataset: config.dataset, features: config.features, maxBadRowShare: 0.5 };
const HEADER = 'id,age,plan,active,city,score,label';
const LONG_QUOTED = `"${'a long quoted value, with ""quotes"",\nline breaks\r\nand commas '.repeat(3)}"`;
const CITIES = ['paris', 'rome', 'oslo', '"new\nyork"', LONG_QUOTED, '"a, b"', '"say ""hi"""', '"x\r\ny"', 'lima', 'kyiv'];

function randomFile(random: () => number, rows: number, file: number): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const r = random();
    if (r < 0.03) {
      lines.push('');
      continue;
    }
    const age = r < 0.06 ? '130' : r < 0.1 ? '' : String(Math.floor(random() * 90));
    const plan = r > 0.97 ? 'gold' : ['basic', 'pro', 'max'][Math.floor(random() * 3)];
    // Values over many magnitudes: a float sum of them depends on the order they are added in.
    const score = r > 0.93 ? '' : String((random() - 0.3) * 10 ** Math.floor(random() * 24 - 8));
    const city = CITIES[Math.floor(random() ** 1.5 * CITIES.length)];
    const label = random() < 0.35 ? 'yes' : 'no';
    lines.push(`f${file}r${i},${age},${plan},${random() < 0.5 ? 'yes' : 'no'},${city},${score},${label}`);
  }
  const ending = random() < 0.3 ? '\r\n' : '\n';
  return lines.join(ending) + (random() < 0.5 ? ending : '');
}

function reader(bytes: Uint8Array, chunk: number): RangeReader {
  return async function* (start, end) {
    for (let at = start; at < end; at += chunk) yield bytes.subarray(at, Math.min(end, at + chunk));
  };
}

/** Whether `offset` is inside a quoted field: an odd number of quotes before it. */
function insideQuotes(bytes: Uint8Array, offset: number): boolean {
  let quotes = 0;
  for (let i = 0; i < offset; i++) if (bytes[i] === 34) quotes++;
  return quotes % 2 === 1;
}

async function* fileChunks(path: string): AsyncIterable<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 37 })) yield chunk as Buffer;
}

interface Trial {
  readonly files: { name: string; text: string }[];
  /** Shards: consecutive pieces (whole files or byte ranges), in snapshot order. */
  readonly shards: DataSource[][];
  /** Segment starts that fell inside a quoted field (a record cut across a range boundary). */
  readonly cutsInsideQuotes: number;
}

async function randomTrial(seed: number): Promise<Trial> {
  const random = seededRandom(seed);
  const files = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, f) => ({
    name: `raw/part-${f}.csv`,
    text: randomFile(random, 40 + Math.floor(random() * 200), f),
  }));
  const pieces: DataSource[] = [];
  let cutsInsideQuotes = 0;
  for (const file of files) {
    const bytes = new TextEncoder().encode(file.text);
    if (random() < 0.25) {
      pieces.push(textSource(file.name, file.text, 1 + Math.floor(random() * 100)));
      continue;
    }
    const rangeBytes = 16 + Math.floor(random() * (bytes.length / 3));
    const read = reader(bytes, 1 + Math.floor(random() * 50));
    const ranges = await recordRanges(bytes.length, rangeBytes, read, 1 + Math.floor(random() * 4));
    for (let at = rangeBytes; at < bytes.length; at += rangeBytes) if (insideQuotes(bytes, at)) cutsInsideQuotes++;
    if (!ranges) pieces.push(textSource(file.name, file.text));
    else for (const range of ranges.ranges) pieces.push(rangeSource(file.name, read, ranges.headerEnd, range));
  }
  const shards: DataSource[][] = [];
  for (const piece of pieces) {
    if (shards.length === 0 || random() < 0.6) shards.push([piece]);
    else shards[shards.length - 1].push(piece);
  }
  return { files, shards, cutsInsideQuotes };
}

async function oneProcess(files: Trial['files']) {
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const result = await processDataset(
    files.map((f) => textSource(f.name, f.text)),
    outputs,
    options,
  );
  return { spec: JSON.stringify(result.spec), baseline: JSON.stringify(result.baseline), summary: result.summary, outputs };
}

/** Pass 1 per shard (statistics through JSON, as the merge reads them), the fit, pass 2 from the pending bytes. */
async function sharded(trial: Trial) {
  const work = mkdtempSync(join(tmpdir(), 'shard-merge-'));
  const scratches: SpillDirectory[] = [];
  try {
    const quarantine = memorySink();
    const gathered = [];
    for (const shard of trial.shards) {
      const scratch = new SpillDirectory(work);
      scratches.push(scratch);
      const shardResult = await gatherShard(shard, quarantine, scratch, options);
      const statistics: ShardStatistics = statisticsFromJson(JSON.parse(JSON.stringify(statisticsToJson(shardResult.statistics))), 'shard');
      gathered.push({ statistics, pending: shardResult.pending });
    }
    const fitted = await fitFeatures(
      gathered.map((g) => g.statistics),
      options,
      { sources: trial.files.map((f) => textSource(f.name, f.text)) },
    );
    const train = memorySink();
    const validation = memorySink();
    for (const g of gathered) {
      const resolver = placeholderResolver(g.statistics, fitted.spec);
      await writeResolved(fileChunks(g.pending.train.path), resolver, train);
      await writeResolved(fileChunks(g.pending.validation.path), resolver, validation);
    }
    return {
      spec: JSON.stringify(fitted.spec),
      baseline: JSON.stringify(fitted.baseline),
      summary: fitted.summary,
      outputs: { quarantine, train, validation },
    };
  } finally {
    scratches.forEach((s) => s.remove());
    rmSync(work, { recursive: true, force: true });
  }
}

describe('feature processing over shards', () => {
  test('GIVEN random splits into files and byte ranges THEN the merged spec, baseline, rows and quarantine equal one process byte for byte', async () => {
    let cutsInsideQuotes = 0;
    let rangeShards = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const trial = await randomTrial(seed);
      cutsInsideQuotes += trial.cutsInsideQuotes;
      rangeShards += trial.shards.flat().filter((s) => s.firstDataLine !== undefined).length;
      const one = await oneProcess(trial.files);
      const many = await sharded(trial);
      const at = `seed ${seed}, ${trial.shards.length} shards`;
      expect({ at, spec: many.spec }).toEqual({ at, spec: one.spec });
      expect({ at, baseline: many.baseline }).toEqual({ at, baseline: one.baseline });
      expect({ at, train: many.outputs.train.output }).toEqual({ at, train: one.outputs.train.output });
      expect({ at, validation: many.outputs.validation.output }).toEqual({ at, validation: one.outputs.validation.output });
      expect({ at, quarantine: many.outputs.quarantine.output }).toEqual({ at, quarantine: one.outputs.quarantine.output });
      expect({ at, files: many.summary.files }).toEqual({ at, files: one.summary.files });
      expect(many.summary.rejectedByReason).toEqual(one.summary.rejectedByReason);
    }
    // The trials did cut records across range boundaries, inside quoted fields with line breaks too.
    expect(rangeShards).toBeGreaterThan(100);
    expect(cutsInsideQuotes).toBeGreaterThan(5);
  }, 120_000);

  test('GIVEN the same shards THEN float sums added shard by shard would differ from one pass (why the sums are exact)', async () => {
    // The negative control for the exact sums: on the same kind of data, the naive sum of the shards'
    // naive sums differs from the naive sum in row order for some trial, so merging float sums would not be byte-equal.
    let differing = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(1000 + seed);
      const values = Array.from({ length: 200 }, () => (random() - 0.3) * 10 ** Math.floor(random() * 24 - 8));
      const cut = 1 + Math.floor(random() * 198);
      const inOrder = values.reduce((a, b) => a + b, 0);
      const byShards = values.slice(0, cut).reduce((a, b) => a + b, 0) + values.slice(cut).reduce((a, b) => a + b, 0);
      if (inOrder !== byShards) differing++;
    }
    expect(differing).toBeGreaterThan(0);
  });
});
