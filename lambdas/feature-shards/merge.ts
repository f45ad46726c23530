import type { S3Client } from '@aws-sdk/client-s3';
import { featurePaths } from '../contracts/layout';
import { DataValidationError, fitFeatures, type ProcessOptions, type ProcessResult } from '../core/features/process';
import { statisticsFromJson, type ShardStatistics, type ShardStatisticsJson } from '../core/features/shard-statistics';
import { readJson, readJsonIfExists } from '../shared/s3';
import { shardSource, type ShardItem } from './shard-plan';

interface ShardFailure {
  readonly name: string;
  readonly error: string;
  readonly message: string;
}

/** Statistics files read at once (each is small; many shards). */
const READ_CONCURRENCY = 32;

/**
 * The merge between the passes: every shard's statistics in row order (a shard whose data failed
 * fails the run here, the first in row order, with the shard named), fitted into the spec and
 * baseline exactly as one process would fit them. Writes the spec, baseline and summary.
 */
export async function mergeShards(
  s3: S3Client,
  bucket: string,
  runId: string,
  items: readonly ShardItem[],
  options: Pick<ProcessOptions, 'dataset' | 'features' | 'maxBadRowShare'>,
): Promise<ProcessResult> {
  const paths = featurePaths(runId);
  const statistics = new Array<ShardStatistics>(items.length);
  const failures = new Array<ShardFailure | undefined>(items.length);
  let next = 0;
  const reader = async () => {
    while (next < items.length) {
      const k = next++;
      const at = paths.shard(items[k].shard);
      failures[k] = await readJsonIfExists<ShardFailure>(s3, bucket, at.failure);
      if (!failures[k]) statistics[k] = statisticsFromJson(await readJson<ShardStatisticsJson>(s3, bucket, at.statistics), `s3://${bucket}/${at.statistics}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, reader));
  const failure = failures.find((f) => f !== undefined);
  if (failure) throw new DataValidationError(`${failure.name}: ${failure.message}`);
  // Only when one class is all there is: the first shard's rows are read again to list the target's values.
  return fitFeatures(statistics, options, {
    sources: [shardSource(s3, bucket, items[0])],
    sampleNote: `values listed from the first shard only, ${items[0].object.key}`,
  });
}
