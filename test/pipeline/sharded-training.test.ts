import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveOnLocalEndpoints } from '../../lib/local/services/sagemaker/endpoint-serving';
import { LocalEndpoints } from '../../lib/local/services/sagemaker/endpoint';
import { localXgboostTrainer } from '../../lib/local/trainer/sagemaker-trainer';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, useHarness } from '../helpers/pipeline';

/**
 * Training on 2 instances: the feature step writes a part file per instance, the train channel is
 * sharded by S3 key (each instance gets its own part) with traffic between the instances encrypted,
 * and the local trainer trains on every part, as distributed XGBoost trains one model on all shards.
 */
const endpoints = new LocalEndpoints();
const harness = useHarness(
  new PipelineHarness(
    makeConfig({ training: { instanceCount: 2 } }),
    (h) => localXgboostTrainer(h.s3),
    (h) => serveOnLocalEndpoints(endpoints, h.s3),
  ),
);
const previousTmp = process.env.TMPDIR;
process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), 'mlops-sharded-training-'));
beforeAll(() => endpoints.start());
afterAll(async () => {
  process.env.TMPDIR = previousTmp;
  await endpoints.stop();
});

test('GIVEN 2 training instances WHEN a run executes THEN 2 train part files feed a sharded channel (the local trainer reads them all) and the model deploys', async () => {
  const input = await harness.snapshot({ 'raw/real/mlc_churn.csv': SAMPLE });
  const { execution, notifications } = await harness.run(input);
  expect(execution.status).toBe('SUCCEEDED');
  expect(notifications.map((n) => n.message.outcome)).toEqual(['DEPLOYED']);

  const parts = await harness.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: `features/${input.runId}/train/` }));
  expect(parts.Contents?.map((o) => o.Key!.split('/').at(-1))).toEqual(['part-00000.csv', 'part-00001.csv']);
  const [job] = [...harness.sagemaker.trainingJobs.values()];
  expect(job.request.ResourceConfig?.InstanceCount).toBe(2);
  expect(job.request.EnableInterContainerTrafficEncryption).toBe(true);
  expect(job.request.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3DataDistributionType])).toEqual([
    ['train', 'ShardedByS3Key'],
    ['validation', 'FullyReplicated'],
  ]);
  expect(job.metrics.find((m) => m.MetricName === 'validation:auc')!.Value).toBeGreaterThan(0.85);
});
