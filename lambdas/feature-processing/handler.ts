import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { datasetSchema, featuresSchema } from '../contracts/config/data-schema';
import { processDataset, type ProcessSummary } from '../core/features/process';
import { assertScratchSpace } from '../core/io/spill-file';
import { ShardedLineSink } from '../core/io/sharded-sink';
import { featurePaths } from '../contracts/layout';
import type { SnapshotManifest } from '../core/snapshot';
import { emitMetrics } from '../shared/metrics';
import { putJson, readJson, readJsonIfExists, s3LineSink, snapshotSource } from '../shared/s3';
import { createLogger } from '../shared/logger';

const s3 = new S3Client({});
const logger = createLogger('feature-processing');

/** The task input the state machine sends: the run, its manifest, and the data set's config. */
export const featureProcessingEventSchema = z.strictObject({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  manifest: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  config: z.strictObject({
    dataset: datasetSchema,
    features: featuresSchema,
    maxBadRowShare: z.number().min(0).max(1),
    /** Training part files: one per training instance, so that a channel sharded by S3 key gives each instance its own. */
    trainParts: z.number().int().min(1).max(100).default(1),
  }),
});
export type FeatureProcessingEvent = z.input<typeof featureProcessingEventSchema>;

/** What the state machine passes on to training: where everything is, and the counts. */
export interface FeatureProcessingResult {
  readonly runId: string;
  readonly bucket: string;
  readonly trainPrefix: string;
  readonly validationPrefix: string;
  readonly featureSpecUri: string;
  readonly baselineUri: string;
  readonly quarantineUri: string;
  readonly summary: Omit<ProcessSummary, 'files'> & { readonly fileCount: number; readonly skippedObjects: number };
}

/**
 * Validates a pinned data snapshot and writes the training inputs. A retry after success returns
 * the stored result; a failed attempt leaves no `_SUCCESS` marker, so nothing it wrote is taken
 * as complete, and the next attempt overwrites it.
 */
export async function handler(rawEvent: unknown): Promise<FeatureProcessingResult> {
  const parsed = featureProcessingEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    throw new Error(`invalid feature-processing input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const { runId, manifest: manifestRef, config } = parsed.data;
  const manifest = await readJson<SnapshotManifest>(s3, manifestRef.bucket, manifestRef.key);
  const bucket = manifest.bucket;
  const paths = featurePaths(runId);

  const previous = await readJsonIfExists<FeatureProcessingResult>(s3, bucket, paths.success);
  if (previous) {
    logger.info('this run was already processed: returning the stored result', { runId });
    return previous;
  }

  const started = Date.now();
  const bytes = manifest.objects.reduce((n, o) => n + o.size, 0);
  logger.info('processing snapshot', { runId, objects: manifest.objects.length, bytes });
  assertScratchSpace(bytes);
  const trainParts = Array.from({ length: config.trainParts }, (_, k) => s3LineSink(s3, bucket, paths.trainPart(k), 'text/csv'));
  const train = new ShardedLineSink(trainParts.map((part) => part.sink));
  const outputs = {
    quarantine: s3LineSink(s3, bucket, paths.quarantine, 'application/x-ndjson'),
    validation: s3LineSink(s3, bucket, paths.validation, 'text/csv'),
  };
  let result;
  try {
    result = await processDataset(
      manifest.objects.map((object) => snapshotSource(s3, bucket, object)),
      { quarantine: outputs.quarantine.sink, train, validation: outputs.validation.sink },
      { dataset: config.dataset, features: config.features, maxBadRowShare: config.maxBadRowShare },
    );
  } catch (err) {
    await Promise.all([...trainParts.map((part) => part.abort()), outputs.validation.abort()]);
    // Keep the rejected rows of a failed run, whatever failed it (a format error in a later file
    // too): they are how the user finds out what to fix. If even that fails, the run's error wins.
    const kept = await outputs.quarantine.complete().then(
      () => true,
      async (quarantineError: unknown) => {
        logger.error('the rejected rows could not be kept', { runId, reason: (quarantineError as Error).message });
        await outputs.quarantine.abort().catch(() => undefined);
        return false;
      },
    );
    logger.error('feature processing failed', {
      runId,
      error: (err as Error).name,
      reason: (err as Error).message,
      quarantine: kept ? outputs.quarantine.uri : 'not written',
    });
    throw err;
  }
  // A part no row reached (fewer rows than parts) is not written: SageMaker hands an instance
  // objects, and an empty one is no data.
  await Promise.all([
    outputs.quarantine.complete(),
    outputs.validation.complete(),
    ...trainParts.map((part, k) => (train.rowsPerPart[k] > 0 ? part.complete() : part.abort())),
  ]);

  const { files, ...counts } = result.summary;
  await Promise.all([
    putJson(s3, bucket, paths.spec, result.spec),
    putJson(s3, bucket, paths.baseline, result.baseline),
    putJson(s3, bucket, paths.summary, { runId, manifestHash: manifest.hash, ...result.summary, skippedObjects: manifest.skipped ?? [] }),
  ]);
  const output: FeatureProcessingResult = {
    runId,
    bucket,
    trainPrefix: `s3://${bucket}/${paths.base}train/`,
    validationPrefix: `s3://${bucket}/${paths.base}validation/`,
    featureSpecUri: `s3://${bucket}/${paths.spec}`,
    baselineUri: `s3://${bucket}/${paths.baseline}`,
    quarantineUri: outputs.quarantine.uri,
    summary: { ...counts, fileCount: files.length, skippedObjects: manifest.skipped?.length ?? 0 },
  };
  await putJson(s3, bucket, paths.success, output);

  emitMetrics(
    { Dataset: config.dataset.name },
    { RowsRead: counts.rowsRead, RowsAccepted: counts.accepted, RowsRejected: counts.rejected, TrainRows: counts.train, ValidationRows: counts.validation },
  );
  logger.info('feature processing complete', { runId, durationMs: Date.now() - started, ...counts, unknownColumns: files.flatMap((f) => f.unknownColumns) });
  return output;
}
