import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { featurePaths } from '../contracts/layout';
import type { FeatureProcessingResult } from '../feature-processing/handler';
import { putJson, readJson } from '../shared/s3';
import type { ShardItem } from './shard-plan';

/** Deletes at once; S3's DELETE is cheap and a run of 1,000 shards has 2,000 pending objects. */
const DELETE_CONCURRENCY = 16;

/**
 * Marks the run's features complete (every shard was encoded: the Map succeeded), then deletes the
 * shards' pending rows, which nothing reads once `_SUCCESS` exists (about 0.8x the snapshot's
 * size; the bucket's expire-scratch rule removes their noncurrent versions a day later). In this
 * order a retry after a failed delete finds `_SUCCESS` and never needs the pending rows again.
 */
export async function finishShards(s3: S3Client, bucket: string, runId: string): Promise<FeatureProcessingResult> {
  const paths = featurePaths(runId);
  const output = await readJson<FeatureProcessingResult>(s3, bucket, paths.shardResult);
  await putJson(s3, bucket, paths.success, output);
  const items = await readJson<ShardItem[]>(s3, bucket, paths.shardPlan);
  const keys = items.flatMap((item) => [paths.shard(item.shard).pendingTrain, paths.shard(item.shard).pendingValidation]);
  for (let at = 0; at < keys.length; at += DELETE_CONCURRENCY) {
    // Deleting a key that is already gone succeeds: a retry is harmless.
    await Promise.all(keys.slice(at, at + DELETE_CONCURRENCY).map((Key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
  }
  return output;
}
