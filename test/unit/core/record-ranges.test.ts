import { recordRanges, type RangeReader } from '../../../lambdas/core/io/record-ranges';

function reader(text: string, chunk = 3): { read: RangeReader; size: number; bytes: Uint8Array } {
  const bytes = new TextEncoder().encode(text);
  return {
    bytes,
    size: bytes.length,
    read: async function* (start, end) {
      for (let at = start; at < end; at += chunk) yield bytes.subarray(at, Math.min(end, at + chunk));
    },
  };
}

const slices = (bytes: Uint8Array, ranges: { start: number; end: number }[]) => ranges.map((r) => new TextDecoder().decode(bytes.subarray(r.start, r.end)));

describe('recordRanges', () => {
  test('GIVEN a cut inside a quoted field with a line break THEN the range ends after that record, and lines count from the file', async () => {
    const text = 'h1,h2\na,"x\ny"\nb,2\nc,3\n';
    const { read, size, bytes } = reader(text);
    // A segment starts at byte 10, inside "x\ny": its first line feed (byte 11) is inside quotes.
    const ranges = (await recordRanges(size, 5, read, 2))!;
    expect(ranges.headerEnd).toBe(6);
    expect(slices(bytes, ranges.ranges as never)).toEqual(['a,"x\ny"\n', 'b,2\n', 'c,3\n']);
    expect(ranges.ranges.map((r) => r.firstDataLine)).toEqual([2, 4, 5]);
  });

  test('GIVEN CR LF, lone CR and LF line ends THEN first lines are counted as the parser counts them (CR LF is one line end)', async () => {
    const text = 'h\r\na\rb\r\nc\nd\n';
    const { read, size, bytes } = reader(text, 1);
    const ranges = (await recordRanges(size, 4, read))!;
    expect(slices(bytes, ranges.ranges as never)).toEqual(['a\rb\r\n', 'c\n', 'd\n']);
    expect(ranges.ranges.map((r) => r.firstDataLine)).toEqual([2, 4, 5]);
  });

  test('GIVEN a file with no line feed after its header, or only a header THEN it is not split', async () => {
    for (const text of ['h1,h2', 'h1,h2\n', 'h\ra\rb\r']) {
      const { read, size } = reader(text);
      expect(await recordRanges(size, 2, read)).toBeUndefined();
    }
  });

  test('GIVEN a range size of 0 THEN it is refused', async () => {
    const { read, size } = reader('h\na\n');
    await expect(recordRanges(size, 0, read)).rejects.toThrow('rangeBytes must be at least 1');
  });
});
