/**
 * EventBridge schedule expressions, by EventBridge's grammar (AWS docs, "Schedule expressions for
 * rules"): `rate(<n> <unit>)` with n >= 1 and the unit singular for 1 and plural above, or
 * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with each field's range and
 * wildcards, and `?` in exactly one of day-of-month and day-of-week. Returns the problem, or undefined.
 */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) return `a rate must be at least 1, got ${value}`;
    const plural = rate[2].endsWith('s');
    if (value === 1 && plural) return `use the singular unit for 1: "rate(1 ${rate[2].slice(0, -1)})"`;
    if (value > 1 && !plural) return `use the plural unit above 1: "rate(${value} ${rate[2]}s)"`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return 'must be "rate(<n> <unit>)" or "cron(<6 fields>)"';
  const fields = cron[1].split(' ');
  if (fields.length !== 6) return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  for (let i = 0; i < CRON_FIELDS.length; i++) {
    const problem = fieldProblem(fields[i], CRON_FIELDS[i]);
    if (problem) return `cron ${CRON_FIELDS[i].name} "${fields[i]}": ${problem}`;
  }
  if ((fields[2] === '?') === (fields[4] === '?')) return 'exactly one of day-of-month and day-of-week must be "?"';
  return undefined;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Special characters allowed besides , - * / */
  readonly special: string;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, special: '' },
  { name: 'hours', min: 0, max: 23, special: '' },
  { name: 'day-of-month', min: 1, max: 31, special: '?LW' },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], special: '' },
  { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], special: '?L#' },
  { name: 'year', min: 1970, max: 2199, special: '' },
];

function fieldProblem(field: string, spec: CronField): string | undefined {
  if (field === '*' || (field === '?' && spec.special.includes('?'))) return undefined;
  if (field === 'L' && spec.special.includes('L')) return undefined;
  for (const part of field.split(',')) {
    const problem = partProblem(part, spec);
    if (problem) return problem;
  }
  return undefined;
}

function partProblem(part: string, spec: CronField): string | undefined {
  const value = (token: string): number | undefined => {
    const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return named + 1;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  const inRange = (token: string): string | undefined => {
    const n = value(token);
    if (n === undefined) return `"${token}" is not a value of this field`;
    return n < spec.min || n > spec.max ? `${n} is outside ${spec.min}-${spec.max}` : undefined;
  };
  if (spec.special.includes('W') && /^\d+W$/.test(part)) return inRange(part.slice(0, -1));
  if (spec.special.includes('L') && /^\w+L$/.test(part) && spec.name === 'day-of-week') return inRange(part.slice(0, -1));
  if (spec.special.includes('#')) {
    const nth = /^(\w+)#([1-5])$/.exec(part);
    if (nth) return inRange(nth[1]);
  }
  const [range, step] = part.split('/');
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return `step "${step}" must be a whole number >= 1`;
  if (range === '*' && step !== undefined) return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${range}" is not a value or range`;
  for (const bound of bounds) {
    const problem = inRange(bound);
    if (problem) return problem;
  }
  return undefined;
}
