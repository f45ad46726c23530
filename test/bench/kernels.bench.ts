/**
 * Benchmark: the small kernels the hot loops rest on, each against what it replaced, in one
 * process (best of five runs each, after a warm-up run):
 *   - sortFloat32 (radix) vs Float32Array.prototype.sort, at 20k, 200k and 800k values;
 *   - BinFinder vs binIndex (binary search), 12M values over 19 quantile edges;
 *   - ValueHistogram (count 12M values, cut 20 bins, count them) vs the exact way: sort all the
 *     values, read the quantiles, binary-search each value into its bin.
 *
 *   npm run bench:kernels
 */
import { BinFinder, binIndex } from '../../lambdas/core/features/bin-finder';
import { seededRandom } from '../../lib/local/trainer/random';
import { ValueHistogram } from '../../lambdas/core/features/value-histogram';
import { sortFloat32 } from '../../lib/local/trainer/sort-float32';

/** Best of `runs` timings (ms) of `work`, after one warm-up run. */
function best(runs: number, work: () => void): number {
  work();
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return fastest;
}

function line(label: string, ours: number, baseline: number): void {
  console.log(`${label.padEnd(52)} ${ours.toFixed(1).padStart(8)} ms  ${baseline.toFixed(1).padStart(8)} ms  ${(baseline / ours).toFixed(2)}x`);
}

const random = seededRandom(5);
console.log(`node ${process.version}; best of 5 runs after a warm-up`);
console.log(`${'kernel'.padEnd(52)} ${'ours'.padStart(11)}  ${'baseline'.padStart(11)}  speed-up`);
for (const n of [20_000, 200_000, 800_000]) {
  const values = Float32Array.from({ length: n }, () => (random() - 0.3) * 1000);
  line(
    `sortFloat32 vs native sort, ${n} values`,
    best(5, () => sortFloat32(values.slice())),
    best(5, () => values.slice().sort()),
  );
}
const count = 12_000_000;
const values = Float64Array.from({ length: count }, () => Math.round((random() * 200 + random() * 100) * 10) / 10);
const sorted = values.slice(0, 100_000).sort();
const edges = Array.from({ length: 19 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / 20)]);
const finder = new BinFinder(edges);
const counts = new Float64Array(20);
line(
  `BinFinder vs binIndex, ${count / 1e6}M values, 19 edges`,
  best(5, () => {
    for (let i = 0; i < count; i++) counts[finder.bin(values[i])]++;
  }),
  best(5, () => {
    for (let i = 0; i < count; i++) counts[binIndex(edges, values[i])]++;
  }),
);
line(
  `ValueHistogram vs sort + binIndex, ${count / 1e6}M values, 20 bins`,
  best(5, () => {
    const histogram = new ValueHistogram();
    for (let i = 0; i < count; i++) histogram.add(values[i]);
    histogram.binCounts(histogram.binEdges(20));
  }),
  best(5, () => {
    const all = values.slice().sort();
    const cuts = Array.from({ length: 19 }, (_, i) => all[Math.ceil(((i + 1) * count) / 20) - 1]);
    const bins = new Float64Array(20);
    for (let i = 0; i < count; i++) bins[binIndex(cuts, values[i])]++;
  }),
);
