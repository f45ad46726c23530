import type { S3Request } from '../iam/service-calls';
import { modelPattern, uncheckedPatterns } from './request-validation';
import type { ServiceModel } from './service-models';

/** A REST operation of S3's model: its method, path and the query literals of its request URI. */
interface S3Operation {
  readonly name: string;
  readonly method: string;
  /** 0: the service ("/"), 1: a bucket ("/{Bucket}"), 2: an object ("/{Bucket}/{Key+}"). */
  readonly depth: number;
  /** `?list-type=2` → list-type: "2"; `?uploads` → uploads: undefined (present, any value). */
  readonly literals: ReadonlyMap<string, string | undefined>;
  readonly members: readonly BoundMember[];
  /** The XML or streaming body's member (not read here). */
  readonly payload?: string;
}

/** An input member the request carries in a header, the query string or the path. */
interface BoundMember {
  readonly name: string;
  readonly location: 'header' | 'querystring' | 'uri';
  /** The header or query parameter's name. */
  readonly locationName: string;
  readonly shape: string;
  readonly required: boolean;
}

/** A request S3 refuses before it acts, as its error document names it. */
export interface S3RequestProblem {
  readonly code: 'InvalidArgument' | 'InvalidStorageClass';
  readonly message: string;
  readonly argumentName: string;
  readonly argumentValue?: string;
}

interface ModelOperation {
  readonly http?: { readonly method: string; readonly requestUri: string };
  readonly input?: { readonly shape: string };
}

interface BoundShape {
  readonly required?: readonly string[];
  readonly payload?: string;
  readonly members?: Readonly<Record<string, { readonly shape: string; readonly location?: string; readonly locationName?: string }>>;
}

const operationsCache = new WeakMap<ServiceModel, S3Operation[]>();

function operationsOf(model: ServiceModel): S3Operation[] {
  const cached = operationsCache.get(model);
  if (cached) return cached;
  const operations = Object.entries(model.operations as Readonly<Record<string, ModelOperation>>).flatMap(([name, op]): S3Operation[] => {
    if (!op.http) return [];
    const [uriPath, query = ''] = op.http.requestUri.split('?');
    const literals = new Map(
      query
        .split('&')
        .filter(Boolean)
        .map((pair) => {
          const [key, value] = pair.split('=');
          return [key, value] as const;
        }),
    );
    const input = op.input ? (model.shapes[op.input.shape] as BoundShape) : undefined;
    const members = Object.entries(input?.members ?? {}).flatMap(([member, m]): BoundMember[] =>
      m.location === 'header' || m.location === 'querystring' || m.location === 'uri'
        ? [{ name: member, location: m.location, locationName: m.locationName ?? member, shape: m.shape, required: (input?.required ?? []).includes(member) }]
        : [],
    );
    return [{ name, method: op.http.method, depth: uriPath.split('/').filter(Boolean).length, literals, members, payload: input?.payload }];
  });
  operationsCache.set(model, operations);
  return operations;
}

const headerOf = (request: S3Request, name: string) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
};
const queryOf = (request: S3Request, name: string) => {
  const value = request.query[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The operation of S3's model a REST request is: same method and path depth, every literal of its
 * request URI in the query string, and of those the one whose literals and required header and
 * query members the request carries most, then the one missing fewest (PUT with `uploadId` and
 * `partNumber` is UploadPart, with `x-amz-copy-source` CopyObject, else PutObject). Undefined when
 * none matches.
 */
export function s3OperationOf(model: ServiceModel, request: S3Request): S3Operation | undefined {
  const depth = Math.min(2, request.path.split('/').filter(Boolean).length);
  let best: { op: S3Operation; score: number } | undefined;
  for (const op of operationsOf(model)) {
    if (op.method !== request.method.toUpperCase() || op.depth !== depth) continue;
    const literalsMatch = [...op.literals].every(
      ([key, value]) => request.query[key] !== undefined && (value === undefined || queryOf(request, key) === value),
    );
    if (!literalsMatch) continue;
    const required = op.members.filter((m) => m.required && m.location !== 'uri');
    const carried = required.filter(
      (m) => (m.location === 'header' ? headerOf(request, m.locationName) : queryOf(request, m.locationName)) !== undefined,
    ).length;
    // Ties go to the operation that asks least of the request (PutObject over CopyObject).
    const score = op.literals.size * 1000 + carried * 10 - (required.length - carried);
    if (!best || score > best.score) best = { op, score };
  }
  return best?.op;
}

/**
 * Every way a REST request's headers and query parameters break its operation's input in S3's
 * model: required ones missing, values that are not the member's type (integer, boolean,
 * timestamp), outside its enum, length or range, or not matching its pattern. The XML body is not
 * read. S3 answers these with InvalidArgument naming the argument (a storage class outside the
 * enum with InvalidStorageClass, as S3 does).
 */
export function s3RequestProblems(model: ServiceModel, request: S3Request): S3RequestProblem[] {
  const op = s3OperationOf(model, request);
  if (!op) return [];
  const problems: S3RequestProblem[] = [];
  for (const member of op.members) {
    if (member.location === 'uri' || member.name === op.payload) continue;
    const value = member.location === 'header' ? headerOf(request, member.locationName) : queryOf(request, member.locationName);
    const argument = { argumentName: member.locationName, argumentValue: value };
    if (value === undefined) {
      if (member.required) problems.push({ code: 'InvalidArgument', message: `${op.name} requires ${member.locationName}`, ...argument });
      continue;
    }
    const problem = valueProblem(model, member.shape, value);
    if (problem) {
      const code = member.shape === 'StorageClass' && problem.startsWith('must be one of') ? 'InvalidStorageClass' : 'InvalidArgument';
      const message =
        code === 'InvalidStorageClass' ? 'The storage class you specified is not valid' : `${member.locationName} '${value}' of ${op.name}: ${problem}`;
      problems.push({ code, message, ...argument });
    }
  }
  return problems;
}

function valueProblem(model: ServiceModel, shapeName: string, value: string): string | undefined {
  const shape = model.shapes[shapeName];
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^-?\d+$/.test(value)) return 'must be an integer';
      const n = Number(value);
      if (shape.min !== undefined && n < shape.min) return `must be at least ${shape.min}`;
      if (shape.max !== undefined && n > shape.max) return `must be at most ${shape.max}`;
      return undefined;
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'must be true or false';
    case 'timestamp':
      return Number.isNaN(Date.parse(value)) ? 'must be a date' : undefined;
    case 'string': {
      if (shape.enum && !shape.enum.includes(value)) return `must be one of ${shape.enum.join(', ')}`;
      const length = [...value].length;
      if (shape.min !== undefined && length < shape.min) return `must be at least ${shape.min} characters`;
      if (shape.max !== undefined && length > shape.max) return `must be at most ${shape.max} characters`;
      if (shape.pattern) {
        const pattern = modelPattern(shape.pattern);
        if (!pattern) uncheckedPatterns.add(shape.pattern);
        else if (!pattern.test(value)) return `must match ${shape.pattern}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
