import { closeSync, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { processDataset } from '../../../lambdas/core/features/process';
import { writableSink } from '../../../lambdas/core/io/line-sink';
import type { MlopsConfig } from '../../config';
import type { Dataset } from './gbt-trainer';

/** A growable Float32Array: doubles its capacity when full, trimmed to its length at the end. */
class FloatColumn {
  private values = new Float32Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  trimmed(): Float32Array {
    return this.values.slice(0, this.length);
  }
}

/**
 * Each feature's float32 values appended to a file of its own, in blocks: the channel on disk
 * column by column, so the trainer can take one feature at a time into memory.
 */
class ColumnSpill {
  private static readonly BLOCK = 1 << 14;
  private readonly blocks: Float32Array[];
  private readonly fills: number[];
  private readonly descriptors: number[];
  readonly files: string[];

  constructor(directory: string, columns: number) {
    this.files = Array.from({ length: columns }, (_, f) => path.join(directory, `feature-${f}.f32`));
    this.descriptors = this.files.map((file) => openSync(file, 'w'));
    this.blocks = this.files.map(() => new Float32Array(ColumnSpill.BLOCK));
    this.fills = this.files.map(() => 0);
  }

  push(feature: number, value: number): void {
    const block = this.blocks[feature];
    block[this.fills[feature]++] = value;
    if (this.fills[feature] === ColumnSpill.BLOCK) this.flush(feature);
  }

  private flush(feature: number): void {
    const block = this.blocks[feature];
    writeSync(this.descriptors[feature], new Uint8Array(block.buffer, 0, this.fills[feature] * 4));
    this.fills[feature] = 0;
  }

  close(): string[] {
    for (let f = 0; f < this.files.length; f++) {
      this.flush(f);
      closeSync(this.descriptors[f]);
    }
    return this.files;
  }
}

/**
 * Parses SageMaker XGBoost CSV (label first, no header, empty = missing) into a dense dataset, as
 * the bytes arrive: a channel is never held as one string (a string cannot pass 512 MiB in V8, and
 * text takes twice the bytes), only its float32 values, or, with a spill directory, not even those:
 * each feature's values go to a file of their own (the trainer then takes one feature at a time,
 * and holds only the bins). Errors name the object and its line.
 */
export class TrainingCsvParser {
  private readonly features = new FloatColumn();
  private spill?: ColumnSpill;
  private readonly labels = new FloatColumn();
  private readonly decoder = new TextDecoder();
  private columns = -1;
  private pending = '';
  private source = '';
  private line = 0;

  constructor(
    private readonly channel: string,
    /** Where each feature's values are written (a directory the caller removes). @default in memory */
    private readonly spillDirectory?: string,
  ) {}

  /** Starts the next object of the channel (its lines are numbered from 1). */
  begin(source: string): void {
    this.finishObject();
    this.source = source;
    this.line = 0;
  }

  push(chunk: Uint8Array): void {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) this.row(line);
  }

  end(): Dataset {
    this.finishObject();
    const rows = this.labels.length;
    if (rows === 0) throw new Error(`${this.channel}: no rows`);
    if (this.spill) return { columnFiles: this.spill.close(), labels: this.labels.trimmed(), rows, columns: this.columns };
    return { features: this.features.trimmed(), labels: this.labels.trimmed(), rows, columns: this.columns };
  }

  private finishObject(): void {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    if (rest !== '') this.row(rest);
  }

  private where(): string {
    return `${this.channel}${this.source ? ` (${this.source})` : ''}: line ${this.line}`;
  }

  private row(line: string): void {
    this.line++;
    if (line.length === 0) return;
    const fields = line.split(',');
    if (this.columns === -1) {
      this.columns = fields.length - 1;
      if (this.spillDirectory) this.spill = new ColumnSpill(this.spillDirectory, this.columns);
    }
    if (fields.length !== this.columns + 1) throw new Error(`${this.where()} has ${fields.length} fields, expected ${this.columns + 1}`);
    const label = Number(fields[0]);
    if (!Number.isFinite(label)) throw new Error(`${this.where()}: the label "${fields[0]}" is not a number`);
    for (let c = 0; c < this.columns; c++) {
      const text = fields[c + 1];
      const value = text === '' ? Number.NaN : Number(text);
      if (text !== '' && !Number.isFinite(value)) throw new Error(`${this.where()}, column ${c + 2}: "${text}" is not a number`);
      if (this.spill) this.spill.push(c, value);
      else this.features.push(value);
    }
    this.labels.push(label);
  }
}

/** Parses SageMaker XGBoost CSV text held in memory (tests, small data). */
export function parseTrainingCsv(text: string, source: string): Dataset {
  const parser = new TrainingCsvParser(source);
  parser.push(new TextEncoder().encode(text));
  return parser.end();
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
