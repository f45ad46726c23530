/** Defaults the config schema and the constructs share (a construct used without the config gets the same). */
export const DEFAULTS = {
  rawPrefix: 'raw/',
  maxBadRowShare: 0.05,
  samplingPercent: 100,
  latencyP99Ms: 1000,
  /** retraining.distributed: Distributed Map from 4 GiB (a Lambda's 10 GiB of scratch holds ~0.82x its input), shards of 128 MiB. */
  distributedFeatures: { minSnapshotBytes: 4 * 1024 ** 3, shardBytes: 128 * 1024 ** 2, shardsPerChild: 4, maxConcurrency: 100 },
} as const;
