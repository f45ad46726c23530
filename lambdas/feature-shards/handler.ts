import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { datasetSchema, featuresSchema } from '../contracts/config/data-schema';
import { featurePaths, manifestKey, QUARANTINE_PREFIX } from '../contracts/layout';
import type { SnapshotManifest } from '../core/snapshot';
import { createLogger } from '../shared/logger';
import { emitMetrics } from '../shared/metrics';
import { putJson, readJson, readJsonIfExists } from '../shared/s3';
import type { FeatureProcessingResult } from '../feature-processing/handler';
import { encodeShards } from './encode';
import { finishShards } from './finish';
import { gatherShards } from './gather';
import { mergeShards } from './merge';
import { planShards, type ShardItem } from './shard-plan';

const s3 = new S3Client({});
const logger = createLogger('feature-shards');

const runId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);
const processing = z.strictObject({ dataset: datasetSchema, features: featuresSchema, maxBadRowShare: z.number().min(0).max(1) });
const shardItem = z.strictObject({
  shard: z.number().int().min(0),
  object: z.strictObject({ key: z.string().min(1), versionId: z.string().nullable(), etag: z.string(), size: z.number().int().min(0) }),
  range: z.strictObject({ headerEnd: z.number().int(), start: z.number().int(), end: z.number().int(), firstDataLine: z.number().int().min(1) }).optional(),
});

/**
 * The Distributed Map path of feature processing, one function for its steps (the state machine
 * names the step): plan the shards, gather each shard's statistics (pass 1, a Map child), merge
 * them into the spec and baseline, encode each shard (pass 2, a Map child), finish.
 */
export const featureShardsEventSchema = z.discriminatedUnion('step', [
  z.strictObject({
    step: z.literal('plan'),
    runId,
    manifest: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
    shardBytes: z.number().int().min(1),
  }),
  z.strictObject({ step: z.literal('gather'), runId, bucket: z.string().min(1), items: z.array(shardItem).min(1), config: processing }),
  z.strictObject({ step: z.literal('merge'), runId, bucket: z.string().min(1), config: processing }),
  z.strictObject({
    step: z.literal('encode'),
    runId,
    bucket: z.string().min(1),
    items: z.array(shardItem).min(1),
    trainParts: z.number().int().min(1).max(100),
  }),
  z.strictObject({ step: z.literal('finish'), runId, bucket: z.string().min(1) }),
]);
export type FeatureShardsEvent = z.input<typeof featureShardsEventSchema>;

/** PlanShards' output: where the plan is (the Map states' ItemReader reads it) and how many shards. */
export interface ShardPlanResult {
  readonly bucket: string;
  readonly key: string;
  readonly shards: number;
}

export async function handler(rawEvent: unknown): Promise<unknown> {
  const parsed = featureShardsEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    throw new Error(`invalid feature-shards input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const event = parsed.data;
  const paths = featurePaths(event.runId);
  switch (event.step) {
    case 'plan': {
      const manifest = await readJson<SnapshotManifest>(s3, event.manifest.bucket, event.manifest.key);
      const previous = await readJsonIfExists<ShardItem[]>(s3, manifest.bucket, paths.shardPlan);
      const items = previous ?? (await planShards(s3, manifest, event.shardBytes));
      if (!previous) await putJson(s3, manifest.bucket, paths.shardPlan, items);
      logger.info('planned shards', { runId: event.runId, objects: manifest.objects.length, shards: items.length });
      return { bucket: manifest.bucket, key: paths.shardPlan, shards: items.length } satisfies ShardPlanResult;
    }
    case 'gather':
      return gatherShards(s3, event.bucket, event.runId, event.items, event.config);
    case 'merge': {
      const items = await readJson<ShardItem[]>(s3, event.bucket, paths.shardPlan);
      const manifest = await readJson<SnapshotManifest>(s3, event.bucket, manifestKey(event.runId));
      const result = await mergeShards(s3, event.bucket, event.runId, items, event.config);
      const { files, ...counts } = result.summary;
      await Promise.all([
        putJson(s3, event.bucket, paths.spec, result.spec),
        putJson(s3, event.bucket, paths.baseline, result.baseline),
        putJson(s3, event.bucket, paths.summary, {
          runId: event.runId,
          manifestHash: manifest.hash,
          ...result.summary,
          shards: items.length,
          skippedObjects: manifest.skipped ?? [],
        }),
      ]);
      const output: FeatureProcessingResult = {
        runId: event.runId,
        bucket: event.bucket,
        trainPrefix: `s3://${event.bucket}/${paths.base}train/`,
        validationPrefix: `s3://${event.bucket}/${paths.base}validation/`,
        featureSpecUri: `s3://${event.bucket}/${paths.spec}`,
        baselineUri: `s3://${event.bucket}/${paths.baseline}`,
        quarantineUri: `s3://${event.bucket}/${QUARANTINE_PREFIX}${event.runId}/`,
        summary: { ...counts, fileCount: files.length, skippedObjects: manifest.skipped?.length ?? 0 },
      };
      await putJson(s3, event.bucket, paths.shardResult, output);
      emitMetrics(
        { Dataset: event.config.dataset.name },
        { RowsRead: counts.rowsRead, RowsAccepted: counts.accepted, RowsRejected: counts.rejected, TrainRows: counts.train, ValidationRows: counts.validation },
      );
      logger.info('merged shard statistics', { runId: event.runId, shards: items.length, ...counts });
      return { shards: items.length };
    }
    case 'encode':
      return encodeShards(s3, event.bucket, event.runId, event.items, event.trainParts);
    case 'finish':
      return finishShards(s3, event.bucket, event.runId);
  }
}
