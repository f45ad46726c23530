import type { S3Client } from '@aws-sdk/client-s3';
import { recordRanges } from '../core/io/record-ranges';
import type { SnapshotManifest, SnapshotObject } from '../core/snapshot';
import type { DataSource } from '../core/features/process';
import { rangeSource } from '../core/features/range-source';
import { snapshotRangeReader, snapshotSource } from '../shared/s3';

/** One Distributed Map item: a whole snapshot object, or a byte range of one on record boundaries. */
export interface ShardItem {
  /** The shard's place in the snapshot's row order (0, 1, ...): its outputs are named and merged by it. */
  readonly shard: number;
  readonly object: SnapshotObject;
  readonly range?: { readonly headerEnd: number; readonly start: number; readonly end: number; readonly firstDataLine: number };
}

/** What a shard names in errors: "raw/a.csv" or "raw/a.csv bytes 0-134217728 (from line 2)". */
export function shardName(item: ShardItem): string {
  const r = item.range;
  return r ? `shard ${item.shard} (${item.object.key} bytes ${r.start}-${r.end}, from line ${r.firstDataLine})` : `shard ${item.shard} (${item.object.key})`;
}

/**
 * The snapshot's shards, in row order: an object up to `shardBytes` (or compressed: gzip cannot be
 * split) is one shard; a larger one is cut into ranges of about shardBytes on record boundaries
 * (each range read once, in parallel, to find them: see record-ranges.ts).
 */
export async function planShards(s3: S3Client, manifest: SnapshotManifest, shardBytes: number): Promise<ShardItem[]> {
  const items: ShardItem[] = [];
  for (const object of manifest.objects) {
    const splittable = object.size > shardBytes && !/\.gz$/i.test(object.key);
    const ranges = splittable ? await recordRanges(object.size, shardBytes, snapshotRangeReader(s3, manifest.bucket, object)) : undefined;
    if (!ranges) items.push({ shard: items.length, object });
    else for (const range of ranges.ranges) items.push({ shard: items.length, object, range: { headerEnd: ranges.headerEnd, ...range } });
  }
  return items;
}

/** The shard's bytes as a DataSource. */
export function shardSource(s3: S3Client, bucket: string, item: ShardItem): DataSource {
  if (!item.range) return snapshotSource(s3, bucket, item.object);
  return rangeSource(item.object.key, snapshotRangeReader(s3, bucket, item.object), item.range.headerEnd, item.range);
}
