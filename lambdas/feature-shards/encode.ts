import type { S3Client } from '@aws-sdk/client-s3';
import { featurePaths } from '../contracts/layout';
import type { FeatureSpec } from '../core/features/feature-spec';
import { placeholderResolver } from '../core/features/process';
import { writeResolved } from '../core/features/resolve-pending';
import { statisticsFromJson, type ShardStatisticsJson } from '../core/features/shard-statistics';
import { ShardedLineSink } from '../core/io/sharded-sink';
import { objectChunks, readJson, s3LineSink } from '../shared/s3';
import type { ShardItem } from './shard-plan';

/**
 * Pass 2 for a batch of shards: each shard's pending rows with the merged spec's codes filled in,
 * written as its own part files (the training rows in `trainParts` parts, so that a channel
 * sharded by S3 key spreads every shard's rows over the instances). Overwrites on a retry.
 */
export async function encodeShards(
  s3: S3Client,
  bucket: string,
  runId: string,
  items: readonly ShardItem[],
  trainParts: number,
): Promise<{ readonly shards: readonly number[] }> {
  const paths = featurePaths(runId);
  const spec = await readJson<FeatureSpec>(s3, bucket, paths.spec);
  for (const item of items) {
    const at = paths.shard(item.shard);
    const statistics = statisticsFromJson(await readJson<ShardStatisticsJson>(s3, bucket, at.statistics), `s3://${bucket}/${at.statistics}`);
    const resolver = placeholderResolver(statistics, spec);
    const parts = Array.from({ length: trainParts }, (_, k) => s3LineSink(s3, bucket, at.trainPart(k), 'text/csv'));
    const train = new ShardedLineSink(parts.map((p) => p.sink));
    const validation = s3LineSink(s3, bucket, at.validation, 'text/csv');
    try {
      train.expectRows(statistics.split.train);
      await writeResolved(objectChunks(s3, bucket, at.pendingTrain), resolver, train);
      await writeResolved(objectChunks(s3, bucket, at.pendingValidation), resolver, validation.sink);
      // A part no row reached is not written (SageMaker hands instances objects; an empty one is no data).
      await Promise.all([
        statistics.split.validation > 0 ? validation.complete() : validation.abort(),
        ...parts.map((part, k) => (train.rowsPerPart[k] > 0 ? part.complete() : part.abort())),
      ]);
    } catch (err) {
      await Promise.all([validation.abort(), ...parts.map((p) => p.abort())]);
      throw err;
    }
  }
  return { shards: items.map((i) => i.shard) };
}
