import { CsvParser } from '../csv/csv-parser';
import { gunzipIfCompressed } from '../io/gunzip';
import type { DataSource } from './process';

/** Values listed in the message; the rest are counted as "more". */
const LISTED_VALUES = 10;

/**
 * Why a binary run cannot train when its training rows hold one label only: the configured
 * positive class, and every value the target column holds with its count (read again from the
 * sources: this is the failure path, so the fast path keeps no per-value counts).
 */
export async function oneClassMessage(
  sources: readonly DataSource[],
  targetColumn: string,
  positiveClass: string,
  positives: number,
  rows: number,
): Promise<string> {
  const counts = new Map<string, number>();
  for (const source of sources) {
    let field = -1;
    const parser = new CsvParser({
      source: source.name,
      onRecord: (record) => {
        if (field === -1) {
          field = record.texts().findIndex((name) => name.trim() === targetColumn);
          return;
        }
        if (record.isBlank() || field >= record.count) return;
        const value = record.trimmedText(field);
        counts.set(value, (counts.get(value) ?? 0) + 1);
      },
    });
    for await (const chunk of gunzipIfCompressed(source.chunks(), source.name)) parser.write(chunk);
    parser.end();
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const listed = sorted
    .slice(0, LISTED_VALUES)
    .map(([value, n]) => `"${value}" (${n})`)
    .join(', ');
  const more = sorted.length > LISTED_VALUES ? ` and ${sorted.length - LISTED_VALUES} more` : '';
  const near = sorted.find(([value]) => value !== positiveClass && value.toLowerCase() === positiveClass.toLowerCase());
  const what = positives === 0 ? 'matches none of the' : 'matches all of the';
  return (
    `dataset.positiveClass "${positiveClass}" ${what} ${rows} training rows of "${targetColumn}", so there is one class only and no model can be trained` +
    `${near ? ` (values are case-sensitive: did you mean "${near[0]}"?)` : ''}. Values of "${targetColumn}" in the snapshot: ${listed}${more}`
  );
}
