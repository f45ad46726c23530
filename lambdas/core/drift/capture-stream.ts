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
const TIME = Buffer.from('"inferenceTime":"');
const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;

let lastTimeText = '';
let lastTime = Number.NaN;

const ENCODING_CSV = Buffer.from('","encoding":"CSV"');
const CLOSE_BRACE = 125;

/**
 * The [start, end) of the CSV `data` string of the object that starts at `from`, in the member
 * order SageMaker writes (`..."data":"...","encoding":"CSV"`); undefined for anything else, which
 * then takes the general path. Only the escape "\n" (a batch's row separator) may occur.
 */
function csvData(line: Buffer, from: number): [number, number] | undefined {
  const key = line.indexOf(DATA, from);
  if (key === -1) return undefined;
  // The key must belong to this object: no closing brace between the object's start and it.
  for (let i = from; i < key; i++) if (line[i] === CLOSE_BRACE) return undefined;
  const start = key + DATA.length;
  let stop = start;
  for (; stop < line.length; stop++) {
    const b = line[stop];
    if (b === QUOTE) break;
    if (b === BACKSLASH) {
      if (line[stop + 1] !== 110 /* n */) return undefined;
      stop++;
    }
  }
  if (stop + ENCODING_CSV.length > line.length) return undefined;
  for (let j = 0; j < ENCODING_CSV.length; j++) if (line[stop + j] !== ENCODING_CSV[j]) return undefined;
  return [start, stop];
}

/** SageMaker starts every record with this, and closes the input object right before the output. */
const OPEN_BRACKET = 0x5b;

const RECORD_START = Buffer.from('{"captureData":{"endpointInput":{');
const INPUT_THEN_OUTPUT = Buffer.from('},"endpointOutput":{');

function bytesAt(line: Buffer, at: number, pattern: Buffer): boolean {
  if (at < 0 || at + pattern.length > line.length) return false;
  for (let j = 0; j < pattern.length; j++) if (line[at + j] !== pattern[j]) return false;
  return true;
}

/** Counts one line into the window; false when it needs the general path. */
function scanFast(line: Buffer, start: number, end: number, window: DriftWindow, options: ScanOptions): boolean {
  // The usual layout is checked in place; other member orders are searched for.
  const input = bytesAt(line, start, RECORD_START) ? start + RECORD_START.length - 1 : line.indexOf(INPUT, start);
  if (input === -1 || input >= end) return false;
  const data = csvData(line, input);
  if (!data) return false;
  const afterInput = data[1] + ENCODING_CSV.length;
  const output = bytesAt(line, afterInput, INPUT_THEN_OUTPUT) ? afterInput + 1 : line.indexOf(OUTPUT, start);
  let predictions: [number, number] | undefined;
  if (output !== -1 && output < end) {
    predictions = csvData(line, output);
    // A multi-class output ("[p0, p1, ...]" per row) takes the general path.
    if (!predictions || line[predictions[0]] === OPEN_BRACKET) return false;
  }
  const timeAt = options.from === undefined && options.to === undefined ? -1 : line.indexOf(TIME, start);
  if (timeAt !== -1 && timeAt < end) {
    const timeStart = timeAt + TIME.length;
    const text = line.toString('latin1', timeStart, line.indexOf(QUOTE, timeStart));
    if (text !== lastTimeText) {
      lastTimeText = text;
      lastTime = Date.parse(text);
    }
    if (Number.isFinite(lastTime) && ((options.from !== undefined && lastTime < options.from) || (options.to !== undefined && lastTime >= options.to)))
      return true;
  }
  window.addCsvBytes(line, data[0], data[1], predictions);
  return true;
}

function scanGeneral(text: string, window: DriftWindow, options: ScanOptions): void {
  let record: CapturedRecord = parseCaptureLine(text);
  if (
    record.inferenceTime !== undefined &&
    ((options.from !== undefined && record.inferenceTime < options.from) || (options.to !== undefined && record.inferenceTime >= options.to))
  )
    return;
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
