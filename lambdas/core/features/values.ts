/** How raw CSV text becomes typed values, shared by validation at training time and serving. */
import type { CsvRecord } from '../csv/csv-parser';
export { foldAsciiCase } from '../../contracts/config/category-case';

const TRUE_TOKENS = new Set(['yes', 'true', '1', 'y', 't']);
const FALSE_TOKENS = new Set(['no', 'false', '0', 'n', 'f']);

/**
 * Whether a trimmed text means "no value": empty, NA, N/A, NaN, nan, null or NULL (README "Data
 * contracts"). Compares instead of hashing: this runs per field.
 */
export function isMissing(text: string): boolean {
  switch (text.length) {
    case 0:
      return true;
    case 2:
      return text === 'NA';
    case 3:
      return text === 'N/A' || text === 'NaN' || text === 'nan';
    case 4:
      return text === 'null' || text === 'NULL';
    default:
      return false;
  }
}

/** String.prototype.trim, skipped when there is nothing to trim (the common case). */
export function trimField(text: string): string {
  const n = text.length;
  return n === 0 || (text.charCodeAt(0) > 32 && text.charCodeAt(n - 1) > 32) ? text : text.trim();
}

/**
 * A decimal number such as "-1.5e3" (no hex/binary/octal literals, no "Infinity", no empty
 * text), or undefined. Number() does the conversion; the checks reject what it accepts beyond that.
 */
export function parseNumber(text: string): number | undefined {
  const fast = parsePlainDecimal(text);
  if (fast !== undefined) return fast;
  const value = Number(text);
  if (!Number.isFinite(value) || text.length === 0) return undefined;
  const last = text.charCodeAt(text.length - 1);
  if (last !== 46 && (last < 48 || last > 57)) return undefined; // must end in a digit or "."
  if (text.length > 1 && (text.charCodeAt(1) | 32) >= 98 && /^[+-]?0[box]/i.test(text)) return undefined;
  if (text.charCodeAt(0) <= 32) return undefined; // Number() ignores surrounding white space
  return value;
}

/** yes/no, true/false, y/n, t/f, 1/0 in any case → 1/0, or undefined. */
export function parseBoolean(text: string): 0 | 1 | undefined {
  const lower = text.toLowerCase();
  if (TRUE_TOKENS.has(lower)) return 1;
  if (FALSE_TOKENS.has(lower)) return 0;
  return undefined;
}

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Fast path for plain decimals ("-12.345"): at most 15 digits, so the digits form an exact integer
 * and one division by an exact power of ten is correctly rounded, giving exactly Number(text).
 * Anything else (exponents, long numbers, odd text) returns undefined for the general path.
 */
function parsePlainDecimal(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 17) return undefined;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  let digits = 0;
  let mantissa = 0;
  let scale = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    } else if (c === 46 && scale === -1) {
      scale = 0;
      continue;
    } else return undefined;
    if (scale !== -1) scale++;
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = scale > 0 ? mantissa / POWERS_OF_TEN[scale] : mantissa;
  return negative ? -value : value;
}

/*
 * Byte versions of the same rules, for the streaming path (no string per field). Each handles the
 * common plain-ASCII forms itself and defers anything else to the text version above, so both
 * paths accept exactly the same values.
 */

/** isMissing over bytes[start, end) (already trimmed), byte by byte: it runs for every field the general path checks. */
export function isMissingBytes(bytes: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return true;
  if (n < 2 || n > 4) return false;
  const b0 = bytes[start];
  const b1 = bytes[start + 1];
  if (n === 2) return b0 === N && b1 === A; // NA
  const b2 = bytes[start + 2];
  if (n === 3) return (b0 === N && ((b1 === SLASH && b2 === A) || (b1 === LOWER_A && b2 === N))) || (b0 === LOWER_N && b1 === LOWER_A && b2 === LOWER_N); // N/A NaN nan
  const b3 = bytes[start + 3];
  return (b0 === LOWER_N && b1 === LOWER_U && b2 === LOWER_L && b3 === LOWER_L) || (b0 === N && b1 === U && b2 === L && b3 === L); // null NULL
}

const [N, A, U, L, SLASH] = [78, 65, 85, 76, 47];
const [LOWER_N, LOWER_A, LOWER_U, LOWER_L] = [110, 97, 117, 108];

/** parseNumber over bytes[start, end); `text` supplies the field's text for the general path. */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number, text: () => string): number | undefined {
  const plain = plainDecimalBytes(bytes, start, end);
  return Number.isNaN(plain) ? parseNumber(text()) : plain;
}

/**
 * A plain decimal ("-12.5", at most 15 digits) read from bytes exactly as Number() would read it,
 * or NaN when the text is anything else (the caller then takes the general path).
 */
export function plainDecimalBytes(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n > 0 && n <= 16) {
    let i = start;
    let negative = false;
    if (bytes[i] === 45) {
      negative = true;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = -1;
    let plain = i < end;
    for (; i < end; i++) {
      const c = bytes[i];
      if (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        if (scale !== -1) scale++;
      } else if (c === 46 && scale === -1) scale = 0;
      else {
        plain = false;
        break;
      }
    }
    if (plain && digits > 0 && digits <= 15) {
      const value = scale > 0 ? mantissa / POWERS_OF_TEN[scale] : mantissa;
      return negative ? -value : value;
    }
  }
  return Number.NaN;
}

/**
 * A field's number (parseNumber's rules), or NaN when it is not one. Plain decimals are read from
 * the bytes; anything else goes through the text. No closure per field: this runs per value.
 */
export function numberField(record: CsvRecord, i: number): number {
  const plain = plainDecimalBytes(record.bytes, record.trimmedStart(i), record.trimmedEnd(i));
  return Number.isNaN(plain) ? (parseNumber(record.trimmedText(i)) ?? Number.NaN) : plain;
}

/** A field's boolean (parseBoolean's rules) as 1/0, or -1 when it is not one. */
export function booleanField(record: CsvRecord, i: number): number {
  const bytes = record.bytes;
  const start = record.trimmedStart(i);
  const n = record.trimmedEnd(i) - start;
  const b0 = bytes[start];
  if (n === 1 && b0 === 49) return 1;
  if (n === 1 && b0 === 48) return 0;
  if (n === 3 && b0 === 121 && bytes[start + 1] === 101 && bytes[start + 2] === 115) return 1; // yes
  if (n === 2 && b0 === 110 && bytes[start + 1] === 111) return 0; // no
  return parseBoolean(record.trimmedText(i)) ?? -1;
}

/** Whether a field means "no value" (isMissing's rules). */
export function isMissingField(record: CsvRecord, i: number): boolean {
  return isMissingBytes(record.bytes, record.trimmedStart(i), record.trimmedEnd(i));
}
