import { parseXgboostOutput } from '../../../lambdas/core/xgboost-output';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { CsvParser } from '../../../lambdas/core/csv/csv-parser';
import { encodeRawFeatures, type FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { seededRandom } from '../trainer/random';

/** Raw records of a CSV with a header, as field arrays in the spec's feature order, and their targets. */
export function rawFeatureRows(csv: Uint8Array, spec: FeatureSpec, source: string): { rows: string[][]; labels: string[] } {
  let columns: number[] | undefined;
  let target = -1;
  const rows: string[][] = [];
  const labels: string[] = [];
  const parser = new CsvParser({
    source,
    onRecord: (record) => {
      if (record.isBlank()) return;
      const fields = record.texts();
      if (!columns) {
        columns = spec.features.map((f) => {
          const index = fields.indexOf(f.name);
          if (index < 0) throw new Error(`${source}: the header has no column "${f.name}"`);
          return index;
        });
        target = fields.indexOf(spec.target.name);
        return;
      }
      rows.push(columns.map((i) => fields[i] ?? ''));
      labels.push(target >= 0 ? (fields[target] ?? '') : '');
    },
  });
  parser.write(csv);
  parser.end();
  return { rows, labels };
}

/**
 * Moves every numeric feature's values by `factor` (what drifted traffic looks like: the same
 * customers, but every usage figure 30 % higher).
 */
export function scaleNumericFeatures(rows: readonly string[][], spec: FeatureSpec, factor: number): string[][] {
  const numeric = spec.features.map((f) => f.type === 'numeric');
  return rows.map((row) => row.map((value, i) => (numeric[i] && value.trim() !== '' ? String(Math.round(Number(value) * factor * 100) / 100) : value)));
}

/** `count` rows drawn with replacement by a seeded generator, so the demo sends the same traffic every time. */
export function resample<T>(rows: readonly T[], count: number, seed: number): T[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => rows[Math.floor(next() * rows.length)]);
}

/**
 * Encodes raw rows with the deployed spec (the serving code path) and sends them in batches; each
 * row's outputs come back ([score], or every class's probability for a multiclass model).
 */
export async function sendTraffic(
  runtime: SageMakerRuntimeClient,
  endpointName: string,
  spec: FeatureSpec,
  rows: readonly string[][],
  batchSize = 100,
): Promise<number[][]> {
  const predictions: number[][] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const body = rows
      .slice(i, i + batchSize)
      .map((row) => encodeRawFeatures(spec, row).join(','))
      .join('\n');
    const response = await runtime.send(
      new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'text/csv', Body: new TextEncoder().encode(body) }),
    );
    predictions.push(...parseXgboostOutput(new TextDecoder().decode(response.Body)));
  }
  return predictions;
}
