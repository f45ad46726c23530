import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PipelineStates } from '../../lambdas/contracts/states';
import { processDataset } from '../../lambdas/core/features/process';
import { serveOnLocalEndpoints } from '../../lib/local/services/sagemaker/endpoint-serving';
import { LocalEndpoints } from '../../lib/local/services/sagemaker/endpoint';
import { localXgboostTrainer } from '../../lib/local/trainer/sagemaker-trainer';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, useHarness } from '../helpers/pipeline';
import { memorySink, textSource } from '../helpers/sinks';

/**
 * The Distributed Map path of feature processing, run by the local twin's Distributed Map with
 * the template's IAM: a 200-file snapshot plus a file larger than a shard (cut into byte ranges on
 * record boundaries) goes PlanShards → GatherShards → MergeShards → EncodeShards →
 * FinishFeatures, and its spec, baseline and encoded rows equal one process's over the same
 * files; then shards whose data fails fail the run with the first one named.
 */
const MIB = 1024 * 1024;
const config = makeConfig({ retraining: { distributed: { minSnapshotBytes: 1, shardBytes: MIB, shardsPerChild: 4, maxConcurrency: 8 } } });
const endpoints = new LocalEndpoints();
const harness = useHarness(
  new PipelineHarness(
    config,
    (h) => localXgboostTrainer(h.s3),
    (h) => serveOnLocalEndpoints(endpoints, h.s3),
  ),
);
const previousTmp = process.env.TMPDIR;
process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), 'mlops-distributed-features-'));
beforeAll(() => endpoints.start());
afterAll(async () => {
  process.env.TMPDIR = previousTmp;
  await endpoints.stop();
});

const [HEADER, ...ROWS] = SAMPLE.trimEnd().split('\n');

/** 200 files of the sample's rows, then one of ~1.5 MiB (three times the rows): more than a shard. */
function snapshotFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const per = Math.ceil(ROWS.length / 200);
  for (let f = 0; f < 200; f++) files[`raw/many/part-${String(f).padStart(3, '0')}.csv`] = [HEADER, ...ROWS.slice(f * per, (f + 1) * per)].join('\n') + '\n';
  files['raw/many/zz-large.csv'] = [HEADER, ...ROWS, ...ROWS, ...ROWS].join('\n') + '\n';
  return files;
}

async function text(key: string): Promise<string> {
  const response = await harness.s3.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
  return response.Body!.transformToString();
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

test('GIVEN a snapshot of 201 files above minSnapshotBytes WHEN a run executes THEN the Distributed Map path writes what one process writes, and the model deploys', async () => {
  const files = snapshotFiles();
  const input = await harness.snapshot(files);
  const { execution, notifications } = await harness.run(input);
  expect(execution.status).toBe('SUCCEEDED');
  expect(notifications.map((n) => n.message.outcome)).toEqual(['DEPLOYED']);
  expect(execution.statesEntered).toEqual(
    expect.arrayContaining([
      PipelineStates.CHOOSE_FEATURE_PATH,
      PipelineStates.PLAN_SHARDS,
      PipelineStates.GATHER_SHARDS,
      PipelineStates.MERGE_SHARDS,
      PipelineStates.ENCODE_SHARDS,
      PipelineStates.FINISH_FEATURES,
      PipelineStates.TRAIN,
    ]),
  );
  expect(execution.statesEntered).not.toContain(PipelineStates.PROCESS_FEATURES);

  // The large file was cut into byte ranges on record boundaries.
  const plan = JSON.parse(await text(`features/${input.runId}/shards/plan.json`)) as { object: { key: string }; range?: { start: number } }[];
  const ranges = plan.filter((item) => item.object.key === 'raw/many/zz-large.csv');
  expect(plan).toHaveLength(200 + ranges.length);
  expect(ranges.length).toBeGreaterThan(1);

  // One process over the same files, in the snapshot's order: the same spec, baseline and rows.
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const sorted = Object.keys(files).sort();
  const one = await processDataset(
    sorted.map((key) => textSource(key, files[key], 65536)),
    outputs,
    { dataset: config.dataset, features: config.features, maxBadRowShare: config.retraining.maxBadRowShare },
  );
  // Serialized alike (putJson indents), every value the same down to the last bit of each double.
  const canonical = async (key: string) => JSON.stringify(JSON.parse(await text(key)));
  expect(await canonical(`features/${input.runId}/feature-spec.json`)).toBe(JSON.stringify(one.spec));
  expect(await canonical(`features/${input.runId}/baseline.json`)).toBe(JSON.stringify(one.baseline));
  const trainKeys = await keys(`features/${input.runId}/train/`);
  const validationKeys = await keys(`features/${input.runId}/validation/`);
  const joined = async (list: string[]) => (await Promise.all(list.map(text))).join('');
  expect(await joined(trainKeys)).toBe(outputs.train.output.join('\n') + '\n');
  expect(await joined(validationKeys)).toBe(outputs.validation.output.join('\n') + '\n');

  // Each Distributed Map wrote its children's results (ResultWriter) under features/map-runs/.
  const manifests = (await keys('features/map-runs/')).filter((k) => k.endsWith('/manifest.json'));
  expect(manifests).toHaveLength(2);
  const manifest = JSON.parse(await text(manifests[0])) as { ResultFiles: { SUCCEEDED: unknown[]; FAILED: unknown[] } };
  expect(manifest.ResultFiles.FAILED).toEqual([]);
  expect(manifest.ResultFiles.SUCCEEDED).toHaveLength(1);
  expect(JSON.parse(await text(`features/${input.runId}/_SUCCESS`))).toMatchObject({
    trainPrefix: `s3://data/features/${input.runId}/train/`,
    summary: { fileCount: 201 },
  });
  // FinishFeatures deleted the pending rows between the passes (nothing reads them after _SUCCESS); the statistics stay.
  expect(await keys(`scratch/${input.runId}/`)).toEqual([]);
  expect((await keys(`features/${input.runId}/shards/`)).filter((k) => k.endsWith('/statistics.json'))).toHaveLength(plan.length);
}, 300_000);

test('GIVEN two shards whose CSV is broken WHEN a run executes THEN it fails at MergeShards naming the first in row order, its file and line, and nothing trains', async () => {
  // 12 files of the snapshot are enough: what is checked is the merge's choice and its message.
  const files = Object.fromEntries(Object.entries(snapshotFiles()).slice(0, 12));
  files['raw/many/part-009.csv'] = `${HEADER}\n"unclosed,${ROWS[1]}\n`;
  files['raw/many/part-007.csv'] = `${HEADER}\n${ROWS[0]}\n"unclosed,${ROWS[1]}\n`;
  const jobsBefore = harness.sagemaker.trainingJobs.size;
  const input = await harness.snapshot(files);
  const { execution, notifications } = await harness.run(input);
  expect(execution.status).toBe('FAILED');
  expect(execution.statesEntered).toContain(PipelineStates.MERGE_SHARDS);
  expect(execution.statesEntered).not.toContain(PipelineStates.ENCODE_SHARDS);
  const failure = notifications.find((n) => n.message.outcome === 'FAILED')!;
  expect(failure.message.error).toBe('DataValidationError');
  expect(String(failure.message.cause)).toMatch(/^shard 7 \(raw\/many\/part-007\.csv\): raw\/many\/part-007\.csv: line 3/);
  expect(harness.sagemaker.trainingJobs.size).toBe(jobsBefore);
}, 300_000);
