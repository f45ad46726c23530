import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { DriftWindow, type DriftRules } from '../../lambdas/core/drift/drift-window';
import { renderDriftReport } from '../../lambdas/core/drift/report-html';
import { processDataset } from '../../lambdas/core/features/process';
import { loadConfig } from '../../lib/config';
import { launchChromium } from '../helpers/browser';
import { memorySink, textSource } from '../helpers/sinks';

/**
 * The drift report as a person sees it: rendered in headless Chromium and read from the page's
 * text, on real statistics (the sample's baseline, live rows with some features shifted). With
 * MLOPS_WRITE_SCREENSHOT=1 it rewrites the README's screenshot, docs/drift-report.png.
 */
const root = path.join(__dirname, '..', '..');
const config = loadConfig();
const rules: DriftRules = { minWindowRecords: config.monitoring.minWindowRecords, ...config.monitoring.thresholds };
let browser: Browser;
let baselineRows: string[][];
let baseline: Awaited<ReturnType<typeof processDataset>>['baseline'];
let featureNames: string[];

beforeAll(async () => {
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const result = await processDataset([textSource('raw/mlc_churn.csv', readFileSync(path.join(root, 'data', 'mlc_churn.csv'), 'utf8'), 1 << 16)], outputs, {
    dataset: config.dataset,
    features: config.features,
    maxBadRowShare: 0.05,
  });
  baseline = result.baseline;
  featureNames = result.spec.features.map((f) => f.name);
  // Live traffic: the encoded rows (label dropped), as the endpoint's capture holds them.
  baselineRows = [...outputs.train.output, ...outputs.validation.output].map((line) => line.split(',').slice(1));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => browser?.close());

/** The window's rows with the named numeric features multiplied by `factor`. */
function reportFor(shifted: readonly string[], factor: number): string {
  const window = new DriftWindow(baseline);
  const columns = shifted.map((name) => featureNames.indexOf(name));
  const rows = baselineRows.map((row) => row.map((value, i) => (columns.includes(i) && value !== '' ? String(Number(value) * factor) : value)));
  window.add({ rows, predictions: rows.map((_, i) => ((i * 37) % 100) / 100) });
  return renderDriftReport(window.summarize(rules), {
    endpointName: 'churn-endpoint',
    windowStart: '2026-12-03T10:00:00.000Z',
    windowEnd: '2026-12-03T11:00:00.000Z',
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/1',
    rules,
  });
}

async function pageText(html: string, screenshot?: string): Promise<{ text: string; axisLabels: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  try {
    await page.setContent(html);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
    return {
      text: await page.innerText('body'),
      axisLabels: await page.locator('svg text').allTextContents(),
    };
  } finally {
    await page.close();
  }
}

test('GIVEN three of nineteen features shifted THEN the page opens with "no data set drift", why (the share against the threshold), and the drifted features by severity', async () => {
  const { text } = await pageText(reportFor(['total_day_minutes', 'total_day_charge', 'total_eve_minutes'], 1.6));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines[0]).toBe('Drift report: churn-endpoint — no data set drift');
  expect(lines[1]).toMatch(
    /^No data set drift: 3 of 19 judged features drifted \(share 0\.158\), below the data set threshold monitoring\.thresholds\.driftedShare = 0\.5\. The drifted features below are worth a look, but they do not raise the data set alarm\.$/,
  );
  expect(lines).toContain('Drifted features, most severe first');
  const table = lines.slice(lines.indexOf('Drifted features, most severe first') + 2, lines.indexOf('Drifted features, most severe first') + 5);
  expect(table.map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['total_day_minutes', 'total_day_charge', 'total_eve_minutes']));
  const severities = table.map((l) => Number(l.split('\t')[1]));
  expect([...severities].sort((a, b) => b - a)).toEqual(severities);
  expect(severities.at(-1)).toBeGreaterThan(1);
  // The predictions come before the features.
  expect(text.indexOf('Predictions')).toBeLessThan(text.indexOf('Features'));
});

test('GIVEN most features shifted THEN the verdict is DRIFT with the threshold, and every histogram names its bins (edges or categories) on its axis', async () => {
  const numeric = baseline.features.filter((f) => f.type === 'numeric').map((f) => f.name);
  const html = reportFor(numeric, 1.5);
  // The README's screenshot is rewritten on request only: a test run leaves the tree as it was.
  const screenshot =
    process.env.MLOPS_WRITE_SCREENSHOT === '1' ? path.join(root, 'docs', 'drift-report.png') : path.join(tmpdir(), `drift-report-${process.pid}.png`);
  const { text, axisLabels } = await pageText(html, screenshot);
  expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  expect(text.split('\n')[0]).toBe('Drift report: churn-endpoint — DRIFT');
  expect(text).toMatch(
    /Data set drift: 1[0-9] of 19 judged features drifted \(share 0\.\d+\), at or above the data set threshold monitoring\.thresholds\.driftedShare = 0\.5\./,
  );
  // Category names, numeric bin edges and the score bins are all on the axes.
  expect(axisLabels).toEqual(expect.arrayContaining(['KS', 'area_code_415', '(other)', '(unseen)', '0.0-0.1', '0.9-1.0', 'share']));
  expect(axisLabels.some((l) => /^\(\d+(\.\d+)?, \d+(\.\d+)?\]$/.test(l))).toBe(true);
  expect(axisLabels.some((l) => /^<= \d/.test(l))).toBe(true);
});

test('GIVEN a window under minWindowRecords THEN the page says insufficient data and how many rows it needs', async () => {
  const window = new DriftWindow(baseline);
  window.add({ rows: baselineRows.slice(0, 10), predictions: [] });
  const { text } = await pageText(
    renderDriftReport(window.summarize(rules), { endpointName: 'e', windowStart: 'a', windowEnd: 'b', modelPackageArn: 'm', rules }),
  );
  expect(text).toContain(`Insufficient data: 10 rows in the window, fewer than monitoring.minWindowRecords = ${rules.minWindowRecords}; no feature is judged.`);
});
