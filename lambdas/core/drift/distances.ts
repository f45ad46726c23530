/**
 * Distances between a baseline histogram and a live one over the same bins. Inputs are counts;
 * shares are derived here. Reference formulas (tests compare with scipy/numpy fixtures):
 *   JS distance (base 2) = sqrt(JSD), JSD = (KL(p||m) + KL(q||m)) / 2, m = (p + q) / 2
 *   binned KS D          = max_i |cumsum(p)_i - cumsum(q)_i|
 *   robust L-infinity    = max(0, D - 1.8 * sqrt((n + m) / (n * m)))   (SageMaker Model Monitor)
 *   PSI                  = sum((q - p) * ln(q / p)), empty shares replaced by 1e-4
 */

export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) divergence += 0.5 * p[i] * Math.log2(p[i] / m);
    if (q[i] > 0) divergence += 0.5 * q[i] * Math.log2(q[i] / m);
  }
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.sqrt(Math.max(0, divergence));
}

export function ksStatistic(p: readonly number[], q: readonly number[]): number {
  let cp = 0;
  let cq = 0;
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    cp += p[i];
    cq += q[i];
    d = Math.max(d, Math.abs(cp - cq));
  }
  return d;
}

/** Model Monitor's robust variant: D minus its critical value at alpha 0.003 (c = 1.8). */
export function robustLInfinity(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 0;
  return Math.max(0, d - 1.8 * Math.sqrt((n + m) / (n * m)));
}

export const PSI_EMPTY_SHARE = 1e-4;

export function populationStabilityIndex(p: readonly number[], q: readonly number[]): number {
  let psi = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] > 0 ? p[i] : PSI_EMPTY_SHARE;
    const b = q[i] > 0 ? q[i] : PSI_EMPTY_SHARE;
    psi += (b - a) * Math.log(b / a);
  }
  return psi;
}

/** Upper quantile of the chi-square distribution (Wilson–Hilferty; within ~1% for df >= 3). */
export function chiSquareQuantile(probability: number, df: number): number {
  const z = normalQuantile(probability);
  const k = 2 / (9 * df);
  return df * (1 - k + z * Math.sqrt(k)) ** 3;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The 99th percentile of PSI and JS distance between two samples of the same distribution over
 * B bins (REFERENCE.md): PSI ~ chi2_{0.99,B-1} (1/n + 1/m), JS ~ sqrt(PSI_99 / (8 ln 2)).
 * Distances below these are what sampling alone produces, so they never count as drift.
 */
export function noiseFloor(bins: number, n: number, m: number): { psi: number; jensenShannon: number } {
  if (bins < 2 || n === 0 || m === 0) return { psi: Number.POSITIVE_INFINITY, jensenShannon: 1 };
  const psi = chiSquareQuantile(0.99, bins - 1) * (1 / n + 1 / m);
  return { psi, jensenShannon: Math.sqrt(psi / (8 * Math.LN2)) };
}
