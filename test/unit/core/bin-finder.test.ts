import { seededRandom } from '../../../lib/local/trainer/random';
import { BinFinder, binIndex } from '../../../lambdas/core/features/bin-finder';

describe('BinFinder', () => {
  const random = seededRandom(11);
  const edgeSets: Record<string, number[]> = {
    'no edges': [],
    'one edge': [3.5],
    'evenly spread': Array.from({ length: 19 }, (_, i) => i * 10),
    // Quantiles of a skewed column: most edges crowd into a few grid cells.
    'clustered and skewed': [0, 0.001, 0.002, 0.0025, 0.003, 1, 2, 1000, 1e6],
    'negative and tiny': [-1e-300, -5e-324, 0, 5e-324, 1e-300],
    random: Array.from({ length: 40 }, () => (random() - 0.5) * 1e4).sort((a, b) => a - b),
  };

  test.each(Object.entries(edgeSets))('GIVEN %s THEN every value lands in the bin binIndex gives', (_, edges) => {
    const finder = new BinFinder(edges);
    const values = [Number.NaN, Infinity, -Infinity, 0, -0];
    for (const e of edges) values.push(e, e - Math.abs(e) * 1e-15 - 5e-324, e + Math.abs(e) * 1e-15 + 5e-324);
    const lo = edges.length ? edges[0] : -1;
    const hi = edges.length ? edges[edges.length - 1] : 1;
    for (let i = 0; i < 20_000; i++) values.push(lo - (hi - lo) * 0.1 + random() * (hi - lo) * 1.2);
    for (const v of values) expect([v, finder.bin(v)]).toEqual([v, binIndex(edges, v)]);
  });
});
