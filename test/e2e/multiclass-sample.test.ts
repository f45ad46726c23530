import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { startControlServer, type ControlServer, type PredictResponse } from '../../lib/local/cli/control-server';
import { rawFeatureRows, sendTraffic } from '../../lib/local/cli/traffic';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { readJsonAt } from '../../lambdas/shared/s3';
import type { DriftSummary } from '../../lambdas/core/drift/drift-window';
import type { FeatureSpec } from '../../lambdas/core/features/feature-spec';

/**
 * The shipped multiclass sample end to end, IAM enforced: Ames house sales (data/ames.csv, the
 * modeldata R package, MIT) predicting the building type Bldg_Type (5 classes) with
 * config/ames.json, which `mlops init data/ames.csv --target Bldg_Type` wrote. The synthesized
 * state machine trains multi:softprob with num_class 5, the gate reads validation:mlogloss, the
 * endpoint answers every class's probability, and the drift check counts the predicted classes.
 */
const root = path.join(__dirname, '..', '..');
const config = loadConfig(path.join(root, 'config', 'ames.json'));
const sample = readFileSync(path.join(root, 'data', 'ames.csv'), 'utf8');
const CLASSES = ['Duplex', 'OneFam', 'Twnhs', 'TwnhsE', 'TwoFmCon'];
let local: LocalMlops;
let control: ControlServer;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  local = await LocalMlops.start({ template: synthesizeTemplate(config), directory: mkdtempSync(path.join(tmpdir(), 'mlops-ames-')) });
  control = await startControlServer(local);
  await local.upload('raw/ames.csv', sample);
  await local.idle();
}, 120_000);

afterAll(async () => {
  await control?.close();
  await local?.stop();
  jest.restoreAllMocks();
});

test('GIVEN the Ames sample THEN the run trains multi:softprob with num_class 5 from the template, gates on validation:mlogloss and deploys', () => {
  const [run] = local.runReports();
  expect(run.outcome).toBe('DEPLOYED');
  expect(run.data).toMatchObject({ rowsRead: 2930, accepted: 2930, rejected: 0 });
  expect(run.gate?.reason).toContain('validation:mlogloss');
  const [job] = [...local.sagemaker.trainingJobs.values()];
  expect(job.request.HyperParameters).toMatchObject({ objective: 'multi:softprob', num_class: '5', eval_metric: 'mlogloss' });
});

test('GIVEN raw rows THEN predict answers the most probable class and each class probability, in allowedValues order, right far more often than "OneFam" always (on its own training rows: a check that it learned, not a test score)', async () => {
  const response = await fetch(`${control.endpoint}/predict`, { method: 'POST', body: sample, headers: { authorization: `Bearer ${control.token}` } });
  expect(response.status).toBe(200);
  const result = (await response.json()) as PredictResponse;
  expect(result.classes).toEqual(CLASSES);
  expect(result.probabilities).toHaveLength(2930);
  for (const row of result.probabilities!) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  const truth = sample
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line.split(',')[14]) as string);
  const accuracy = result.predictedClasses!.filter((c, i) => c === truth[i]).length / truth.length;
  const oneFam = truth.filter((t) => t === 'OneFam').length / truth.length;
  expect(oneFam).toBeGreaterThan(0.8);
  expect(accuracy).toBeGreaterThan(oneFam + 0.1);
});

test('GIVEN captured traffic THEN the drift check counts the predicted classes beside the training classes', async () => {
  const deployed = local.deployedModel();
  const spec = await readJsonAt<FeatureSpec>(local.s3, deployed.featureSpecUri!);
  const { rows } = rawFeatureRows(Buffer.from(sample), spec, 'ames.csv');
  const runtime = local.runtimeClient();
  try {
    await sendTraffic(runtime, local.functionSetting('ENDPOINT_NAME'), spec, rows);
  } finally {
    runtime.destroy();
  }
  const { result } = await local.checkDrift(new Date(Date.now() + 60_000));
  const summary = await readJsonAt<DriftSummary>(local.s3, result.reportUri!);
  expect(summary.corruptedRecords).toBe(0);
  // The predict test's rows were captured too: every row twice.
  expect(summary.predictions.count).toBe(2 * 2930);
  expect(summary.predictions.classes!.map((c) => c.label)).toEqual(CLASSES);
  const oneFam = summary.predictions.classes!.find((c) => c.label === 'OneFam')!;
  expect(oneFam.trainingShare).toBeGreaterThan(0.8);
  expect(Math.abs(oneFam.share - oneFam.trainingShare)).toBeLessThan(0.05);
});
