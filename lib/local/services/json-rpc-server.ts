import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { authenticate, AuthenticationError, checkHost, type ServiceAuth } from '../auth/request-auth';
import { sha256Hex } from '../auth/sigv4';
import { callerRoleOf } from '../iam/caller-context';

/** An error the service reports to the caller (HTTP 400 with its name as `__type`), as AWS does. */
export class ServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface JsonRpcService {
  /** Used in errors, e.g. "local Step Functions". */
  readonly title: string;
  /** The X-Amz-Target prefix, e.g. "AWSStepFunctions". */
  readonly targetPrefix: string;
  /** The name requests are signed for (the credential scope's service): states, ssm, sagemaker, monitoring. */
  readonly signingName: string;
  readonly protocol: '1.0' | '1.1';
  readonly operations: Readonly<Record<string, (input: never) => unknown>>;
}

/**
 * Decides whether the caller of a request may make it (local IAM); throws a ServiceError (e.g.
 * AccessDeniedException) to refuse. `role` is the role a handler's request was made under.
 */
export type RequestAuthorizer = (request: { role?: string; targetPrefix: string; operation: string; input: Record<string, unknown> }) => Promise<void>;

export interface RunningServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The error for a fixed port something else already listens on; `hint` says what to do. */
export function portInUseError(title: string, port: number, cause: Error, hint = 'choose another port or stop the other process'): Error {
  return new Error(`${title}: port ${port} on 127.0.0.1 is already in use; ${hint}`, { cause });
}

/**
 * Listens on 127.0.0.1 (port 0: any free one); a taken port fails with a message naming it.
 * Closing also ends kept-alive connections, so a stop never waits on an idle client.
 */
export async function listenOnLoopback(server: Server, port: number, title: string): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? portInUseError(title, port, err) : err));
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The AWS JSON protocols send timestamps as epoch seconds. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== '$metadata')
        .map(([k, v]) => [k, toWire(v)]),
    );
  return value;
}

/** The request body as sent (what the signature covers). */
export async function readRawBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The body as text; SDK clients gzip large requests (CloudWatch's PutMetricData does). */
export function bodyText(request: IncomingMessage, body: Buffer): string {
  return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

/** The body as text, for servers that sign nothing (the control API). */
export async function readBody(request: IncomingMessage): Promise<string> {
  return bodyText(request, await readRawBody(request));
}

/**
 * The request's body once the caller is known, as AWS checks first: the Host names this server and
 * the signature covers the body (with `auth`; throws AuthenticationError). Shared by the JSON and
 * query protocol servers.
 */
export async function authenticatedBody(
  server: Server,
  request: IncomingMessage,
  signingName: string,
  auth?: ServiceAuth,
  family: 'json' | 'query' = 'json',
): Promise<Buffer> {
  const body = await readRawBody(request);
  if (auth) {
    checkHost(request.headers, (server.address() as AddressInfo).port);
    const signed = { method: request.method ?? '', url: request.url ?? '/', headers: request.headers };
    authenticate(signed, auth, { signingName, family, payloadHash: sha256Hex(body) });
  }
  return body;
}

/**
 * Serves a local service over the AWS JSON protocol the SDK speaks (`POST /`, `X-Amz-Target:
 * <prefix>.<Operation>`), so unmodified SDK clients reach it through AWS_ENDPOINT_URL_<SERVICE>.
 * An operation the service does not implement is refused by name, never answered with a guess.
 * With `auth`, every request must carry this environment's signature and name this server as Host.
 */
export async function startJsonRpcServer(service: JsonRpcService, port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
  const server = createServer((request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(`${service.targetPrefix}.`) ? target.slice(service.targetPrefix.length + 1) : '';
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': `application/x-amz-json-${service.protocol}`, 'x-amzn-requestid': randomUUID() });
        response.end(JSON.stringify(payload));
      };
      try {
        const body = await authenticatedBody(server, request, service.signingName, auth);
        const role = callerRoleOf(request.headers, request.url);
        const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
        if (request.method !== 'POST' || !handler) {
          throw new ServiceError('UnknownOperationException', `the ${service.title} does not implement ${target || `${request.method} ${request.url}`}`);
        }
        const input = JSON.parse(bodyText(request, body) || '{}') as never;
        await authorize?.({ role, targetPrefix: service.targetPrefix, operation, input });
        reply(200, toWire(await handler(input)));
      } catch (err) {
        if (err instanceof AuthenticationError) return reply(err.status, { __type: err.code, message: err.message });
        // A ServiceError is the caller's fault; anything else is a bug of the stand-in, reported as such.
        const known = err instanceof ServiceError;
        reply(known ? 400 : 500, { __type: known ? err.name : 'InternalFailure', message: (err as Error).message });
      }
    })();
  });
  return listenOnLoopback(server, port, service.title);
}
