/**
 * EventBridge event pattern matching, for the rules of a synthesized template: a pattern object
 * lists fields; an array of matchers matches when any matcher matches the event's value (or any
 * element of an array value); a nested object matches the nested event object. Operators not
 * implemented here are refused by name rather than guessed.
 */
type Matcher = string | number | boolean | null | Record<string, unknown>;

export class UnsupportedPatternError extends Error {}

function numericMatches(conditions: unknown[], value: unknown): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const [op, bound] = [conditions[i], Number(conditions[i + 1])];
    const ok =
      op === '>'
        ? value > bound
        : op === '>='
          ? value >= bound
          : op === '<'
            ? value < bound
            : op === '<='
              ? value <= bound
              : op === '='
                ? value === bound
                : undefined;
    if (ok === undefined) throw new UnsupportedPatternError(`numeric operator "${String(op)}"`);
    if (!ok) return false;
  }
  return true;
}

function wildcardMatches(pattern: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return regex.test(value);
}

/** One matcher against one present scalar value. */
function matcherMatches(matcher: Matcher, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return matcher === value;
  const [[operator, operand]] = Object.entries(matcher);
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
    case 'suffix':
      return typeof value === 'string' && typeof operand === 'string' && value.endsWith(operand);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof operand === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'wildcard':
      return wildcardMatches(String(operand), value);
    case 'numeric':
      return numericMatches(operand as unknown[], value);
    case 'anything-but': {
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) return !matcherMatches(operand as Matcher, value);
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.some((e) => e === value);
    }
    default:
      throw new UnsupportedPatternError(`operator "${operator}"`);
  }
}

function fieldMatches(matchers: readonly Matcher[], value: unknown): boolean {
  for (const matcher of matchers) {
    if (matcher !== null && typeof matcher === 'object' && 'exists' in matcher) {
      if ((value !== undefined) === matcher.exists) return true;
      continue;
    }
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => matcherMatches(matcher, v))) return true;
  }
  return false;
}

export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const fields = event !== null && typeof event === 'object' ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([name, expected]) => {
    const value = fields[name];
    if (Array.isArray(expected)) return fieldMatches(expected as Matcher[], value);
    if (expected !== null && typeof expected === 'object')
      return value !== null && typeof value === 'object' && matchesEventPattern(expected as Record<string, unknown>, value);
    throw new UnsupportedPatternError(`field "${name}": a pattern value must be an array or an object`);
  });
}
