/** One measured drift run over one capture file, in its own process (peak RSS is this run's). */
import { createReadStream, readFileSync } from 'node:fs';
import { CaptureFormatError, parseCaptureLine } from '../../lambdas/core/drift/capture';
import { DriftWindow } from '../../lambdas/core/drift/drift-window';
import type { Baseline } from '../../lambdas/core/features/baseline';
import { forEachLine } from '../../lambdas/core/io/lines';

const [file, baselineFile] = process.argv.slice(2);

async function main(): Promise<void> {
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline;
  const started = process.hrtime.bigint();
  const window = new DriftWindow(baseline);
  let records = 0;
  await forEachLine(createReadStream(file, { highWaterMark: 1 << 20 }), (text, line) => {
    try {
      window.add(parseCaptureLine(text));
      records++;
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) throw err;
      window.addCorrupted(file, line, err.message);
    }
  });
  const summary = window.summarize({ minWindowRecords: 1000, jensenShannon: 0.1, psi: 0.2, driftedShare: 0.5 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ records, rows: summary.rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, datasetDrift: summary.datasetDrift }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
