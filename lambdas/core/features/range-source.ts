import type { RangeReader, RecordRange } from '../io/record-ranges';
import type { DataSource } from './process';

/**
 * A byte range of a file as a DataSource: the file's header bytes [0, headerEnd), then the
 * range's records, numbered by their lines in the whole file.
 */
export function rangeSource(name: string, read: RangeReader, headerEnd: number, range: RecordRange): DataSource {
  return {
    name,
    firstDataLine: range.firstDataLine,
    async *chunks() {
      yield* read(0, headerEnd);
      yield* read(range.start, range.end);
    },
  };
}
