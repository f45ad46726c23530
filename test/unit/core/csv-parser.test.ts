import { CsvFormatError, CsvParser } from '../../../lambdas/core/csv/csv-parser';

/** Parses `input` fed in chunks of `chunkSize` bytes (to exercise records split across chunks). */
function parse(input: string | Uint8Array, chunkSize = Infinity, maxRecordLength?: number): [string[], number][] {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const records: [string[], number][] = [];
  const parser = new CsvParser({ source: 'test.csv', maxRecordLength, onRecord: (record) => void records.push([record.texts(), record.line]) });
  const step = Number.isFinite(chunkSize) ? chunkSize : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) parser.write(bytes.subarray(i, i + step));
  parser.end();
  return records;
}

function parseError(input: string | Uint8Array, maxRecordLength?: number): CsvFormatError {
  try {
    parse(input, Infinity, maxRecordLength);
  } catch (err) {
    if (err instanceof CsvFormatError) return err;
    throw err;
  }
  throw new Error('expected a CsvFormatError');
}

describe('CsvParser', () => {
  test.each<[string, string, [string[], number][]]>([
    [
      'plain LF',
      'a,b\n1,2\n',
      [
        [['a', 'b'], 1],
        [['1', '2'], 2],
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        [['a', 'b'], 1],
        [['1', '2'], 2],
      ],
    ],
    [
      'a lone CR line end',
      'a,b\r1,2',
      [
        [['a', 'b'], 1],
        [['1', '2'], 2],
      ],
    ],
    [
      'no final line end',
      'a,b\n1,2',
      [
        [['a', 'b'], 1],
        [['1', '2'], 2],
      ],
    ],
    [
      'quoted fields',
      '"a","b"\n"x, y","z"\n',
      [
        [['a', 'b'], 1],
        [['x, y', 'z'], 2],
      ],
    ],
    [
      'escaped quotes',
      'a\n"say ""hi"""\n',
      [
        [['a'], 1],
        [['say "hi"'], 2],
      ],
    ],
    [
      'an embedded newline keeps line numbers right',
      'a,b\n"line1\nline2",x\n3,4\n',
      [
        [['a', 'b'], 1],
        [['line1\nline2', 'x'], 2],
        [['3', '4'], 4],
      ],
    ],
    [
      'embedded CRLF and CR beside doubled quotes count as line ends',
      'a,b\n"x\r\ny ""q""\rz",1\n5,6\n',
      [
        [['a', 'b'], 1],
        [['x\r\ny "q"\rz', '1'], 2],
        [['5', '6'], 5],
      ],
    ],
    [
      'an embedded CRLF',
      'a\r\n"p\r\nq"\r\nz\r\n',
      [
        [['a'], 1],
        [['p\r\nq'], 2],
        [['z'], 4],
      ],
    ],
    [
      'a UTF-8 BOM',
      '\uFEFFa,b\n1,2\n',
      [
        [['a', 'b'], 1],
        [['1', '2'], 2],
      ],
    ],
    [
      'empty lines are empty records',
      'a\n\n1\n',
      [
        [['a'], 1],
        [[''], 2],
        [['1'], 3],
      ],
    ],
    [
      'a trailing delimiter gives an empty last field',
      'a,b,\n1,2,\n',
      [
        [['a', 'b', ''], 1],
        [['1', '2', ''], 2],
      ],
    ],
    ['a trailing delimiter at end of input', 'a,b,', [[['a', 'b', ''], 1]]],
    ['empty quoted and unquoted fields', '"",,x\n', [[['', '', 'x'], 1]]],
    [
      'multi-byte UTF-8',
      'name\nZoë 東京\n',
      [
        [['name'], 1],
        [['Zoë 東京'], 2],
      ],
    ],
  ])('GIVEN %s THEN the records and their line numbers are exact, whatever the chunking', (_case, input, expected) => {
    for (const chunkSize of [Infinity, 1, 2, 3, 7]) expect(parse(input, chunkSize)).toEqual(expected);
  });

  test('GIVEN an empty input THEN there are no records', () => {
    expect(parse('')).toEqual([]);
  });

  test('GIVEN a quote inside an unquoted field THEN the error gives line and column', () => {
    const err = parseError('a,b\n1,x"y\n');
    expect(err.message).toBe('test.csv: line 2, column 2: a quote inside an unquoted field (quote the whole field and double the quote)');
  });

  test('GIVEN text after a closing quote THEN the error gives line and column', () => {
    expect(parseError('a,b\n"x"y,1\n').message).toBe('test.csv: line 2, column 1: unexpected character "y" after a closing quote');
  });

  test('GIVEN a quoted field that is never closed THEN the error gives the line it starts on', () => {
    expect(parseError('a\n1\n"open\nmore\n').message).toBe('test.csv: line 3, column 1: a quoted field is never closed');
  });

  test('GIVEN bytes that are not UTF-8 THEN the error gives the line and byte offset', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('a,b\n1,2\n3,'), 0xff, 0xfe, ...new TextEncoder().encode('\n')]);
    expect(parseError(bytes).message).toBe('test.csv: line 3: not valid UTF-8 (byte offset 10); save the file as UTF-8');
  });

  test('GIVEN a file cut inside a multi-byte character THEN the error says so', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('a\n'), 0xe6, 0x9d]);
    expect(parseError(bytes).message).toBe('test.csv: line 2: not valid UTF-8: the file ends inside a multi-byte character');
  });

  test('GIVEN a line longer than the limit THEN the error names its line, even before it ends', () => {
    expect(parseError(`a\n${'x'.repeat(100)}\n`, 50).message).toBe(
      'test.csv: line 2: a record is longer than the limit of 50 characters (a missing closing quote, or not a CSV file?)',
    );
    const parser = new CsvParser({ source: 'big.csv', maxRecordLength: 50, onRecord: () => undefined });
    parser.write(new TextEncoder().encode('a\n'));
    expect(() => parser.write(new TextEncoder().encode('"'.padEnd(80, 'x')))).toThrow(
      'big.csv: line 2: a record is longer than the limit of 50 characters (a missing closing quote, or not a CSV file?)',
    );
  });
});

describe('CsvRecord', () => {
  test.each([
    ['a,"b"\n', 'a,"b"'],
    ['x,y\r\n', 'x,y'],
    ['"q"', '"q"'],
    ['a,b,', 'a,b,'],
  ])('GIVEN %j THEN the record range covers the record as written, without its line end', (input, expected) => {
    const ranges: string[] = [];
    const parser = new CsvParser({ source: 't', onRecord: (r) => void ranges.push(new TextDecoder().decode(r.bytes.subarray(r.begin, r.end))) });
    parser.write(new TextEncoder().encode(input));
    parser.end();
    expect(ranges).toEqual([expected]);
  });

  test('GIVEN fields with spaces and escapes THEN trimmedText and text differ as they should', () => {
    const seen: [string, string][] = [];
    const parser = new CsvParser({ source: 't', onRecord: (r) => void seen.push([r.text(0), r.trimmedText(0)], [r.text(1), r.trimmedText(1)]) });
    parser.write(new TextEncoder().encode(' a ,"say ""x"" "\n'));
    parser.end();
    expect(seen).toEqual([
      [' a ', 'a'],
      ['say "x" ', 'say "x"'],
    ]);
  });
});
