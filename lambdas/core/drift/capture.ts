import { parseNumber } from '../features/values';
import { argmax, EndpointOutputError, parseXgboostOutput } from '../xgboost-output';

/**
 * SageMaker data capture, one JSON record a line:
 *   {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"1,2\n3,4","encoding":"CSV"},
 *                   "endpointOutput":{"observedContentType":"text/csv","mode":"OUTPUT","data":"0.9\n0.1","encoding":"CSV"}},
 *    "eventMetadata":{"eventId":"...","inferenceTime":"..."},"eventVersion":"0"}
 * A record's input may hold several rows (a batch request); CSV, JSON and BASE64 encodings occur.
 * The endpoint receives encoded features (numbers), so CSV fields are split on commas.
 */

export interface CapturedRecord {
  /** The feature rows of the request. */
  readonly rows: string[][];
  /** One prediction per row: the score, or a multiclass model's most probable class index (empty when the output was not captured). */
  readonly predictions: number[];
  /** eventMetadata.inferenceTime, epoch ms, when present. */
  readonly inferenceTime?: number;
}

export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
}

interface CapturePart {
  readonly observedContentType?: string;
  readonly data?: unknown;
  readonly encoding?: string;
}

function decode(part: CapturePart, what: string): { text: string; json: boolean } {
  if (typeof part.data !== 'string') throw new CaptureFormatError(`${what}.data is missing`);
  const type = (part.observedContentType ?? '').toLowerCase();
  const json = type.includes('json') || part.encoding === 'JSON';
  switch (part.encoding) {
    case 'CSV':
    case 'JSON':
      return { text: part.data, json };
    case 'BASE64':
      return { text: Buffer.from(part.data, 'base64').toString('utf8'), json };
    default:
      throw new CaptureFormatError(`${what}.encoding ${JSON.stringify(part.encoding)} is not CSV, JSON or BASE64`);
  }
}

function csvRows(text: string): string[][] {
  // The common case, one row per request, without the split/map/filter chain.
  if (!text.includes('\n')) return text.length === 0 ? [] : [(text.endsWith('\r') ? text.slice(0, -1) : text).split(',')];
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.length > 0)
    .map((line) => line.split(','));
}

/** JSON inputs: [..] (one row), [[..],[..]], {"instances":[[..]]} or {"instances":[{"features":[..]}]}. */
function jsonRows(text: string): string[][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CaptureFormatError('input data is not valid JSON');
  }
  const instances = value && typeof value === 'object' && !Array.isArray(value) ? (value as { instances?: unknown }).instances : value;
  if (!Array.isArray(instances)) throw new CaptureFormatError('JSON input is neither an array nor {"instances": [...]}');
  const rows = instances.length > 0 && !Array.isArray(instances[0]) && typeof instances[0] !== 'object' ? [instances] : instances;
  return rows.map((row) => {
    const features = Array.isArray(row) ? row : (row as { features?: unknown })?.features;
    if (!Array.isArray(features)) throw new CaptureFormatError('a JSON instance has no feature array');
    return features.map((v) => (v === null || v === undefined ? '' : String(v)));
  });
}

/**
 * Predictions: CSV numbers (one per line or comma-separated), or JSON number / array / {"predictions":[...]}.
 * A multi-class output ("[p0, p1, ...]" per row) gives each row's most probable class index.
 */
function predictions(text: string, json: boolean): number[] {
  if (!json && text.trimStart().startsWith('[')) {
    try {
      return parseXgboostOutput(text).map((row) => argmax(row));
    } catch (err) {
      if (err instanceof EndpointOutputError) throw new CaptureFormatError(`a prediction is not a number (${err.message})`);
      throw err;
    }
  }
  if (!json)
    return text
      .split(/[\n,]/)
      .filter((t) => t.trim() !== '')
      .map((t) => parseNumber(t.trim()) ?? Number.NaN);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CaptureFormatError('output data is not valid JSON');
  }
  const list = value && typeof value === 'object' && !Array.isArray(value) ? (value as { predictions?: unknown }).predictions : value;
  const items = Array.isArray(list) ? list : [list];
  return items.map((item) => Number(item && typeof item === 'object' ? (item as { score?: unknown }).score : item));
}

/** Parses one capture line; throws CaptureFormatError when it cannot be used. */
export function parseCaptureLine(line: string): CapturedRecord {
  let record: { captureData?: { endpointInput?: CapturePart; endpointOutput?: CapturePart }; eventMetadata?: { inferenceTime?: string } };
  try {
    record = JSON.parse(line);
  } catch {
    throw new CaptureFormatError('not valid JSON');
  }
  const input = record?.captureData?.endpointInput;
  if (!input) throw new CaptureFormatError('captureData.endpointInput is missing');
  const decodedInput = decode(input, 'endpointInput');
  const rows = decodedInput.json ? jsonRows(decodedInput.text) : csvRows(decodedInput.text);
  const output = record.captureData?.endpointOutput;
  let scores: number[] = [];
  if (output) {
    const decodedOutput = decode(output, 'endpointOutput');
    scores = predictions(decodedOutput.text, decodedOutput.json);
    if (scores.some((s) => !Number.isFinite(s))) throw new CaptureFormatError('a prediction is not a number');
    if (scores.length !== rows.length) throw new CaptureFormatError(`${rows.length} input rows but ${scores.length} predictions`);
  }
  const time = record.eventMetadata?.inferenceTime ? Date.parse(record.eventMetadata.inferenceTime) : Number.NaN;
  return Number.isFinite(time) ? { rows, predictions: scores, inferenceTime: time } : { rows, predictions: scores };
}

/** One capture line exactly as SageMaker writes it for a CSV request and response. */
export function formatCaptureRecord(input: string, output: string, eventId: string, inferenceTime: Date): string {
  return JSON.stringify({
    captureData: {
      endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: input, encoding: 'CSV' },
      endpointOutput: { observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', data: output, encoding: 'CSV' },
    },
    eventMetadata: { eventId, inferenceTime: inferenceTime.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    eventVersion: '0',
  });
}

/** The key SageMaker writes capture files under: <prefix><endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl */
export function captureObjectKey(prefix: string, endpointName: string, variant: string, time: Date, fileName: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${prefix}${endpointName}/${variant}/${time.getUTCFullYear()}/${pad(time.getUTCMonth() + 1)}/${pad(time.getUTCDate())}/${pad(time.getUTCHours())}/${fileName}.jsonl`;
}
