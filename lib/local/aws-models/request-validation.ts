import type { Shape, ServiceModel } from './service-models';

/** A request that breaks its service model, in the words AWS's services use. */
export interface RequestProblem {
  /** ValidationException (a constraint), SerializationException (a wrong type) or UnknownMember. */
  readonly kind: 'ValidationException' | 'SerializationException' | 'UnknownMember';
  /** AWS's member path: lower-camel members, list elements as `<n>.member` (1-based). */
  readonly path: string;
  readonly message: string;
}

/**
 * Java accepts a quantified end anchor (`$` followed by `{1,128}`, as in SageMaker's metadata key
 * pattern), which means one `$`; JavaScript refuses to quantify an assertion. (The length limit is
 * the shape's min/max, checked separately.)
 */
function javaScriptPattern(pattern: string): string {
  return pattern.replace(/(?<!\\)\$\{\d+(?:,\d*)?\}/g, '$$');
}

const patterns = new Map<string, RegExp | undefined>();

/**
 * A model pattern as a JavaScript full-match expression (AWS matches the whole value). Models are
 * written for Java's regex dialect; the few that JavaScript cannot compile are reported, not skipped.
 */
export function modelPattern(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    let compiled: RegExp | undefined;
    for (const flags of ['u', '']) {
      try {
        compiled = new RegExp(`^(?:${javaScriptPattern(pattern)})$`, flags);
        break;
      } catch {
        /* try the next dialect */
      }
    }
    patterns.set(pattern, compiled);
  }
  return patterns.get(pattern);
}

/** Patterns met during validation that JavaScript could not compile (tests require none). */
export const uncheckedPatterns = new Set<string>();

const lowerCamel = (member: string) => member.charAt(0).toLowerCase() + member.slice(1);
const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

function lengthOf(shape: Shape, value: unknown): number | undefined {
  if (typeof value === 'string') return shape.type === 'blob' ? Buffer.from(value, 'base64').length : [...value].length;
  if (Array.isArray(value)) return value.length;
  if (shape.type === 'map' && value && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}

/** The JSON value types each shape type accepts (AWS's JSON protocols; Step Functions' Parameters). */
function typeMatches(shape: Shape, value: unknown): boolean {
  switch (shape.type) {
    case 'structure':
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
    case 'string':
    case 'blob':
      return typeof value === 'string';
    case 'integer':
    case 'long':
      return Number.isInteger(value);
    case 'float':
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
  }
}

/**
 * Every way `input` breaks operation `operation` of `model`: members the operation does not have,
 * required members missing, wrong types, enums, lengths, ranges and patterns.
 */
export function requestProblems(model: ServiceModel, operation: string, input: unknown): RequestProblem[] {
  const op = model.operations[operation];
  if (!op) throw new Error(`${model.metadata.serviceId} has no operation ${operation} in its ${model.metadata.apiVersion} model`);
  const problems: RequestProblem[] = [];
  if (op.input) check(model, op.input.shape, input ?? {}, '', problems);
  return problems;
}

function check(model: ServiceModel, shapeName: string, value: unknown, at: string, problems: RequestProblem[]): void {
  const shape = model.shapes[shapeName];
  const fail = (kind: RequestProblem['kind'], constraint: string) =>
    problems.push({
      kind,
      path: at,
      message:
        kind === 'ValidationException'
          ? `Value ${shown(value)} at '${at}' failed to satisfy constraint: Member must ${constraint}`
          : `${constraint} at '${at}'`,
    });
  if (!typeMatches(shape, value)) return void fail('SerializationException', `${JSON.stringify(value)} cannot be read as ${shape.type} ${shapeName}`);
  const length = lengthOf(shape, value);
  const numeric = typeof value === 'number' && shape.type !== 'timestamp';
  if (shape.min !== undefined && length !== undefined && length < shape.min) fail('ValidationException', `have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length !== undefined && length > shape.max) fail('ValidationException', `have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined && numeric && value < shape.min) fail('ValidationException', `have value greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && numeric && value > shape.max) fail('ValidationException', `have value less than or equal to ${shape.max}`);
  if (shape.enum && !shape.enum.includes(value as string)) fail('ValidationException', `satisfy enum value set: [${shape.enum.join(', ')}]`);
  if (shape.pattern && shape.type === 'string') {
    const pattern = modelPattern(shape.pattern);
    if (!pattern) uncheckedPatterns.add(shape.pattern);
    else if (!pattern.test(value as string)) fail('ValidationException', `satisfy regular expression pattern: ${shape.pattern}`);
  }
  const child = (name: string) => (at ? `${at}.${name}` : name);
  if (shape.type === 'structure') {
    const record = value as Record<string, unknown>;
    for (const required of shape.required ?? []) {
      if (record[required] === undefined || record[required] === null) {
        problems.push({
          kind: 'ValidationException',
          path: child(lowerCamel(required)),
          message: `Value null at '${child(lowerCamel(required))}' failed to satisfy constraint: Member must not be null`,
        });
      }
    }
    for (const [member, memberValue] of Object.entries(record)) {
      const target = shape.members?.[member];
      if (!target) problems.push({ kind: 'UnknownMember', path: child(member), message: `The field "${member}" is not a member of ${shapeName}` });
      else if (memberValue !== undefined && memberValue !== null) check(model, target.shape, memberValue, child(lowerCamel(member)), problems);
    }
  } else if (shape.type === 'list') {
    (value as unknown[]).forEach((element, i) => check(model, shape.member!.shape, element, child(`${i + 1}.member`), problems));
  } else if (shape.type === 'map') {
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      check(model, shape.key!.shape, key, child(`${key}.key`), problems);
      check(model, shape.value!.shape, entry, child(`${key}.value`), problems);
    }
  }
}

/**
 * Problems as the service reports them: the first kind found names the error, the message is
 * AWS's ("2 validation errors detected: Value … at '…' failed to satisfy constraint: …; …").
 */
export function describeProblems(problems: readonly RequestProblem[]): { name: string; message: string } {
  const validation = problems.filter((p) => p.kind === 'ValidationException');
  if (validation.length > 0) {
    const count = `${validation.length} validation error${validation.length === 1 ? '' : 's'} detected`;
    return { name: 'ValidationException', message: `${count}: ${validation.map((p) => p.message).join('; ')}` };
  }
  return { name: 'SerializationException', message: problems.map((p) => p.message).join('; ') };
}
