import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { authenticate, AuthenticationError, checkHost } from '../auth/request-auth';
import { newLocalCredentials, type LocalCredentials } from '../auth/sigv4';
import { callerRoleOf } from '../iam/caller-context';
import type { S3Request } from '../iam/service-calls';
import type { S3RequestProblem } from '../aws-models/s3-requests';
import { portInUseError } from './json-rpc-server';
import { ChunkedUploadError, decodeChunkedUpload } from './s3-chunked';

interface KoaContext {
  method: string;
  path: string;
  /** The request target as sent (path and query, percent-encoded). */
  originalUrl: string;
  /** What @koa/router matches instead of `path` when set. */
  routerPath?: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
}
interface S3rverInstance {
  /** Koa's middleware list (s3rver is a Koa app); the router is the last entry. */
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3NotificationRecord[] }) => void): void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;

// s3rver's account registry (its own checks look the access key up there).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };

export const LOCAL_REGION = 'us-east-1';

export interface LocalS3Options {
  readonly buckets: readonly string[];
  /** Buckets whose versioning is Enabled (as the template's VersioningConfiguration says). @default none */
  readonly versionedBuckets?: readonly string[];
  /** @default - a new temporary directory */
  readonly directory?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The key pair every request must be signed with. @default a new random pair */
  readonly credentials?: LocalCredentials;
  /** Called for every object created, however it was written (SDK, `aws` CLI, multipart). */
  readonly onObjectCreated?: (record: S3NotificationRecord) => void;
  /**
   * Decides each signed request before s3rver serves it (local IAM); throwing refuses it with
   * S3's 403 AccessDenied error document, the thrown message as its Message.
   */
  readonly authorize?: (role: string | undefined, request: S3Request) => Promise<void>;
  /**
   * The problems S3 finds in a request's headers and query parameters against its model
   * (`s3RequestProblems`), checked after the signature and before `authorize`: the first is
   * answered as S3 answers it (400, its code, ArgumentName and ArgumentValue). @default none checked
   */
  readonly requestProblems?: (request: S3Request) => readonly S3RequestProblem[];
}

/** The S3 event notification record s3rver emits. */
export interface S3NotificationRecord {
  readonly eventName: string;
  readonly eventTime: string;
  readonly requestParameters?: { readonly sourceIPAddress?: string };
  readonly responseElements?: Record<string, string>;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly versionId?: string; readonly sequencer?: string };
  };
}

/** A real S3 HTTP server on loopback (s3rver) that stores objects on disk. */
export interface LocalS3 {
  readonly endpoint: string;
  readonly directory: string;
  /** The environment's key pair: every request must be signed with it (SigV4). */
  readonly credentials: LocalCredentials;
  /** Environment for unmodified SDK v3 clients (and the Debian `aws` CLI) to use this server. */
  readonly clientEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const directory = options.directory ?? mkdtempSync(path.join(tmpdir(), 'mlops-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  // s3rver's router matches keys as `:key+`, which has no empty segment, so a key with one (a
  // leading "/" or "a//b", both valid S3 keys) answered 404. The router gets the key as one
  // encoded segment instead (its param decoding gives back the key; its trailing-slash hook still
  // sees the real path).
  server.middleware.splice(server.middleware.length - 1, 0, async (ctx, next) => {
    const match = /^\/([^/]+)\/(.*\/\/.*|\/.*)$/.exec(ctx.path);
    if (match) ctx.routerPath = `/${match[1]}/${encodeURIComponent(match[2].replace(/\/$/, ''))}`;
    await next();
  });
  const credentials = options.credentials ?? newLocalCredentials();
  DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const authorize = options.authorize;
  let port = 0;
  // Before the router (after s3rver's logger and XML encoder, which renders the error document):
  // the Host, the request's SigV4 signature with the environment's key (s3rver checks neither:
  // it served unsigned and tampered requests), the role claim, then local IAM.
  server.middleware.splice(server.middleware.length - 1, 0, async (ctx, next) => {
    try {
      checkHost(ctx.headers as never, port);
      authenticate(
        { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers as never },
        { credentials, region: LOCAL_REGION },
        { signingName: 's3', family: 's3' },
      );
      const request = { method: ctx.method, path: ctx.path, query: ctx.query, headers: ctx.headers };
      const [problem] = options.requestProblems?.(request) ?? [];
      if (problem) {
        ctx.status = 400;
        ctx.body = { Error: { Code: problem.code, Message: problem.message, ArgumentName: problem.argumentName, ArgumentValue: problem.argumentValue } };
        return;
      }
      const role = callerRoleOf(ctx.headers as never, ctx.originalUrl);
      await authorize?.(role, request);
      if (ctx.method === 'PUT' && String(ctx.headers['x-amz-content-sha256']).startsWith('STREAMING-')) {
        decodeChunkedBody(ctx as never, credentials.secretAccessKey);
      }
    } catch (err) {
      if (err instanceof ChunkedUploadError) {
        ctx.status = err.status;
        ctx.body = { Error: { Code: err.code, Message: err.message } };
        return;
      }
      const refusal = err instanceof AuthenticationError ? err : new AuthenticationError(403, 'AccessDenied', (err as Error).message);
      ctx.status = refusal.status;
      ctx.body = { Error: { Code: refusal.code, Message: refusal.message } };
      return;
    }
    await next();
  });
  const onObjectCreated = options.onObjectCreated;
  if (onObjectCreated) {
    server.on('event', (event) => {
      for (const record of event.Records) if (record.eventName.startsWith('ObjectCreated:')) onObjectCreated(record);
    });
  }
  // s3rver leaves a listen error unhandled (it would crash the process), so probe a fixed port first.
  if (options.port) await assertPortFree(options.port, 'local S3', '--s3-port');
  const address = await server.run();
  port = address.port;
  const endpoint = `http://127.0.0.1:${address.port}`;
  // As CloudFormation configures a bucket: through the API (PutBucketVersioning), signed like any client.
  const admin = new S3Client({ endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials });
  try {
    for (const Bucket of options.versionedBuckets ?? []) {
      await admin.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
  } catch (err) {
    await server.close();
    throw err;
  } finally {
    admin.destroy();
  }
  return {
    endpoint,
    directory,
    credentials,
    clientEnv: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
    },
    close: () => server.close(),
  };
}

/** s3rver's error type: what it renders as S3's error document with the error's status. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no type declarations (as above)
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error & { status: number; expose: boolean };

/**
 * An aws-chunked PUT (object or part): s3rver reads `ctx.req` as the body, so it gets the decoded
 * bytes instead, with the decoded length and without "aws-chunked" in Content-Encoding (S3 stores
 * neither framing nor that encoding). A chunk signature, checksum or length that does not hold
 * fails the upload with S3's error.
 */
function decodeChunkedBody(
  ctx: {
    req: NodeJS.ReadableStream & { headers: Record<string, string | string[] | undefined>; on(e: 'aborted', f: () => void): unknown };
    request: { req: { headers: Record<string, string | string[] | undefined> } };
  },
  secretAccessKey: string,
): void {
  const headers = ctx.request.req.headers;
  const decoder = decodeChunkedUpload(headers, secretAccessKey);
  const raw = ctx.req;
  raw.on('aborted', () =>
    decoder.destroy(new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.')),
  );
  // Errors as s3rver's own, so it answers with their code and status (not InternalError).
  const asS3Error = (err: Error) => {
    if (!(err instanceof ChunkedUploadError)) return err;
    return Object.assign(new S3Error(err.code, err.message), { status: err.status, expose: true });
  };
  // Started by the first read, once s3rver listens for its errors: a small body would otherwise
  // be decoded, and fail, before anyone listened.
  let started = false;
  const decoded: Readable = new Readable({
    read() {
      if (started) {
        decoder.resume();
        return;
      }
      started = true;
      decoder.on('data', (chunk: Buffer) => {
        if (!decoded.push(chunk)) decoder.pause();
      });
      decoder.on('end', () => decoded.push(null));
      decoder.on('error', (err: Error) => decoded.destroy(asS3Error(err)));
      raw.pipe(decoder);
    },
  });
  headers['content-length'] = String(headers['x-amz-decoded-content-length']);
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
  else delete headers['content-encoding'];
  (ctx as { req: unknown }).req = decoded;
}

/** Fails with a message naming the port when something already listens on it. */
export async function assertPortFree(port: number, service: string, option: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? portInUseError(service, port, err, `choose another with ${option} or stop the other process`) : err),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}
