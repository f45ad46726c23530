import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';
import { startQueryServer } from '../../../lib/local/services/query-server';
import { LocalNotifier, snsQueryService } from '../../../lib/local/services/sns';
import type { RunningServer } from '../../../lib/local/services/json-rpc-server';
import type { SnapshotManifest } from '../../../lambdas/core/snapshot';
import { objectCreatedEvent, sqsEvent } from '../../helpers/events';

const BUCKET = 'data-bucket';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:retraining';

let localS3: LocalS3;
let s3: S3Client;
let handler: typeof import('../../../lambdas/retraining-trigger/handler').handler;
const sfnMock = mockClient(SFNClient);

/** A stand-in for Step Functions' execution bookkeeping: names are unique, runs are RUNNING until finished. */
class Executions {
  readonly started: { name: string; input: Record<string, unknown> }[] = [];
  private readonly running = new Set<string>();

  install(): void {
    sfnMock.reset();
    sfnMock.on(ListExecutionsCommand).callsFake((input: { stateMachineArn: string; statusFilter?: string }) => {
      expect(input).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' });
      return {
        executions: [...this.running].map((name) => ({
          name,
          status: 'RUNNING',
          executionArn: `${STATE_MACHINE_ARN}:${name}`,
          stateMachineArn: STATE_MACHINE_ARN,
          startDate: new Date(),
        })),
      };
    });
    sfnMock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
      expect(input.stateMachineArn).toBe(STATE_MACHINE_ARN);
      if (this.started.some((e) => e.name === input.name))
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.name}'`, $metadata: {} });
      this.started.push({ name: input.name, input: JSON.parse(input.input) });
      this.running.add(input.name);
      return { executionArn: `${STATE_MACHINE_ARN}:${input.name}`, startDate: new Date() };
    });
  }

  finishAll(): void {
    this.running.clear();
  }
}

async function upload(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function readJson<T>(key: string): Promise<T> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await object.Body!.transformToString()) as T;
}

/** The local SNS (the twin's, over the query protocol) the handler publishes its notices to. */
const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:notices';
const notifier = new LocalNotifier();
let localSns: RunningServer;

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: [BUCKET] });
  localSns = await startQueryServer(snsQueryService(notifier, new Set([TOPIC_ARN])));
  Object.assign(process.env, localS3.clientEnv, {
    DATA_BUCKET: BUCKET,
    RAW_PREFIX: 'raw/',
    STATE_MACHINE_ARN,
    NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
    DATASET_NAME: 'subs',
    AWS_ENDPOINT_URL_SNS: localSns.endpoint,
  });
  s3 = new S3Client({});
  ({ handler } = await import('../../../lambdas/retraining-trigger/handler'));
});

afterAll(async () => {
  s3.destroy();
  await localS3.close();
  await localSns.close();
});

let executions: Executions;
let logs: string[];
beforeEach(() => {
  executions = new Executions();
  executions.install();
  logs = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

describe('retraining trigger handler', () => {
  test('GIVEN the same snapshot twice WHEN triggered THEN exactly one run starts and the second is a success', async () => {
    await upload('raw/same/a.csv', 'x,y\n1,2\n');
    const event = sqsEvent([objectCreatedEvent(BUCKET, 'raw/same/a.csv', 8)]);

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    executions.finishAll();
    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    expect(executions.started).toHaveLength(1);
    expect(logs.join('')).toContain('this data snapshot already had its run');
  });

  test('GIVEN several files in one batch WHEN triggered THEN one run starts with a manifest listing every data object', async () => {
    await upload('raw/batch/one.csv', 'a\n1\n');
    await upload('raw/batch/two.csv', 'a\n2\n');
    await upload('raw/batch/folder/', '');
    const result = await handler(
      sqsEvent([objectCreatedEvent(BUCKET, 'raw/batch/one.csv', 4), objectCreatedEvent(BUCKET, 'raw/batch/two.csv', 4, 'CompleteMultipartUpload')]),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(executions.started).toHaveLength(1);
    const [{ name, input }] = executions.started;
    expect(name).toMatch(/^snapshot-[0-9a-f]{40}$/);
    const manifestRef = input.manifest as { bucket: string; key: string; hash: string; objectCount: number };
    expect(input.runId).toBe(name);
    expect(manifestRef).toMatchObject({ bucket: BUCKET, key: `features/${name}/manifest.json` });
    const manifest = await readJson<SnapshotManifest>(manifestRef.key);
    expect(manifest.hash).toBe(manifestRef.hash);
    expect(manifest.objects.map((o) => o.key)).toEqual(expect.arrayContaining(['raw/batch/one.csv', 'raw/batch/two.csv']));
    expect(manifest.objects.map((o) => o.key)).not.toContain('raw/batch/folder/');
    expect(manifest.objects.find((o) => o.key === 'raw/batch/one.csv')).toMatchObject({ size: 4, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(manifestRef.objectCount).toBe(manifest.objects.length);
  });

  test('GIVEN a notes.txt and an empty upload beside the data THEN they are skipped, listed in the manifest with reasons and left out of its hash', async () => {
    await upload('raw/skips/data.csv', 'a\n1\n');
    const event = sqsEvent([objectCreatedEvent(BUCKET, 'raw/skips/data.csv', 4)]);
    await handler(event);
    executions.finishAll();
    await upload('raw/skips/notes.txt', 'hello');
    await upload('raw/skips/empty.csv', '');
    await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/skips/notes.txt', 5)]));
    // The data did not change: the same snapshot, no second run.
    expect(executions.started).toHaveLength(1);
    await upload('raw/skips/more.csv', 'a\n2\n');
    await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/skips/more.csv', 4)]));
    expect(executions.started).toHaveLength(2);
    const manifest = await readJson<SnapshotManifest>(`features/${executions.started[1].name}/manifest.json`);
    expect(manifest.skipped).toEqual(
      expect.arrayContaining([
        { key: 'raw/skips/empty.csv', size: 0, reason: 'empty (0 bytes)' },
        { key: 'raw/skips/notes.txt', size: 5, reason: 'not a CSV file (data keys end in .csv or .csv.gz)' },
      ]),
    );
    expect(manifest.objects.map((o) => o.key)).not.toContain('raw/skips/notes.txt');
    expect(logs.join('')).toContain('objects under the raw prefix that are not data are skipped');
    // One notice, for the batch that uploaded notes.txt (the empty upload sends no event: EventBridge's rule wants size > 0).
    const notices = notifier.notifications.filter((n) => n.message.includes('raw/skips/notes.txt'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ topicArn: TOPIC_ARN, subject: '[subs] Uploads skipped: not data' });
    expect(notices[0].message).toBe(
      [
        '1 object uploaded under raw/ (data set subs) is not data and was skipped: no run trains on it.',
        '- raw/skips/notes.txt (5 bytes): not a CSV file (data keys end in .csv or .csv.gz)',
        "Data objects are CSV files with a header row, named *.csv or *.csv.gz; every run's summary.json lists the skipped objects (skippedObjects).",
      ].join('\n'),
    );
  });

  test('GIVEN the notice cannot be published THEN the failure is logged and the data still starts its run', async () => {
    process.env.NOTIFICATION_TOPIC_ARN = `${TOPIC_ARN}-gone`;
    try {
      await upload('raw/unnotified/data.csv', 'a\n1\n');
      await upload('raw/unnotified/readme.md', 'hello');
      await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/unnotified/data.csv', 4), objectCreatedEvent(BUCKET, 'raw/unnotified/readme.md', 5)]));
    } finally {
      process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
    }
    expect(executions.started).toHaveLength(1);
    expect(logs.join('')).toMatch(/could not notify the skipped uploads.*NotFoundException: Topic does not exist/);
  });

  test('GIVEN 1,001 objects under raw/ (past one listing page) WHEN triggered THEN the manifest lists every one', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `raw/many/part-${String(i).padStart(4, '0')}.csv`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((key) => upload(key, 'a\n1\n')));
    const result = await handler(sqsEvent([objectCreatedEvent(BUCKET, keys[1000], 4)]));
    expect(result.batchItemFailures).toEqual([]);
    const [{ input }] = executions.started;
    const manifest = await readJson<SnapshotManifest>((input.manifest as { key: string }).key);
    expect(manifest.objects.map((o) => o.key).filter((key) => key.startsWith('raw/many/'))).toEqual(keys);
    executions.finishAll();
    // The later tests list raw/ too: without these, each would HEAD a thousand objects.
    for (let i = 0; i < keys.length; i += 1000)
      await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
  }, 60_000);

  test('GIVEN a run in progress WHEN new data arrives THEN every event is returned for redelivery and nothing starts', async () => {
    await upload('raw/progress/a.csv', 'a\n1\n');
    await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/progress/a.csv', 4)]));
    await upload('raw/progress/b.csv', 'a\n2\n');

    const deferred = await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/progress/b.csv', 4), objectCreatedEvent(BUCKET, 'raw/progress/b.csv', 4)]));

    expect(deferred.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }]);
    expect(executions.started).toHaveLength(1);

    // WHEN the run ends and SQS redelivers THEN the new snapshot gets its own run.
    executions.finishAll();
    expect((await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/progress/b.csv', 4)]))).batchItemFailures).toEqual([]);
    expect(executions.started).toHaveLength(2);
    expect(executions.started[1].name).not.toBe(executions.started[0].name);
  });

  test('GIVEN an overwritten file WHEN triggered THEN the changed content is a new snapshot', async () => {
    await upload('raw/overwrite/a.csv', 'a\n1\n');
    await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/overwrite/a.csv', 4)]));
    executions.finishAll();
    await upload('raw/overwrite/a.csv', 'a\n9\n');
    await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/overwrite/a.csv', 4)]));
    expect(new Set(executions.started.map((e) => e.name)).size).toBe(2);
  });

  test.each<[string, string | Record<string, unknown>, string]>([
    ['a body that is not JSON', '{not json', 'body is not JSON'],
    ['an event from another source', { ...objectCreatedEvent(BUCKET, 'raw/x.csv', 1), source: 'aws.ec2' }, 'expected source "aws.s3"'],
    [
      'an event without an object key',
      { ...objectCreatedEvent(BUCKET, 'raw/x.csv', 1), detail: { bucket: { name: BUCKET }, object: { size: 1 } } },
      'detail.object.key is missing',
    ],
    ['an event for another bucket', objectCreatedEvent('other-bucket', 'raw/x.csv', 1), 'detail.bucket.name is "other-bucket", expected "data-bucket"'],
    ['an event outside the raw prefix', objectCreatedEvent(BUCKET, 'features/x.csv', 1), 'detail.object.key "features/x.csv" is not under "raw/"'],
  ])('GIVEN %s WHEN triggered THEN that record alone fails with a clear logged reason', async (_case, badBody, reason) => {
    await upload('raw/malformed/a.csv', 'a\n1\n');
    const result = await handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/malformed/a.csv', 4), badBody]));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }]);
    expect(executions.started).toHaveLength(1);
    const errorLine = logs.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l.level === 'ERROR');
    expect(errorLine).toMatchObject({ messageId: 'msg-2', service: 'retraining-trigger' });
    expect(errorLine?.reason).toContain(reason);
  });

  test('GIVEN a drift alarm WHEN triggered THEN the current snapshot retrains once per cooldown period', async () => {
    process.env.RETRAIN_COOLDOWN_HOURS = '24';
    await upload('raw/drift/a.csv', 'a\n1\n');
    const alarm = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: 'stack-dataset-drift', state: { value: 'ALARM' } },
    };

    expect((await handler(sqsEvent([alarm]))).batchItemFailures).toEqual([]);
    executions.finishAll();
    expect((await handler(sqsEvent([alarm]))).batchItemFailures).toEqual([]);

    expect(executions.started).toHaveLength(1);
    const period = Math.floor(Date.now() / (24 * 3_600_000));
    expect(executions.started[0].name).toMatch(new RegExp(`^drift-[0-9a-f]{40}-${period}$`));
    expect(logs.join('')).toContain('already retrained for drift in this cooldown period');
  });

  test('GIVEN a drift alarm and an upload in one batch THEN the new data starts the ordinary snapshot run', async () => {
    await upload('raw/drift2/a.csv', 'a\n2\n');
    const alarm = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'x', state: { value: 'ALARM' } } };
    await handler(sqsEvent([alarm, objectCreatedEvent(BUCKET, 'raw/drift2/a.csv', 4)]));
    expect(executions.started.map((e) => e.name)).toEqual([expect.stringMatching(/^snapshot-/)]);
  });

  test('GIVEN an alarm event that is not ALARM THEN it is rejected as malformed', async () => {
    const ok = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'x', state: { value: 'OK' } } };
    expect((await handler(sqsEvent([ok]))).batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
  });

  test('GIVEN only malformed records WHEN triggered THEN Step Functions is never called', async () => {
    const result = await handler(sqsEvent(['[]']));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  test('GIVEN Step Functions fails for another reason WHEN triggered THEN the error propagates so the whole batch is retried', async () => {
    await upload('raw/failing/a.csv', 'a\n1\n');
    sfnMock.on(StartExecutionCommand).rejects(new Error('Rate exceeded'));
    await expect(handler(sqsEvent([objectCreatedEvent(BUCKET, 'raw/failing/a.csv', 4)]))).rejects.toThrow('Rate exceeded');
  });
});
