import { createHash } from 'node:crypto';

/** One raw object of a data snapshot, pinned by version (or ETag where the bucket is unversioned). */
export interface SnapshotObject {
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
}

/** The exact data a retraining run trains on. Written to `features/<run>/manifest.json`. */
export interface SnapshotManifest {
  readonly bucket: string;
  readonly prefix: string;
  /** sha256 of the canonical object list: equal snapshots have equal hashes. */
  readonly hash: string;
  readonly runId: string;
  readonly objects: readonly SnapshotObject[];
}

/** Zero-byte objects and keys ending in "/" are console "folders", not data. */
export function isDataObject(key: string, size: number): boolean {
  return size > 0 && !key.endsWith('/');
}

/** Step Functions execution names allow 80 characters of [A-Za-z0-9-_]. */
const RUN_ID_HASH_CHARS = 40;

/** The run id (also the execution name) for a snapshot: the same data can never start two runs. */
export function runIdForHash(hash: string): string {
  return `snapshot-${hash.slice(0, RUN_ID_HASH_CHARS)}`;
}

/**
 * The run id of a drift-driven retraining: the snapshot plus the cooldown period it falls in, so
 * the same data retrains at most once per period (the execution name is unique).
 */
export function driftRunId(hash: string, now: Date, cooldownHours: number): string {
  return `drift-${hash.slice(0, RUN_ID_HASH_CHARS)}-${Math.floor(now.getTime() / (cooldownHours * 3_600_000))}`;
}

/**
 * Builds the manifest of a snapshot. Objects are sorted by key and only their identity (key,
 * version, ETag, size) enters the hash, so listing order and timestamps never change it.
 */
export function buildManifest(bucket: string, prefix: string, objects: readonly SnapshotObject[], runId?: (hash: string) => string): SnapshotManifest {
  if (objects.length === 0) throw new Error(`no data objects under s3://${bucket}/${prefix}`);
  const sorted = [...objects]
    .map(({ key, versionId, etag, size }) => ({ key, versionId, etag, size }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256')
    .update(JSON.stringify({ bucket, objects: sorted }))
    .digest('hex');
  return { bucket, prefix, hash, runId: (runId ?? runIdForHash)(hash), objects: sorted };
}
