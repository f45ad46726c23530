/**
 * One measured run of feature processing on one file, in its own process so that peak RSS belongs
 * to that run alone. `core` is the project's streaming core; `baseline` is the straightforward
 * implementation (csv-parse to per-row objects, values kept in arrays for exact quantiles).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { loadConfig } from '../../lib/config';
import { processDataset } from '../../lambdas/core/features/process';
import { writableSink } from '../../lambdas/core/io/line-sink';

const [impl, file, outDir, configPath] = process.argv.slice(2);
const config = loadConfig(configPath);

/** Scratch disk the core used between its passes (the baseline keeps everything in memory). */
let scratchBytes = 0;

async function runCore(): Promise<number> {
  const sinks = {
    quarantine: writableSink(createWriteStream(`${outDir}/quarantine.jsonl`)),
    train: writableSink(createWriteStream(`${outDir}/train.csv`)),
    validation: writableSink(createWriteStream(`${outDir}/validation.csv`)),
  };
  const result = await processDataset([{ name: file, chunks: () => createReadStream(file, { highWaterMark: 1 << 20 }) }], sinks, {
    dataset: config.dataset,
    features: config.features,
    maxBadRowShare: config.retraining.maxBadRowShare,
  });
  await Promise.all(Object.values(sinks).map((s) => s.close()));
  scratchBytes = result.summary.scratchBytes;
  return result.summary.accepted;
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function runBaseline(): Promise<number> {
  const columns = config.dataset.columns;
  const target = config.dataset.targetColumn;
  const features = columns.filter((c) => c.name !== target);
  const isValidation = (row: Record<string, string>) => createHash('md5').update(JSON.stringify(row)).digest()[0] < 256 * config.features.validationShare;
  const valid = (row: Record<string, string>) =>
    columns.every((c) => {
      const v = row[c.name]?.trim() ?? '';
      if (v === '') return !c.required;
      if (c.type === 'numeric') return !Number.isNaN(Number(v)) && (c.min === undefined || Number(v) >= c.min) && (c.max === undefined || Number(v) <= c.max);
      if (c.type === 'boolean') return ['yes', 'no', 'true', 'false', '1', '0'].includes(v.toLowerCase());
      return !c.allowedValues || c.allowedValues.includes(v);
    });
  // Pass 1: category counts and every numeric training value (exact quantiles need them all).
  const counts = new Map(features.map((c) => [c.name, new Map<string, number>()]));
  const values = new Map(features.map((c) => [c.name, [] as number[]]));
  let accepted = 0;
  for await (const row of createReadStream(file).pipe(parse({ columns: true })) as AsyncIterable<Record<string, string>>) {
    if (!valid(row)) continue;
    accepted++;
    if (isValidation(row)) continue;
    for (const c of features) {
      const v = row[c.name].trim();
      if (c.type === 'numeric') values.get(c.name)!.push(Number(v));
      else counts.get(c.name)!.set(v, (counts.get(c.name)!.get(v) ?? 0) + 1);
    }
  }
  const codes = new Map([...counts].map(([name, m]) => [name, new Map([...m.entries()].sort((a, b) => b[1] - a[1]).map(([v], i) => [v, i]))]));
  const edges = new Map(
    [...values].map(([name, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return [
        name,
        Array.from({ length: config.features.numericBins - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / config.features.numericBins)]),
      ];
    }),
  );
  // Pass 2: encode and write.
  const train = createWriteStream(`${outDir}/train.csv`);
  const validation = createWriteStream(`${outDir}/validation.csv`);
  const bins = new Map(features.map((c) => [c.name, new Array<number>(config.features.numericBins).fill(0)]));
  for await (const row of createReadStream(file).pipe(parse({ columns: true })) as AsyncIterable<Record<string, string>>) {
    if (!valid(row)) continue;
    const label = row[target].trim() === config.dataset.positiveClass ? '1' : '0';
    const encoded = features.map((c) => {
      const v = row[c.name].trim();
      if (c.type === 'numeric') {
        const e = edges.get(c.name)!;
        const n = Number(v);
        bins.get(c.name)![e.findIndex((x) => n <= x) === -1 ? e.length : e.findIndex((x) => n <= x)]++;
        return v;
      }
      if (c.type === 'boolean') return ['yes', 'true', '1'].includes(v.toLowerCase()) ? '1' : '0';
      return String(codes.get(c.name)!.get(v) ?? codes.get(c.name)!.size);
    });
    await write(isValidation(row) ? validation : train, `${label},${encoded.join(',')}\n`);
  }
  train.end();
  validation.end();
  await Promise.all([once(train, 'finish'), once(validation, 'finish')]);
  return accepted;
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const rows = impl === 'core' ? await runCore() : await runBaseline();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ impl, bytes: statSync(file).size, rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, scratchBytes }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
