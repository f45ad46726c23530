/**
 * The S3 layout contract shared by the constructs, the handlers and the local runtime.
 * Prefixes end in "/" so that IAM resources can be written as `${prefix}*`.
 */
export const QUARANTINE_PREFIX = 'quarantine/';
export const FEATURES_PREFIX = 'features/';
export const DRIFT_PREFIX = 'drift/';
export const MODELS_PREFIX = 'models/';
export const CAPTURE_PREFIX = 'capture/';
/** Rows kept between the Distributed Map path's two passes: deleted when a run's features are complete, expired by the bucket's lifecycle otherwise. */
export const SCRATCH_PREFIX = 'scratch/';

/** Splits "s3://bucket/key" (the key may be empty); anything else is an error naming the text. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** Where a run's snapshot manifest is written: `features/<run>/manifest.json`. */
export function manifestKey(runId: string): string {
  return `${FEATURES_PREFIX}${runId}/manifest.json`;
}

/** Run-level output paths; `_SUCCESS` is written last, so its presence means the rest is complete. */
export function featurePaths(runId: string) {
  const base = `${FEATURES_PREFIX}${runId}/`;
  return {
    base,
    train: `${base}train/part-00000.csv`,
    /** Part k of the training rows (k from 0): several when training shards them across instances. */
    trainPart: (k: number) => `${base}train/part-${String(k).padStart(5, '0')}.csv`,
    validation: `${base}validation/part-00000.csv`,
    spec: `${base}feature-spec.json`,
    baseline: `${base}baseline.json`,
    summary: `${base}summary.json`,
    success: `${base}_SUCCESS`,
    quarantine: `${QUARANTINE_PREFIX}${runId}/rejected.jsonl`,
    /** The Distributed Map path's work: the plan of shards, and each shard's outputs between the passes. */
    shardPlan: `${base}shards/plan.json`,
    shardResult: `${base}shards/result.json`,
    shard: (k: number) => {
      const at = `${base}shards/${String(k).padStart(5, '0')}/`;
      const scratch = `${SCRATCH_PREFIX}${runId}/shards/${String(k).padStart(5, '0')}/`;
      return {
        statistics: `${at}statistics.json`,
        failure: `${at}failure.json`,
        pendingTrain: `${scratch}train.pending`,
        pendingValidation: `${scratch}validation.pending`,
        quarantine: `${QUARANTINE_PREFIX}${runId}/rejected-${String(k).padStart(5, '0')}.jsonl`,
        trainPart: (part: number) => `${base}train/part-${String(k).padStart(5, '0')}-${String(part).padStart(3, '0')}.csv`,
        validation: `${base}validation/part-${String(k).padStart(5, '0')}.csv`,
      };
    },
  };
}

/** Where Distributed Map runs write their children's results (ResultWriter): `<prefix><map run id>/`. */
export const MAP_RUNS_PREFIX = `${FEATURES_PREFIX}map-runs/`;
