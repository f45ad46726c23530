import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, type Readable } from 'node:stream';
import type { DataSource } from '../core/features/process';
import { parseS3Uri } from '../contracts/layout';
import { writableSink, type LineSink } from '../core/io/line-sink';
import type { SnapshotObject } from '../core/snapshot';
import type { RangeReader } from '../core/io/record-ranges';

/** An object's bytes. */
export async function readBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
}

/** An object's text (UTF-8). */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');
}

/** readText for an s3:// URI. */
export async function readTextAt(s3: S3Client, uri: string): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  return readText(s3, bucket, key);
}

export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  const text = await readText(s3, bucket, key);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`s3://${bucket}/${key} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** readJson for an s3:// URI. */
export async function readJsonAt<T>(s3: S3Client, uri: string): Promise<T> {
  const { bucket, key } = parseS3Uri(uri);
  return readJson<T>(s3, bucket, key);
}

/** Like readJson, but undefined when the object does not exist. */
export async function readJsonIfExists<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  try {
    return await readJson<T>(s3, bucket, key);
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value, null, 2), ContentType: 'application/json' }));
}

/**
 * Streams one object of a snapshot exactly as it was listed: by version id where the bucket is
 * versioned, and always guarded by its ETag, so a changed object fails instead of being read.
 */
export function snapshotSource(s3: S3Client, bucket: string, object: SnapshotObject): DataSource {
  return {
    name: object.key,
    async *chunks() {
      const changed = (now: string | undefined, cause?: unknown) =>
        new Error(
          `s3://${bucket}/${object.key} changed since the snapshot was taken (ETag ${now ?? 'now different'}, expected ${object.etag}): PreconditionFailed`,
          {
            cause,
          },
        );
      let response;
      try {
        response = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: object.key, VersionId: object.versionId ?? undefined, IfMatch: object.etag || undefined }),
        );
      } catch (err) {
        // S3's own answer names neither the object nor the ETags.
        if ((err as Error).name === 'PreconditionFailed') throw changed(undefined, err);
        throw err;
      }
      // Checked here too: S3 enforces IfMatch, but not every S3-compatible server does.
      if (object.etag && response.ETag !== object.etag) {
        (response.Body as Readable).destroy();
        throw changed(response.ETag);
      }
      yield* response.Body as Readable;
    },
  };
}

/**
 * Reads byte ranges of one pinned snapshot object (its version, and its ETag as IfMatch): the
 * record-boundary scan and the byte-range shards of a large file.
 */
export function snapshotRangeReader(s3: S3Client, bucket: string, object: SnapshotObject): RangeReader {
  return async function* (start, end) {
    if (end <= start) return;
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: object.key,
        VersionId: object.versionId ?? undefined,
        IfMatch: object.etag || undefined,
        Range: `bytes=${start}-${end - 1}`,
      }),
    );
    yield* response.Body as Readable;
  };
}

/** Streams an S3 object's bytes. */
export async function* objectChunks(s3: S3Client, bucket: string, key: string): AsyncIterable<Uint8Array> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  yield* response.Body as Readable;
}

/** A line sink that streams into an S3 object with multipart upload (any size, bounded memory). */
export interface S3LineSink {
  readonly sink: LineSink;
  readonly uri: string;
  /** Ends the stream and waits for the upload to complete. */
  complete(): Promise<void>;
  /** Abandons the upload; no object is created. */
  abort(): Promise<void>;
}

export function s3LineSink(s3: S3Client, bucket: string, key: string, contentType: string): S3LineSink {
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
    queueSize: 2,
    partSize: 8 * 1024 * 1024,
  });
  const done = upload.done();
  // Surface upload failures through complete(); avoid an unhandled rejection meanwhile.
  done.catch(() => undefined);
  const sink = writableSink(body);
  return {
    sink,
    uri: `s3://${bucket}/${key}`,
    async complete() {
      await sink.close();
      await done;
    },
    async abort() {
      await upload.abort().catch(() => undefined);
      body.destroy();
    },
  };
}
