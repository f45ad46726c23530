import type { DriftSummary, FeatureDrift } from './drift-window';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : 'n/a');

/** Baseline vs live shares per bin as an inline SVG bar chart (no scripts, no external assets). */
function histogram(feature: FeatureDrift): string {
  const width = 520;
  const height = 140;
  const bins = feature.bins;
  const max = Math.max(0.001, ...bins.flatMap((b) => [b.baseline, b.live]));
  const slot = width / Math.max(1, bins.length);
  const bar = Math.max(1, slot / 2 - 1);
  const bars = bins
    .map((b, i) => {
      const x = i * slot;
      const hb = (b.baseline / max) * (height - 20);
      const hl = (b.live / max) * (height - 20);
      return (
        `<rect x="${x.toFixed(1)}" y="${(height - hb).toFixed(1)}" width="${bar.toFixed(1)}" height="${hb.toFixed(1)}" fill="#8aa4c8"><title>${escape(b.label)} baseline ${fmt(b.baseline)}</title></rect>` +
        `<rect x="${(x + bar + 1).toFixed(1)}" y="${(height - hl).toFixed(1)}" width="${bar.toFixed(1)}" height="${hl.toFixed(1)}" fill="#e07b39"><title>${escape(b.label)} live ${fmt(b.live)}</title></rect>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escape(feature.name)} baseline vs live">${bars}</svg>`;
}

/** A self-contained HTML report of one drift check. */
export function renderDriftReport(
  summary: DriftSummary,
  context: { endpointName: string; windowStart: string; windowEnd: string; modelPackageArn: string },
): string {
  const verdict = summary.insufficientData ? 'insufficient data' : summary.datasetDrift ? 'DRIFT' : 'no drift';
  const rows = summary.features
    .map(
      (f) => `<section><h2>${escape(f.name)} <small>(${f.type})</small> — <span class="${f.status}">${f.status}</span></h2>
<table><tr><th>JS distance</th><th>PSI</th><th>KS D</th><th>robust L∞</th><th>missing share (change)</th>${f.unseenShare === undefined ? '' : '<th>unseen share</th>'}<th>live n / baseline m</th><th>noise floor (PSI / JS)</th></tr>
<tr><td>${fmt(f.jensenShannon)}</td><td>${fmt(f.psi)}</td><td>${fmt(f.ks)}</td><td>${fmt(f.robustLInfinity)}</td><td>${fmt(f.missingShare)} (${fmt(f.missingShareChange)})</td>${f.unseenShare === undefined ? '' : `<td>${fmt(f.unseenShare)}</td>`}<td>${f.n} / ${f.m}</td><td>${fmt(f.noiseFloor.psi)} / ${fmt(f.noiseFloor.jensenShannon)}</td></tr></table>
${histogram(f)}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report ${escape(context.endpointName)} ${escape(context.windowEnd)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.9rem}
.drifted{color:#b00020;font-weight:bold}.stable{color:#1b7f3b}.insufficient-data,.no-baseline{color:#666}.legend span{display:inline-block;width:1rem;height:.8rem;margin:0 .3rem}</style></head>
<body><h1>Drift report: ${escape(context.endpointName)} — ${escape(verdict)}</h1>
<p>Window ${escape(context.windowStart)} – ${escape(context.windowEnd)}; model ${escape(context.modelPackageArn)}.</p>
<p>${summary.records} requests, ${summary.rows} rows analysed, ${summary.malformedRows} malformed rows, ${summary.corruptedRecords} corrupted capture lines.
Drifted features: ${summary.driftedFeatures} of ${summary.judgedFeatures} judged (share ${fmt(summary.driftedShare)}).
Predictions: ${summary.predictions.count}, mean ${summary.predictions.mean === null ? 'n/a' : fmt(summary.predictions.mean)} vs training label mean ${fmt(summary.predictions.trainingLabelMean)}.</p>
<p class="legend"><span style="background:#8aa4c8"></span>baseline (training) <span style="background:#e07b39"></span>live window</p>
${rows}
</body></html>
`;
}
