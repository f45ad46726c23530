import type { MlopsConfig } from '../../contracts/config/resolve';
import { CsvParser } from '../csv/csv-parser';
import type { FeatureSpec } from './feature-spec';
import { planFile, TypedRow, validateRecord, type FilePlan } from './validate';

type Dataset = MlopsConfig['dataset'];

/** One problem of a record to score: which record (1-based, after the header), its line, the column and why. */
export interface RecordProblem {
  readonly record: number;
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

/** Records refused before anything is scored: every problem of every record, as training would have quarantined them. */
export class ServingRecordsError extends Error {
  override readonly name = 'ServingRecordsError';
  constructor(
    readonly source: string,
    readonly records: number,
    readonly problems: readonly RecordProblem[],
  ) {
    const bad = new Set(problems.map((p) => p.record)).size;
    const shown = problems
      .slice(0, MAX_SHOWN)
      .map((p) => `record ${p.record} (line ${p.line}): ${p.column}${p.value === '' ? '' : ` "${p.value}"`}: ${p.reason}`);
    const more = problems.length > MAX_SHOWN ? `; and ${problems.length - MAX_SHOWN} more` : '';
    super(`${source}: ${bad} of ${records} records cannot be scored (nothing was scored): ${shown.join('; ')}${more}`);
  }
}

const MAX_SHOWN = 20;

/**
 * Raw records to score (CSV with a header), checked by the code that validated the training data
 * (`validateRecord`, with the data set's rules for the model's features: types, required, ranges,
 * allowed values, field count) and returned as their features' texts in the spec's order, ready
 * for `encodeRawFeatures`. The target and any column the model does not use may be present or not.
 * Any problem refuses the whole input (ServingRecordsError lists them all): nothing is scored in part.
 */
export function servingRecords(csv: Uint8Array, dataset: Dataset, spec: FeatureSpec, source: string): string[][] {
  const used = new Set(spec.features.map((f) => f.name));
  const served: Dataset = { ...dataset, columns: dataset.columns.filter((c) => used.has(c.name)) };
  const missing = spec.features.filter((f) => !served.columns.some((c) => c.name === f.name));
  if (missing.length > 0) throw new Error(`the data set's config has no column for the model's feature(s) ${missing.map((f) => `"${f.name}"`).join(', ')}`);
  let plan: FilePlan | undefined;
  let order: number[] = [];
  let row: TypedRow | undefined;
  let records = 0;
  const rows: string[][] = [];
  const problems: RecordProblem[] = [];
  const parser = new CsvParser({
    source,
    onRecord: (record) => {
      if (record.isBlank()) return;
      if (!plan) {
        plan = planFile(record.texts(), served, source);
        // The spec's feature order, as positions in the plan's (config-ordered) columns.
        order = spec.features.map((f) => plan!.columns.findIndex((c) => c.name === f.name));
        row = new TypedRow(plan.columns.length);
        return;
      }
      records++;
      const issues = validateRecord(plan, record, row!);
      if (issues) {
        for (const issue of issues) problems.push({ record: records, line: record.line, ...issue });
        return;
      }
      rows.push(order.map((i) => record.trimmedText(plan!.columns[i].index)));
    },
  });
  parser.write(csv);
  parser.end();
  if (!plan) throw new Error(`${source}: no header line`);
  if (problems.length > 0) throw new ServingRecordsError(source, records, problems);
  return rows;
}
