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
  /** Objects under the prefix that are not data (folder markers aside); not in the hash. */
  readonly skipped?: readonly SkippedObject[];
}

/** An object under the raw prefix that is not data: listed in the manifest and the run's summary, not read. */
export interface SkippedObject {
  readonly key: string;
  readonly size: number;
  readonly reason: string;
}

/** Data is CSV, plain or gzip-compressed; the name decides, as a person names what they upload. */
const DATA_KEY = /\.csv(\.gz)?$/i;

/**
 * Why an object under the raw prefix is not data, or undefined when it is. A key ending in "/" is
 * a console "folder" (undefined reason too, but see isFolderMarker: it is not listed).
 */
export function skipReason(key: string, size: number): string | undefined {
  if (isFolderMarker(key)) return 'a folder marker';
  if (size === 0) return 'empty (0 bytes)';
  if (!DATA_KEY.test(key)) return 'not a CSV file (data keys end in .csv or .csv.gz)';
  return undefined;
}

/** Uploads named in one notification; the rest are counted. */
const LISTED_SKIPPED = 20;

/** The notification of uploads that are not data: what was skipped, why, and what counts as data. */
export function skippedUploadsNotice(skipped: readonly SkippedObject[], rawPrefix: string, dataset?: string): { subject: string; message: string } {
  const listed = skipped.slice(0, LISTED_SKIPPED).map((o) => `- ${o.key} (${o.size} bytes): ${o.reason}`);
  const more = skipped.length > LISTED_SKIPPED ? [`- and ${skipped.length - LISTED_SKIPPED} more`] : [];
  return {
    // SNS subjects: under 100 printable ASCII characters (a data set name is at most 24).
    subject: `${dataset ? `[${dataset}] ` : ''}Uploads skipped: not data`,
    message: [
      `${skipped.length} object${skipped.length === 1 ? '' : 's'} uploaded under ${rawPrefix}${dataset ? ` (data set ${dataset})` : ''} ${skipped.length === 1 ? 'is' : 'are'} not data and ${skipped.length === 1 ? 'was' : 'were'} skipped: no run trains on ${skipped.length === 1 ? 'it' : 'them'}.`,
      ...listed,
      ...more,
      `Data objects are CSV files with a header row, named *.csv or *.csv.gz; every run's summary.json lists the skipped objects (skippedObjects).`,
    ].join('\n'),
  };
}

export function isFolderMarker(key: string): boolean {
  return key.endsWith('/');
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
export function buildManifest(
  bucket: string,
  prefix: string,
  objects: readonly SnapshotObject[],
  runId?: (hash: string) => string,
  skipped: readonly SkippedObject[] = [],
): SnapshotManifest {
  if (objects.length === 0) throw new Error(`no data objects under s3://${bucket}/${prefix}`);
  const sorted = [...objects]
    .map(({ key, versionId, etag, size }) => ({ key, versionId, etag, size }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256')
    .update(JSON.stringify({ bucket, objects: sorted }))
    .digest('hex');
  return { bucket, prefix, hash, runId: (runId ?? runIdForHash)(hash), objects: sorted, ...(skipped.length > 0 ? { skipped } : {}) };
}
