/** How raw CSV text becomes typed values, shared by validation at training time and serving. */

/** Texts that mean "no value" in any column. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']);


const TRUE_TOKENS = new Set(['yes', 'true', '1', 'y', 't']);
const FALSE_TOKENS = new Set(['no', 'false', '0', 'n', 'f']);

/** Whether a trimmed text is a missing value. */
export function isMissing(text: string): boolean {
  return text.length === 0 || (text.length <= 4 && MISSING_TOKENS.has(text));
}

/**
 * A decimal number such as "-1.5e3" (no hex/binary/octal literals, no "Infinity", no empty
 * text), or undefined. Number() does the conversion; the checks reject what it accepts beyond that.
 */
export function parseNumber(text: string): number | undefined {
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
