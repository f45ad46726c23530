import type { S3Client } from '@aws-sdk/client-s3';
import { featurePaths } from '../contracts/layout';
import { gatherShard, type ProcessOptions } from '../core/features/process';
import { statisticsToJson } from '../core/features/shard-statistics';
import { SpillDirectory, SPILL_READ_CHUNK, type SpillFile } from '../core/io/spill-file';
import { putJson, readJsonIfExists, s3LineSink } from '../shared/s3';
import { shardName, shardSource, type ShardItem } from './shard-plan';

/** What a pass-1 child did: its shards, and those whose data failed them (the merge fails the run on the first). */
export interface GatherResult {
  readonly shards: readonly number[];
  readonly failed: readonly number[];
}

/** Errors of the data itself: kept as the shard's failure for the merge to report in row order; anything else fails the child. */
const DATA_ERRORS = new Set(['DataValidationError', 'CsvFormatError', 'HeaderError']);

/**
 * Pass 1 for a batch of shards: each is validated and counted (statistics.json), its rejected rows
 * quarantined and its accepted rows kept encoded with placeholders (train/validation.pending) for
 * pass 2. A shard already gathered (a retry) is skipped; its outputs are deterministic by shard.
 */
export async function gatherShards(s3: S3Client, bucket: string, runId: string, items: readonly ShardItem[], options: ProcessOptions): Promise<GatherResult> {
  const paths = featurePaths(runId);
  const failed: number[] = [];
  for (const item of items) {
    const at = paths.shard(item.shard);
    if (await readJsonIfExists(s3, bucket, at.statistics)) continue;
    const scratch = new SpillDirectory(options.scratchDirectory);
    const quarantine = s3LineSink(s3, bucket, at.quarantine, 'application/x-ndjson');
    try {
      const gathered = await gatherShard([shardSource(s3, bucket, item)], quarantine.sink, scratch, options);
      await Promise.all([
        upload(s3, bucket, at.pendingTrain, gathered.pending.train),
        upload(s3, bucket, at.pendingValidation, gathered.pending.validation),
        quarantine.complete(),
      ]);
      await putJson(s3, bucket, at.statistics, statisticsToJson(gathered.statistics));
    } catch (err) {
      await quarantine.complete().catch(() => quarantine.abort());
      const error = err as Error;
      if (!DATA_ERRORS.has(error.name)) throw new Error(`${shardName(item)}: ${error.message}`, { cause: err });
      await putJson(s3, bucket, at.failure, { shard: item.shard, name: shardName(item), error: error.name, message: error.message });
      failed.push(item.shard);
    } finally {
      scratch.remove();
    }
  }
  return { shards: items.map((i) => i.shard), failed };
}

/** A scratch file's bytes to an S3 object. */
async function upload(s3: S3Client, bucket: string, key: string, file: SpillFile): Promise<void> {
  const target = s3LineSink(s3, bucket, key, 'application/octet-stream');
  try {
    await file.readBack(new Uint8Array(SPILL_READ_CHUNK), async (bytes) => {
      target.sink.appendBytes(bytes, 0, bytes.length);
      await target.sink.drain();
      return bytes.length;
    });
    await target.complete();
  } catch (err) {
    await target.abort();
    throw err;
  }
}
