import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { MlopsConfig } from '../../../lambdas/contracts/config/resolve';
import { CsvFormatError } from '../../../lambdas/core/csv/csv-parser';
import { DataValidationError, processDataset, type ProcessResult } from '../../../lambdas/core/features/process';
import { HeaderError } from '../../../lambdas/core/features/validate';
import { CompressedDataError } from '../../../lambdas/core/io/gunzip';
import { writableSink } from '../../../lambdas/core/io/line-sink';

/**
 * `mlops check`: the feature-processing Lambda's validation on a local file, as a dry run. The
 * same code (processDataset) with the same config, so what it accepts and quarantines is what a
 * run would; nothing is uploaded or kept (train and validation rows are counted and dropped).
 */

export interface CheckReport {
  readonly file: string;
  /** The processing result, when the file could give a training set. */
  readonly result?: ProcessResult;
  /** Why a run on this file would fail, when it would. */
  readonly failure?: string;
  /** The first quarantined rows, as the quarantine file holds them (JSON lines). */
  readonly quarantined: readonly string[];
  readonly quarantinedCount: number;
}

/** Errors a run on this data fails with (the others are this machine's problems, thrown). */
const DATA_ERRORS = [DataValidationError, HeaderError, CsvFormatError, CompressedDataError];

export async function checkData(file: string, config: MlopsConfig, sampleSize = 10): Promise<CheckReport> {
  const quarantined: string[] = [];
  let quarantinedCount = 0;
  let pending = '';
  const quarantine = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        quarantinedCount++;
        if (quarantined.length < sampleSize) quarantined.push(line);
      }
      done();
    },
  });
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const outputs = { quarantine: writableSink(quarantine), train: writableSink(discard()), validation: writableSink(discard()) };
  const name = path.basename(file);
  try {
    const result = await processDataset([{ name, chunks: () => createReadStream(file) }], outputs, {
      dataset: config.dataset,
      features: config.features,
      maxBadRowShare: config.retraining.maxBadRowShare,
    });
    await outputs.quarantine.close();
    return { file, result, quarantined, quarantinedCount };
  } catch (err) {
    if (!DATA_ERRORS.some((type) => err instanceof type)) throw err;
    await outputs.quarantine.close();
    return { file, failure: (err as Error).message, quarantined, quarantinedCount };
  }
}

/** The report a person reads: the verdict first, then counts, reasons and the first rejected rows. */
export function formatCheck(report: CheckReport, config: MlopsConfig): string {
  const lines: string[] = [];
  const r = report.result;
  lines.push(
    report.failure
      ? `${report.file}: a run on this file would FAIL: ${report.failure}`
      : `${report.file}: a run on this file would train (data set "${config.dataset.name}", ${config.dataset.problemType})`,
  );
  if (r) {
    const s = r.summary;
    lines.push(
      `  rows read ${s.rowsRead}, accepted ${s.accepted}, quarantined ${s.rejected} (${(100 * s.rejectedShare).toFixed(2)}%; the run fails above ${(100 * config.retraining.maxBadRowShare).toFixed(2)}%)`,
      `  split: train ${s.train}, validation ${s.validation}`,
    );
    if (r.baseline.label.positiveShare !== undefined)
      lines.push(
        `  class balance (training rows): "${config.dataset.positiveClass}" ${(100 * r.baseline.label.positiveShare).toFixed(1)}%, other ${(100 * (1 - r.baseline.label.positiveShare)).toFixed(1)}%`,
      );
    else if (r.baseline.label.classShares)
      lines.push(`  class balance (training rows): ${r.baseline.label.classShares.map((c) => `"${c.value}" ${(100 * c.share).toFixed(1)}%`).join(', ')}`);
    else lines.push(`  target mean (training rows): ${r.baseline.label.mean}`);
    const unknown = s.files.flatMap((f) => f.unknownColumns);
    if (unknown.length > 0) lines.push(`  columns not in the config (ignored): ${unknown.join(', ')}`);
    const reasons = Object.entries(s.rejectedByReason).sort((a, b) => b[1] - a[1]);
    if (reasons.length > 0) lines.push('  quarantined by reason:', ...reasons.map(([reason, n]) => `    ${String(n).padStart(8)}  ${reason}`));
  } else if (report.quarantinedCount > 0) lines.push(`  quarantined before it failed: ${report.quarantinedCount} rows`);
  if (report.quarantined.length > 0) {
    lines.push(`  first ${report.quarantined.length} quarantined rows (of ${report.quarantinedCount}):`);
    for (const line of report.quarantined) {
      const row = JSON.parse(line) as { line: number; issues: { column: string; value: string; reason: string }[] };
      lines.push(`    line ${row.line}: ${row.issues.map((i) => `${i.column}${i.value ? ` "${i.value}"` : ''}: ${i.reason}`).join('; ')}`);
    }
  }
  lines.push('  nothing was uploaded');
  return lines.join('\n');
}
