/** Defaults the config schema and the constructs share (a construct used without the config gets the same). */
export const DEFAULTS = {
  rawPrefix: 'raw/',
  maxBadRowShare: 0.05,
  samplingPercent: 100,
  latencyP99Ms: 1000,
} as const;
