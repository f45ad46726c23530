import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { manifestKey } from '../../lambdas/core/layout';
import { buildManifest } from '../../lambdas/core/snapshot';
import { PipelineStates } from '../../lib/constructs/retraining-pipeline';
import { LocalNotifier } from '../../lib/local/local-notifier';
import { startLocalS3, type LocalS3 } from '../../lib/local/local-s3';
import { renderStateMachine, runStateMachine, taskStates, type AslDefinition } from '../../lib/local/state-machine-runner';
import { synthMlopsStack } from '../helpers/app';

const BUCKET = 'data';
const SAMPLE = readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:retraining';

let localS3: LocalS3;
let s3: S3Client;
let definition: AslDefinition;
let featureHandler: (input: unknown) => Promise<unknown>;

beforeAll(async () => {
  const { stack, template } = synthMlopsStack();
  const dataBucketId = stack.getLogicalId(stack.dataLake.dataBucket.node.defaultChild as never);
  definition = renderStateMachine(template.toJSON() as never, { region: 'us-east-1', physicalNames: { [dataBucketId]: BUCKET } });
  localS3 = await startLocalS3({ buckets: [BUCKET] });
  Object.assign(process.env, localS3.clientEnv);
  s3 = new S3Client({});
  featureHandler = (await import('../../lambdas/feature-processing/handler')).handler;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  jest.restoreAllMocks();
  s3.destroy();
  await localS3.close();
});

/** Uploads files and returns the execution input the trigger would start the run with. */
async function snapshotInput(files: Record<string, string>) {
  const objects = [];
  for (const [key, body] of Object.entries(files)) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    objects.push({ key, versionId: head.VersionId ?? null, etag: head.ETag!, size: head.ContentLength! });
  }
  const manifest = buildManifest(BUCKET, 'raw/', objects);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(manifest.runId), Body: JSON.stringify(manifest) }));
  return { runId: manifest.runId, manifest: { bucket: BUCKET, key: manifestKey(manifest.runId), hash: manifest.hash, objectCount: objects.length } };
}

async function execute(input: { runId: string }) {
  const notifier = new LocalNotifier();
  const execution = await runStateMachine(
    definition,
    input,
    { [PipelineStates.PROCESS_FEATURES]: featureHandler, [PipelineStates.NOTIFY_FAILURE]: notifier.publishTask },
    { executionName: input.runId, stateMachineArn: STATE_MACHINE_ARN },
  );
  return { execution, notifier };
}

describe('retraining state machine (synthesized definition, executed locally)', () => {
  test('GIVEN the synthesized definition THEN every Task is known to the local runtime', () => {
    expect(taskStates(definition).map((t) => t.name).sort()).toEqual([PipelineStates.NOTIFY_FAILURE, PipelineStates.PROCESS_FEATURES].sort());
  });

  test('GIVEN the sample data WHEN a run executes THEN features are processed by the real handler and the run succeeds', async () => {
    const input = await snapshotInput({ 'raw/ok/mlc_churn.csv': SAMPLE });
    const { execution, notifier } = await execute(input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([PipelineStates.PROCESS_FEATURES, PipelineStates.FEATURES_READY]);
    const output = execution.output as { runId: string; features: { trainPrefix: string; summary: { rowsRead: number; rejected: number } } };
    expect(output.runId).toBe(input.runId);
    expect(output.features.trainPrefix).toBe(`s3://${BUCKET}/features/${input.runId}/train/`);
    expect(output.features.summary).toMatchObject({ rowsRead: 5000, rejected: 0 });
    expect(notifier.notifications).toEqual([]);
  });

  test('GIVEN data with too many bad rows WHEN a run executes THEN it fails and the notification carries the reason', async () => {
    const broken = SAMPLE.split('\n').map((line, i) => (i > 0 && i % 5 === 0 ? line.replace(/^"(\w\w)",\d+/, '"$1",oops') : line)).join('\n');
    const input = await snapshotInput({ 'raw/bad/mlc_churn.csv': broken });
    const { execution, notifier } = await execute(input);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RetrainingFailed');
    expect(execution.statesEntered).toEqual([PipelineStates.PROCESS_FEATURES, PipelineStates.NOTIFY_FAILURE, PipelineStates.RUN_FAILED]);
    expect(notifier.notifications).toHaveLength(1);
    const [notification] = notifier.notifications;
    expect(notification.subject).toBe(`Retraining run ${input.runId} failed`);
    expect(JSON.parse(notification.message)).toEqual({
      outcome: 'FAILED',
      runId: input.runId,
      error: 'DataValidationError',
      cause: expect.stringContaining('1000 of 5000 rows (20.0%) were rejected, more than the allowed 5.0%'),
      execution: `arn:aws:states:us-east-1:000000000000:execution:retraining:${input.runId}`,
      endpoint: 'unchanged: the endpoint keeps serving the previous model',
    });
  });
});
