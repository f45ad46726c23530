import type { DriftSummary, FeatureDrift } from './drift-window';

/**
 * A self-contained HTML report of one drift check (no scripts, no external assets), written to be
 * read in ten seconds: the verdict with the data set threshold explained, the drifted features by
 * severity with their metric and noise floor, the prediction distribution, then every feature's
 * baseline-vs-live histogram with its bins named on the axis.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : 'n/a');

/** The thresholds the verdicts used (monitoring.thresholds and minWindowRecords). */
export interface ReportRules {
  readonly minWindowRecords: number;
  readonly jensenShannon: number;
  readonly psi: number;
  readonly driftedShare: number;
}

export interface ReportContext {
  readonly endpointName: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly modelPackageArn: string;
  readonly rules: ReportRules;
}

/** How far past its drift line a feature is: its PSI or JS over the larger of threshold and noise floor (1 = on the line). */
export function severity(feature: FeatureDrift, rules: ReportRules): number {
  return Math.max(
    feature.psi / Math.max(rules.psi, feature.noiseFloor.psi),
    feature.jensenShannon / Math.max(rules.jensenShannon, feature.noiseFloor.jensenShannon),
  );
}

const BASELINE = '#8aa4c8';
const LIVE = '#e07b39';

interface Bar {
  readonly label: string;
  readonly baseline?: number;
  readonly live: number;
}

/**
 * Bars per bin with the bin's name under it (rotated: numeric bins are edge ranges) and the share
 * axis on the left; `title` names the chart for screen readers.
 */
function barChart(bars: readonly Bar[], title: string): string {
  const left = 40;
  const plotHeight = 120;
  const labelSpace = 70;
  const slot = Math.max(18, Math.min(60, 560 / Math.max(1, bars.length)));
  const width = left + slot * bars.length + 10;
  const height = plotHeight + labelSpace + 10;
  const max = Math.max(0.001, ...bars.flatMap((b) => [b.baseline ?? 0, b.live]));
  const paired = bars.some((b) => b.baseline !== undefined);
  const bar = Math.max(2, (paired ? slot / 2 : slot) - 3);
  const y = (share: number) => 10 + plotHeight - (share / max) * plotHeight;
  const rect = (x: number, share: number, fill: string, tip: string) =>
    `<rect x="${x.toFixed(1)}" y="${y(share).toFixed(1)}" width="${bar.toFixed(1)}" height="${(10 + plotHeight - y(share)).toFixed(1)}" fill="${fill}"><title>${escape(tip)}</title></rect>`;
  const body = bars
    .map((b, i) => {
      const x = left + i * slot + 1;
      const baseline = b.baseline === undefined ? '' : rect(x, b.baseline, BASELINE, `${b.label}: baseline ${fmt(b.baseline)}`);
      const live = rect(paired ? x + bar + 1 : x, b.live, LIVE, `${b.label}: live ${fmt(b.live)}`);
      const cx = left + i * slot + slot / 2;
      const ty = 10 + plotHeight + 12;
      return `${baseline}${live}<text x="${cx.toFixed(1)}" y="${ty}" font-size="10" text-anchor="end" transform="rotate(-40 ${cx.toFixed(1)} ${ty})">${escape(b.label)}</text>`;
    })
    .join('');
  const axis =
    `<line x1="${left}" y1="10" x2="${left}" y2="${10 + plotHeight}" stroke="#444"/>` +
    `<line x1="${left}" y1="${10 + plotHeight}" x2="${width - 10}" y2="${10 + plotHeight}" stroke="#444"/>` +
    `<text x="${left - 4}" y="14" font-size="10" text-anchor="end">${fmt(max)}</text>` +
    `<text x="${left - 4}" y="${10 + plotHeight}" font-size="10" text-anchor="end">0</text>` +
    `<text x="10" y="${10 + plotHeight / 2}" font-size="10" transform="rotate(-90 10 ${10 + plotHeight / 2})" text-anchor="middle">share</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height}" role="img" aria-label="${escape(title)}">${axis}${body}</svg>`;
}

function verdictOf(summary: DriftSummary, rules: ReportRules): { title: string; explanation: string } {
  const share = `${summary.driftedFeatures} of ${summary.judgedFeatures} judged features drifted (share ${fmt(summary.driftedShare)})`;
  const threshold = `the data set threshold monitoring.thresholds.driftedShare = ${fmt(rules.driftedShare)}`;
  if (summary.insufficientData)
    return {
      title: 'insufficient data',
      explanation: `Insufficient data: ${summary.rows} rows in the window, fewer than monitoring.minWindowRecords = ${rules.minWindowRecords}; no feature is judged.`,
    };
  if (summary.datasetDrift) return { title: 'DRIFT', explanation: `Data set drift: ${share}, at or above ${threshold}.` };
  if (summary.driftedFeatures === 0) return { title: 'no drift', explanation: `No drift: ${share}.` };
  return {
    title: 'no data set drift',
    explanation: `No data set drift: ${share}, below ${threshold}. The drifted features below are worth a look, but they do not raise the data set alarm.`,
  };
}

function driftedTable(features: readonly FeatureDrift[], rules: ReportRules): string {
  if (features.length === 0) return '';
  const rows = features
    .map(
      (f) =>
        `<tr><td>${escape(f.name)}</td><td>${fmt(severity(f, rules))}</td><td>${fmt(f.psi)}</td><td>${fmt(Math.max(rules.psi, f.noiseFloor.psi))}</td><td>${fmt(f.jensenShannon)}</td><td>${fmt(Math.max(rules.jensenShannon, f.noiseFloor.jensenShannon))}</td><td>${fmt(f.missingShareChange)}</td></tr>`,
    )
    .join('');
  return `<h2>Drifted features, most severe first</h2>
<table><tr><th>feature</th><th>severity</th><th>PSI</th><th>PSI line (threshold or noise floor)</th><th>JS distance</th><th>JS line</th><th>missing share change</th></tr>${rows}</table>
<p class="note">Severity is the PSI or JS distance over its line, the larger of the configured threshold and the noise floor sampling alone produces at this window size (above 1 is drifted; a missing share that moved by more than 0.1 is drifted too).</p>`;
}

function predictionSection(summary: DriftSummary): string {
  const p = summary.predictions;
  if (p.classes) {
    const chart = barChart(
      p.classes.map((c) => ({ label: c.label, baseline: c.trainingShare, live: c.share })),
      'predicted classes (live) vs the training labels (baseline), share per class',
    );
    return `<h2>Predictions</h2><p>${p.count} predictions; the most probable class of each, against the classes of the training rows.</p>${chart}`;
  }
  const text = `${p.count} predictions, mean ${p.mean === null ? 'n/a' : fmt(p.mean)} vs the training label mean ${fmt(p.trainingLabelMean)}${p.meanShift === null ? '' : ` (shift ${fmt(p.meanShift)})`}.`;
  const chart = p.histogram
    ? barChart(
        p.histogram.map((b) => ({ label: b.label, live: b.share })),
        'distribution of the predicted scores',
      )
    : '';
  return `<h2>Predictions</h2><p>${text}</p>${chart}`;
}

function featureSection(f: FeatureDrift): string {
  return `<section><h3>${escape(f.name)} <small>(${f.type})</small> — <span class="${f.status}">${f.status}</span></h3>
<table><tr><th>JS distance</th><th>PSI</th><th>KS D</th><th>robust L∞</th><th>missing share (change)</th>${f.unseenShare === undefined ? '' : '<th>unseen share</th>'}<th>live n / baseline m</th><th>noise floor (PSI / JS)</th></tr>
<tr><td>${fmt(f.jensenShannon)}</td><td>${fmt(f.psi)}</td><td>${fmt(f.ks)}</td><td>${fmt(f.robustLInfinity)}</td><td>${fmt(f.missingShare)} (${fmt(f.missingShareChange)})</td>${f.unseenShare === undefined ? '' : `<td>${fmt(f.unseenShare)}</td>`}<td>${f.n} / ${f.m}</td><td>${fmt(f.noiseFloor.psi)} / ${fmt(f.noiseFloor.jensenShannon)}</td></tr></table>
${barChart(
  f.bins.map((b) => ({ label: b.label, baseline: b.baseline, live: b.live })),
  `${f.name}: baseline vs live share per bin`,
)}</section>`;
}

export function renderDriftReport(summary: DriftSummary, context: ReportContext): string {
  const { rules } = context;
  const verdict = verdictOf(summary, rules);
  const drifted = summary.features.filter((f) => f.status === 'drifted').sort((a, b) => severity(b, rules) - severity(a, rules));
  const others = summary.features.filter((f) => f.status !== 'drifted');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report ${escape(context.endpointName)} ${escape(context.windowEnd)}: ${escape(verdict.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:64rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.9rem}
.drifted{color:#b00020;font-weight:bold}.stable{color:#1b7f3b}.insufficient-data,.no-baseline{color:#666}.legend span{display:inline-block;width:1rem;height:.8rem;margin:0 .3rem}
.verdict{font-size:1.1rem;padding:.5rem .75rem;border-left:.3rem solid #888;background:#f4f4f4}.verdict.drift{border-color:#b00020}.note{color:#555;font-size:.85rem}</style></head>
<body><h1>Drift report: ${escape(context.endpointName)} — ${escape(verdict.title)}</h1>
<p class="verdict${summary.datasetDrift ? ' drift' : ''}">${escape(verdict.explanation)}</p>
<p>Window ${escape(context.windowStart)} – ${escape(context.windowEnd)}; model ${escape(context.modelPackageArn)}. ${summary.records} requests, ${summary.rows} rows analysed, ${summary.malformedRows} malformed rows, ${summary.corruptedRecords} corrupted capture lines.</p>
${driftedTable(drifted, rules)}
${predictionSection(summary)}
<h2>Features</h2>
<p class="legend"><span style="background:${BASELINE}"></span>baseline (training) <span style="background:${LIVE}"></span>live window; bars are the share of values per bin, bins named below each chart</p>
${[...drifted, ...others].map(featureSection).join('\n')}
</body></html>
`;
}
