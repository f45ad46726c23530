import type { InferenceResult, InferredColumn } from './infer-config';

/** What `mlops init` prints: every column with what was inferred and why, then the notes. */
export function formatInference(result: InferenceResult, file: string): string {
  const header = ['column', 'inferred', 'in config', 'missing', 'distinct', 'range seen', 'why'];
  const rows = result.columns.map((c) => [
    c.name,
    c.kind,
    c.included ? 'yes' : 'no',
    missingOf(c),
    c.distinct === undefined ? '>1000' : String(c.distinct),
    c.min !== undefined && c.max !== undefined ? `${c.min} .. ${c.max}` : '',
    c.reason,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : r[i].length))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = [`${file}: ${result.rows} rows, ${result.columns.length} columns, problem type ${result.problemType}`, '', line(header), ...rows.map(line)];
  if (result.classes)
    lines.push('', `classes: ${result.classes.map((c) => `"${c.value}" ${c.count} (${((100 * c.count) / result.rows).toFixed(1)}%)`).join(', ')}`);
  if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `note: ${n}`));
  lines.push('', 'Ranges are suggestions only (pass --limits to write them as min/max: rows outside would then be quarantined).');
  return lines.join('\n');
}

function missingOf(c: InferredColumn): string {
  if (c.missing === 0) return '0';
  const tokens = Object.entries(c.missingTokens)
    .map(([token, n]) => `${token} ${n}`)
    .join(', ');
  return `${c.missing} (${tokens})`;
}
