import type { RunReport } from '../runtime/run-report';

/** How `mlops upload`, `mlops runs` and `mlops run` print a run report. */

const seconds = (ms: number | undefined) => (ms === undefined ? 'running' : `${(ms / 1000).toFixed(1)} s`);

/** The report as lines: outcome first, then the data, the gate and (unless `states` is false) the states with timings. */
export function formatRunReport(report: RunReport, { states = true } = {}): string {
  const lines = [`${report.name}: ${report.outcome}${report.durationMs === undefined ? '' : ` in ${seconds(report.durationMs)}`}`];
  if (report.error) lines.push(`  error: ${report.error}${report.cause ? `: ${report.cause}` : ''}`);
  if (report.data) {
    const d = report.data;
    lines.push(`  rows: read ${d.rowsRead}, accepted ${d.accepted}, quarantined ${d.rejected}; train ${d.train}, validation ${d.validation}`);
    for (const [reason, n] of Object.entries(d.rejectedByReason)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10))
      lines.push(`    quarantined ${n}: ${reason}`);
    if (d.skippedObjects) lines.push(`  objects skipped (not data; listed in the run's summary.json): ${d.skippedObjects}`);
  }
  if (report.gate) lines.push(`  gate: ${report.gate.promote ? 'promote' : 'reject'}: ${report.gate.reason}`);
  if (!states) return lines.join('\n');
  lines.push('  states:');
  for (const s of report.states)
    lines.push(
      `    ${`+${seconds(s.at)}`.padStart(10)}  ${s.name.padEnd(24)} ${seconds(s.durationMs)}${s.failed ? (s.caught ? `  (caught: ${s.failed})` : `  FAILED (${s.failed})`) : ''}`,
    );
  return lines.join('\n');
}
