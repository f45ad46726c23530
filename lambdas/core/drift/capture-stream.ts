import { CaptureFormatError, parseCaptureLine, type CapturedRecord } from './capture';
import type { DriftWindow } from './drift-window';

/**
 * Streams capture files into a drift window. SageMaker's CSV capture records (the common case)
 * are read straight from the bytes: the `data` members are located with Buffer.indexOf and their
 * numbers parsed in place, with no string per line or field. Any other record shape goes through
 * parseCaptureLine; both paths count exactly the same values (tests compare them).
 */

export interface ScanOptions {
  /** Names the file in corrupted-line reports. */
  readonly file: string;
  /** Only records with an inferenceTime in [from, to) count (epoch ms); records without one always count. */
  readonly from?: number;
  readonly to?: number;
  /** Reshapes rows before counting (e.g. drops features the baseline lacks); forces the general path. */
  readonly transformRows?: (rows: string[][]) => string[][];
}

const INPUT = Buffer.from('"endpointInput":{');
const OUTPUT = Buffer.from('"endpointOutput":{');
const DATA = Buffer.from('"data":"');
const CSV = Buffer.from('"encoding":"CSV"');
const TIME = Buffer.from('"inferenceTime":"');
const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;


let lastTimeText = '';
let lastTime = Number.NaN;

/** The [start, end) of a member string `"data":"..."` inside the object starting at `from`, if plainly CSV. */
function csvData(line: Buffer, from: number, end: number): [number, number] | undefined {
  const close = line.indexOf(125 /* } */, from);
  if (close === -1 || close > end) return undefined;
  const key = line.indexOf(DATA, from);
  const encoding = line.indexOf(CSV, from);
  if (key === -1 || key > close || encoding === -1 || encoding > close) return undefined;
  const start = key + DATA.length;
  const stop = line.indexOf(QUOTE, start);
  if (stop === -1 || stop > close) return undefined;
  // Only "\n" (the row separator of a batch) may be escaped; anything else takes the general path.
  for (let i = line.indexOf(BACKSLASH, start); i !== -1 && i < stop; i = line.indexOf(BACKSLASH, i + 2)) {
    if (line[i + 1] !== 110 /* n */ || i + 1 >= stop) return undefined;
  }
  return [start, stop];
}

/** Counts one line into the window; false when it needs the general path. */
function scanFast(line: Buffer, start: number, end: number, window: DriftWindow, options: ScanOptions): boolean {
  const input = line.indexOf(INPUT, start);
  if (input === -1 || input >= end) return false;
  const data = csvData(line, input, end);
  if (!data) return false;
  const output = line.indexOf(OUTPUT, start);
  let predictions: [number, number] | undefined;
  if (output !== -1 && output < end) {
    predictions = csvData(line, output, end);
    if (!predictions) return false;
  }
  const timeAt = line.indexOf(TIME, start);
  if (timeAt !== -1 && timeAt < end && (options.from !== undefined || options.to !== undefined)) {
    const timeStart = timeAt + TIME.length;
    const text = line.toString('latin1', timeStart, line.indexOf(QUOTE, timeStart));
    if (text !== lastTimeText) {
      lastTimeText = text;
      lastTime = Date.parse(text);
    }
    if (Number.isFinite(lastTime) && ((options.from !== undefined && lastTime < options.from) || (options.to !== undefined && lastTime >= options.to))) return true;
  }
  window.addCsvBytes(line, data[0], data[1], predictions);
  return true;
}

function scanGeneral(text: string, window: DriftWindow, options: ScanOptions): void {
  let record: CapturedRecord = parseCaptureLine(text);
  if (record.inferenceTime !== undefined && ((options.from !== undefined && record.inferenceTime < options.from) || (options.to !== undefined && record.inferenceTime >= options.to))) return;
  if (options.transformRows) record = { ...record, rows: options.transformRows(record.rows) };
  window.add(record);
}

export async function scanCapture(chunks: AsyncIterable<Uint8Array>, window: DriftWindow, options: ScanOptions): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  let lineNumber = 0;
  const handle = (buffer: Buffer, start: number, end: number) => {
    lineNumber++;
    let stop = end;
    if (stop > start && buffer[stop - 1] === 13) stop--;
    if (stop === start) return;
    // A view of just this line, so every indexOf below stops at its end, not the chunk's.
    const line = buffer.subarray(start, stop);
    try {
      if (options.transformRows || !scanFast(line, 0, line.length, window, options)) scanGeneral(line.toString('utf8'), window, options);
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) throw err;
      window.addCorrupted(options.file, lineNumber, err.message);
    }
  };
  for await (const chunk of chunks) {
    const buffer = carry.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let end = buffer.indexOf(LF); end !== -1; end = buffer.indexOf(LF, start)) {
      handle(buffer, start, end);
      start = end + 1;
    }
    carry = Buffer.from(buffer.subarray(start));
  }
  if (carry.length > 0) handle(carry, 0, carry.length);
}
