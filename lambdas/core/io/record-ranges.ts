/**
 * Splits a CSV file into byte ranges that start and end on record boundaries, so that shards of
 * one large file can be processed apart. A line feed ends a record only outside a quoted field,
 * and whether a byte is inside quotes depends on the parity of every quote before it in the file;
 * so each segment is scanned on its own (in parallel) for its quote count, its line ends and its
 * first line feed under both parities, and the segments' results are then combined in order: the
 * parity at each segment's start is known from the counts before it, and picks its boundary.
 * Exact for every file the CSV parser reads (a quote outside a quoted field is a format error).
 */

/** One range of records: bytes [start, end), whose first record is on line `firstDataLine` of the file. */
export interface RecordRange {
  readonly start: number;
  readonly end: number;
  readonly firstDataLine: number;
}

export interface FileRanges {
  /** Where the header record ends (after its line feed): every range is read after bytes [0, headerEnd). */
  readonly headerEnd: number;
  readonly ranges: readonly RecordRange[];
}

/** Reads bytes [start, end) of the file. */
export type RangeReader = (start: number, end: number) => AsyncIterable<Uint8Array>;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** A boundary candidate: the offset after a line feed, and the segment's line ends up to it (itself included). */
interface Candidate {
  readonly at: number;
  readonly lineEndsThrough: number;
}

interface SegmentScan {
  readonly quotes: number;
  /** Line ends as the parser counts them: LF, CR LF, or a CR alone. */
  readonly lineEnds: number;
  /** The first line feed outside quotes if the segment starts outside quotes [0], or inside [1]. */
  readonly first: readonly [Candidate | undefined, Candidate | undefined];
}

/**
 * The ranges of about `rangeBytes` each (a range ends at the first record boundary after each
 * multiple of rangeBytes). undefined when the file cannot be split: it has no record boundary
 * after its header, or only blank space after it.
 */
export async function recordRanges(size: number, rangeBytes: number, read: RangeReader, concurrency = 8): Promise<FileRanges | undefined> {
  if (!(rangeBytes >= 1)) throw new Error(`recordRanges: rangeBytes must be at least 1, got ${rangeBytes}`);
  const segments = Math.max(1, Math.ceil(size / rangeBytes));
  const scans = new Array<SegmentScan>(segments);
  let next = 0;
  const worker = async () => {
    while (next < segments) {
      const k = next++;
      const start = k * rangeBytes;
      const end = Math.min(size, start + rangeBytes);
      // One byte more: whether a CR at the segment's end is followed by LF (then it is one line end, not two).
      scans[k] = await scanSegment(read(start, Math.min(size, end + 1)), end - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, segments) }, worker));

  const cuts: { at: number; line: number }[] = [];
  let parity = 0;
  let lineEnds = 0;
  scans.forEach((scan, k) => {
    const candidate = scan.first[parity];
    if (candidate) cuts.push({ at: k * rangeBytes + candidate.at, line: lineEnds + candidate.lineEndsThrough + 1 });
    parity ^= scan.quotes & 1;
    lineEnds += scan.lineEnds;
  });
  if (cuts.length === 0 || cuts[0].at >= size) return undefined;
  const ranges: RecordRange[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const end = i + 1 < cuts.length ? cuts[i + 1].at : size;
    if (end > cuts[i].at) ranges.push({ start: cuts[i].at, end, firstDataLine: cuts[i].line });
  }
  return { headerEnd: cuts[0].at, ranges };
}

/** Scans `length` bytes (the stream may hold one byte more: the next segment's first). */
async function scanSegment(chunks: AsyncIterable<Uint8Array>, length: number): Promise<SegmentScan> {
  let quotes = 0;
  let lineEnds = 0;
  let inQuotes = false; // assuming the segment starts outside quotes; the other parity is its negation
  let outside: Candidate | undefined;
  let inside: Candidate | undefined;
  let offset = 0;
  // A CR is a line end of its own unless an LF follows; the byte after a chunk's last CR is in the next chunk.
  let crPending = false;
  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Only this segment's bytes count; the byte after it only tells whether its last CR is followed by LF.
    const own = Math.max(0, Math.min(bytes.length, length - offset));
    if (crPending && bytes.length > 0) {
      if (bytes[0] !== LF) lineEnds++;
      crPending = false;
    }
    const lineEndAtCr = (k: number): number => {
      if (k + 1 < bytes.length) return bytes[k + 1] === LF ? 0 : 1;
      crPending = true;
      return 0;
    };
    let i = 0;
    // Byte by byte until both candidates are found (within a record or two), then by search.
    for (; i < own && (outside === undefined || inside === undefined); i++) {
      const b = bytes[i];
      if (b === QUOTE) {
        quotes++;
        inQuotes = !inQuotes;
      } else if (b === LF) {
        lineEnds++;
        const candidate = { at: offset + i + 1, lineEndsThrough: lineEnds };
        if (!inQuotes) outside ??= candidate;
        else inside ??= candidate;
      } else if (b === CR) lineEnds += lineEndAtCr(i);
    }
    if (i < own) {
      const rest = bytes.subarray(i, own);
      quotes += countByte(rest, QUOTE);
      lineEnds += countByte(rest, LF);
      for (let at = rest.indexOf(CR); at !== -1; at = rest.indexOf(CR, at + 1)) lineEnds += lineEndAtCr(i + at);
    }
    offset += bytes.length;
  }
  if (crPending) lineEnds++;
  return { quotes, lineEnds, first: [outside, inside] };
}

function countByte(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let at = bytes.indexOf(byte); at !== -1; at = bytes.indexOf(byte, at + 1)) n++;
  return n;
}
