import { parseXgboostOutput } from '../../lambdas/core/xgboost-output';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { parseCaptureLine } from '../../lambdas/core/drift/capture';
import { serveOnLocalEndpoints } from '../../lib/local/services/sagemaker/endpoint-serving';
import { LocalEndpoints } from '../../lib/local/services/sagemaker/endpoint';
import { binaryAuc } from '../../lib/local/trainer/metrics';
import { localXgboostTrainer } from '../../lib/local/trainer/sagemaker-trainer';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, useHarness } from '../helpers/pipeline';

/** The pipeline with the real local trainer and endpoint: a model is trained, registered, deployed and answers. */
const endpoints = new LocalEndpoints();
const harness = useHarness(
  new PipelineHarness(
    makeConfig(),
    (h) => localXgboostTrainer(h.s3),
    (h) => serveOnLocalEndpoints(endpoints, h.s3),
  ),
);
let runtime: SageMakerRuntimeClient;

// The jobs' scratch space (their channels spilled column by column) goes here, and must not stay.
const scratch = mkdtempSync(path.join(tmpdir(), 'mlops-real-training-'));
const previousTmp = process.env.TMPDIR;
process.env.TMPDIR = scratch;

beforeAll(async () => {
  const url = await endpoints.start();
  runtime = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
});
afterAll(async () => {
  process.env.TMPDIR = previousTmp;
  runtime.destroy();
  await endpoints.stop();
});

describe('retraining with the local trainer and endpoint', () => {
  test('GIVEN the churn sample WHEN a run executes THEN the trained model is deployed and predicts held-out rows well', async () => {
    const input = await harness.snapshot({ 'raw/real/mlc_churn.csv': SAMPLE });
    const { execution, notifications } = await harness.run(input);
    expect(execution.status).toBe('SUCCEEDED');
    expect(notifications.map((n) => n.message.outcome)).toEqual(['DEPLOYED']);

    // The artifact follows SageMaker's layout, and the gate read the real metric.
    const job = [...harness.sagemaker.trainingJobs.values()][0];
    const artifacts = await harness.s3.send(new ListObjectsV2Command({ Bucket: 'models', Prefix: `models/${job.request.TrainingJobName}/output/` }));
    expect(artifacts.Contents?.map((o) => o.Key)).toEqual([`models/${job.request.TrainingJobName}/output/model.tar.gz`]);
    const auc = job.metrics.find((m) => m.MetricName === 'validation:auc')!.Value;
    expect(auc).toBeGreaterThan(0.85);
    expect(readdirSync(scratch).filter((name) => name.startsWith('mlops-training-'))).toEqual([]);

    // The endpoint answers the held-out rows (encoded as the feature spec encodes them) through the real SDK.
    const validation = await (
      await harness.s3.send(new GetObjectCommand({ Bucket: 'data', Key: `features/${input.runId}/validation/part-00000.csv` }))
    ).Body!.transformToString();
    const rows = validation.trimEnd().split('\n');
    const body = rows.map((r) => r.slice(r.indexOf(',') + 1)).join('\n');
    const response = await runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'churn-endpoint', ContentType: 'text/csv', Body: new TextEncoder().encode(body) }),
    );
    // The container's answer: one number per row, joined by commas.
    const predictions = parseXgboostOutput(new TextDecoder().decode(response.Body)).map(([p]) => p);
    expect(predictions).toHaveLength(rows.length);
    expect(
      binaryAuc(
        predictions,
        rows.map((r) => Number(r[0])),
      ),
    ).toBeCloseTo(auc, 6);

    // And the request was captured in SageMaker's format.
    await endpoints.flushCapture();
    const captured = await harness.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'capture/churn-endpoint/AllTraffic/' }));
    expect(captured.Contents).toHaveLength(1);
    const line = (
      await (await harness.s3.send(new GetObjectCommand({ Bucket: 'capture', Key: captured.Contents![0].Key! }))).Body!.transformToString()
    ).trimEnd();
    expect(parseCaptureLine(line).rows).toHaveLength(rows.length);
  });
});
