import { Writable } from 'node:stream';
import { processDataset } from '../../../lambdas/core/features/process';
import { writableSink } from '../../../lambdas/core/io/line-sink';
import type { MlopsConfig } from '../../config';
import type { Dataset } from './gbt-trainer';

/** Parses SageMaker XGBoost CSV (label first, no header, empty = missing) into a dense dataset. */
export function parseTrainingCsv(text: string, source: string): Dataset {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error(`${source}: no rows`);
  const columns = lines[0].split(',').length - 1;
  const features = new Float32Array(lines.length * columns);
  const labels = new Float32Array(lines.length);
  lines.forEach((line, r) => {
    const fields = line.split(',');
    if (fields.length !== columns + 1) throw new Error(`${source}: line ${r + 1} has ${fields.length} fields, expected ${columns + 1}`);
    labels[r] = Number(fields[0]);
    for (let c = 0; c < columns; c++) {
      const text = fields[c + 1];
      const value = text === '' ? Number.NaN : Number(text);
      if (text !== '' && !Number.isFinite(value)) throw new Error(`${source}: line ${r + 1}, column ${c + 2}: "${text}" is not a number`);
      features[r * columns + c] = value;
    }
    if (!Number.isFinite(labels[r])) throw new Error(`${source}: line ${r + 1}: the label "${fields[0]}" is not a number`);
  });
  return { features, labels, rows: lines.length, columns };
}

/** Runs the project's feature processing on CSV bytes and returns the train/validation datasets. */
export async function featuresOf(
  csv: Uint8Array,
  config: MlopsConfig,
): Promise<{ train: Dataset; validation: Dataset; trainCsv: string; validationCsv: string }> {
  const collect = () => {
    const chunks: Buffer[] = [];
    const sink = writableSink(new Writable({ write: (c: Buffer, _e, done) => void (chunks.push(Buffer.from(c)), done()) }));
    return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const train = collect();
  const validation = collect();
  const quarantine = collect();
  await processDataset(
    [
      {
        name: 'sample',
        chunks: async function* () {
          yield csv;
        },
      },
    ],
    { train: train.sink, validation: validation.sink, quarantine: quarantine.sink },
    {
      dataset: config.dataset,
      features: config.features,
      maxBadRowShare: config.retraining.maxBadRowShare,
    },
  );
  await Promise.all([train.sink.close(), validation.sink.close(), quarantine.sink.close()]);
  return {
    train: parseTrainingCsv(train.text(), 'train'),
    validation: parseTrainingCsv(validation.text(), 'validation'),
    trainCsv: train.text(),
    validationCsv: validation.text(),
  };
}
