/** One measured drift run over one capture file, in its own process (peak RSS is this run's). */
import { createReadStream, readFileSync } from 'node:fs';
import { scanCapture } from '../../lambdas/core/drift/capture-stream';
import { DriftWindow } from '../../lambdas/core/drift/drift-window';
import type { Baseline } from '../../lambdas/core/features/baseline';

const [file, baselineFile] = process.argv.slice(2);

async function main(): Promise<void> {
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline;
  const started = process.hrtime.bigint();
  const window = new DriftWindow(baseline);
  await scanCapture(createReadStream(file, { highWaterMark: 1 << 20 }), window, { file });
  const summary = window.summarize({ minWindowRecords: 1000, jensenShannon: 0.1, psi: 0.2, driftedShare: 0.5 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({
      records: summary.records,
      rows: summary.rows,
      seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      datasetDrift: summary.datasetDrift,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
