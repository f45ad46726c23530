import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import Database from 'better-sqlite3';
import { ControlPlaneStore } from '../../../lib/local/state/control-plane-store';
import { MIGRATIONS } from '../../../lib/local/state/migrations';
import { LocalCloudWatch, type AlarmDefinition } from '../../../lib/local/services/cloudwatch';
import { LocalParameterStore } from '../../../lib/local/services/ssm';
import { LocalQueue } from '../../../lib/local/services/sqs';
import { LocalSageMaker } from '../../../lib/local/services/sagemaker/sagemaker';
import { LocalStepFunctions } from '../../../lib/local/services/stepfunctions/step-functions';

/**
 * The control plane's durable state: each service given a store file keeps its resources there,
 * and a new process on the same file (a restart, or the next start after a kill -9) finds them.
 * "Another process" is a second store and service on the same file, the first left as it was.
 */
const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'mlops-store-')), 'control-plane.sqlite');
const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
const definition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Result: { ready: true }, ResultPath: '$.prepared', Next: 'Work' },
    Work: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', End: true },
  },
};
const machine = (store: ControlPlaneStore, work: (input: unknown) => Promise<unknown>) =>
  new LocalStepFunctions({
    stateMachineArn: ARN,
    definition: definition as never,
    handlers: { Work: work },
    store,
    roleArn: 'arn:aws:iam::000000000000:role/sfn',
  });

describe('schema and migrations', () => {
  test('GIVEN a database of an older schema THEN opening it runs the missing migrations and keeps its rows', () => {
    const at = file();
    const older = new Database(at);
    older.exec(MIGRATIONS[0]);
    older.pragma('user_version = 1');
    older.prepare('INSERT INTO parameters (name, value, version) VALUES (?, ?, ?)').run('/p', 'kept', 3);
    older.close();
    const added = 'ALTER TABLE parameters ADD COLUMN description TEXT';
    const store = ControlPlaneStore.open(at, [...MIGRATIONS, added]);
    expect(store.schemaVersion).toBe(MIGRATIONS.length + 1);
    expect(store.parameters()).toEqual([{ name: '/p', value: 'kept', version: 3 }]);
    store.close();
  });

  test('GIVEN a database a newer mlops wrote THEN it is refused, naming the file and both versions (and left unchanged)', () => {
    const at = file();
    ControlPlaneStore.open(at, [...MIGRATIONS, 'CREATE TABLE later (x)']).close();
    expect(() => ControlPlaneStore.open(at)).toThrow(
      `${at} has control-plane schema version ${MIGRATIONS.length + 1}, newer than this mlops knows (${MIGRATIONS.length})`,
    );
    const reopened = ControlPlaneStore.open(at, [...MIGRATIONS, 'CREATE TABLE later (x)']);
    expect(reopened.schemaVersion).toBe(MIGRATIONS.length + 1);
    reopened.close();
  });
});

describe('Step Functions: executions and their history', () => {
  test('GIVEN a run THEN GetExecutionHistory gives its events as Step Functions names them, paged, in either order', async () => {
    const sfn = machine(ControlPlaneStore.inMemory(), async () => ({ TrainingJobStatus: 'Completed' }));
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"a":1}' });
    await sfn.idle();
    const { events } = sfn.getExecutionHistory({ executionArn, maxResults: 1000 });
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[0]).toMatchObject({ executionStartedEventDetails: { input: '{"a":1}', roleArn: 'arn:aws:iam::000000000000:role/sfn' } });
    expect(events[2]).toMatchObject({ stateExitedEventDetails: { name: 'Prepare', output: '{"a":1,"prepared":{"ready":true}}' } });

    const first = sfn.getExecutionHistory({ executionArn, maxResults: 4 });
    const rest = sfn.getExecutionHistory({ executionArn, maxResults: 4, nextToken: first.nextToken });
    expect([...first.events, ...rest.events].map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rest.nextToken).toBeUndefined();
    expect(sfn.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 2 }).events.map((e) => e.type)).toEqual([
      'ExecutionSucceeded',
      'TaskStateExited',
    ]);
    expect(sfn.getExecutionHistory({ executionArn, includeExecutionData: false }).events[0]).toMatchObject({
      executionStartedEventDetails: { roleArn: 'arn:aws:iam::000000000000:role/sfn' },
    });
    const withoutData = sfn.getExecutionHistory({ executionArn, includeExecutionData: false }).events[0] as { executionStartedEventDetails?: object };
    expect(withoutData.executionStartedEventDetails).not.toHaveProperty('input');
    expect(() => sfn.getExecutionHistory({ executionArn, nextToken: 'forged' })).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
    // A token of the other order is another request's.
    expect(() => sfn.getExecutionHistory({ executionArn, maxResults: 4, reverseOrder: true, nextToken: first.nextToken })).toThrow(
      expect.objectContaining({ name: 'InvalidToken' }),
    );
  });

  test('GIVEN a failing task THEN the history records TaskFailed with the resource, then ExecutionFailed', async () => {
    const sfn = machine(ControlPlaneStore.inMemory(), () =>
      Promise.reject(Object.assign(new Error('no capacity'), { name: 'SageMaker.ResourceLimitExceeded' })),
    );
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, name: 'run-f', input: '{}' });
    await sfn.idle();
    const events = sfn.getExecutionHistory({ executionArn }).events;
    expect(events.find((e) => e.type === 'TaskFailed')).toMatchObject({
      taskFailedEventDetails: { resourceType: 'sagemaker', resource: 'createTrainingJob.sync', error: 'SageMaker.ResourceLimitExceeded', cause: 'no capacity' },
    });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'SageMaker.ResourceLimitExceeded' } });
  });

  test('GIVEN a process that stopped with a run in progress THEN the next one lists its runs, fails the lost one naming its state, and keeps its name taken', async () => {
    const at = file();
    let release!: () => void;
    const before = machine(ControlPlaneStore.open(at), () => new Promise((resolve) => (release = () => resolve({}))));
    const done = machine(ControlPlaneStore.open(at), async () => ({}));
    done.startExecution({ stateMachineArn: ARN, name: 'finished', input: '{}' });
    await done.idle();
    const { executionArn } = before.startExecution({ stateMachineArn: ARN, name: 'lost', input: '{}' });
    await new Promise((r) => setTimeout(r, 20));

    const ended: string[] = [];
    const after = new LocalStepFunctions({
      stateMachineArn: ARN,
      definition: definition as never,
      handlers: { Work: async () => ({}) },
      store: ControlPlaneStore.open(at),
      onExecutionEnded: (e) => ended.push(`${e.name}:${e.status}`),
    });
    expect(after.listExecutions({ stateMachineArn: ARN }).executions.map((e) => `${e.name}:${e.status}`)).toEqual(['lost:RUNNING', 'finished:SUCCEEDED']);
    expect(after.lastStateEntered(executionArn)).toBe('Work');
    const lost = after.failLostExecutions('States.TaskFailed', (e) => `stopped in ${after.lastStateEntered(e.executionArn)}`);
    expect(lost.map((e) => e.name)).toEqual(['lost']);
    expect(ended).toEqual(['lost:FAILED']);
    expect(after.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', cause: 'stopped in Work' });
    expect(after.getExecutionHistory({ executionArn }).events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'stopped in Work' },
    });
    expect(() => after.startExecution({ stateMachineArn: ARN, name: 'lost', input: '{}' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    // Nothing else to fail the next time.
    expect(machine(ControlPlaneStore.open(at), async () => ({})).failLostExecutions('x', () => 'y')).toEqual([]);
    release(); // ends the first process's run timer
    await before.idle();
  });
});

describe('SageMaker: registry, jobs and endpoints', () => {
  const packageRequest = {
    ModelPackageGroupName: 'churn-models',
    ModelApprovalStatus: 'Approved' as const,
    InferenceSpecification: {
      Containers: [{ Image: 'xgboost:1.7-1', ModelDataUrl: 's3://b/model.tar.gz' }],
      SupportedContentTypes: ['text/csv'],
      SupportedResponseMIMETypes: ['text/csv'],
    },
  };
  const sagemaker = (store: ControlPlaneStore, served: string[] = [], trainer = () => new Promise<never>(() => undefined)) =>
    new LocalSageMaker({ region: 'us-east-1', trainer, store, onEndpointServing: (name, config) => void served.push(`${name}:${config.EndpointConfigName}`) });

  test('GIVEN model packages registered before a restart THEN they are listed after it and the next version is never one already used', () => {
    const at = file();
    const first = sagemaker(ControlPlaneStore.open(at));
    first.createModelPackage(packageRequest);
    const second = first.createModelPackage({ ...packageRequest, ModelApprovalStatus: 'PendingManualApproval' });
    first.updateModelPackageApproval(second.ModelPackageArn, 'Rejected');

    const after = sagemaker(ControlPlaneStore.open(at));
    expect(
      after.listModelPackages({ ModelPackageGroupName: 'churn-models' }).ModelPackageSummaryList.map((p) => [p.ModelPackageVersion, p.ModelApprovalStatus]),
    ).toEqual([
      [1, 'Approved'],
      [2, 'Rejected'],
    ]);
    expect(after.describeModelPackage({ ModelPackageName: second.ModelPackageArn }).CreationTime).toBeInstanceOf(Date);
    expect(after.createModelPackage(packageRequest).ModelPackageArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model-package/churn-models/3');
  });

  test('GIVEN a training job in progress and an InService endpoint when the process stopped THEN the job fails with the reason and the endpoint serves its config again', async () => {
    const at = file();
    const before = sagemaker(ControlPlaneStore.open(at));
    before.createModel({
      ModelName: 'm1',
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/r',
      PrimaryContainer: { Image: 'i', ModelDataUrl: 's3://b/m1.tar.gz' },
    });
    before.createEndpointConfig({ EndpointConfigName: 'c1', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1' }] });
    before.createEndpoint({ EndpointName: 'e', EndpointConfigName: 'c1' });
    await before.describeEndpoint({ EndpointName: 'e' });
    void before.createTrainingJob({
      TrainingJobName: 'job-1',
      RoleArn: 'arn:aws:iam::000000000000:role/r',
      AlgorithmSpecification: { TrainingImage: 'i', TrainingInputMode: 'File' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/train' } } }],
      OutputDataConfig: { S3OutputPath: 's3://b/out' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });

    const served: string[] = [];
    const after = sagemaker(ControlPlaneStore.open(at), served);
    expect(await after.recoverAfterRestart()).toEqual([
      'training job job-1: Failed (the environment stopped while it ran)',
      'endpoint e: InService again with c1',
    ]);
    expect(served).toEqual(['e:c1']);
    expect(after.describeTrainingJob({ TrainingJobName: 'job-1' })).toMatchObject({
      TrainingJobStatus: 'Failed',
      FailureReason: expect.stringMatching(/^InternalServerError: the local environment stopped while this job ran/),
    });
    expect((await after.describeEndpoint({ EndpointName: 'e' })).EndpointStatus).toBe('InService');
    // Names stay taken, as in SageMaker.
    expect(() =>
      after.createModel({ ModelName: 'm1', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/r', PrimaryContainer: { Image: 'i', ModelDataUrl: 's3://b/x' } }),
    ).toThrow('Cannot create already existing model "m1".');
    before.stopTrainingJob({ TrainingJobName: 'job-1' });
  });
});

describe('SQS, CloudWatch and SSM', () => {
  const queue = (store: ControlPlaneStore, consumer: (event: SQSEvent) => Promise<void>) =>
    new LocalQueue({
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      batchSize: 10,
      batchingWindowMs: 0,
      visibilityTimeoutMs: 300,
      maxReceiveCount: 5,
      reportsBatchItemFailures: true,
      consumer,
      store,
    });

  test('GIVEN a message received by a process that died before consuming it THEN the next process delivers it again after its visibility timeout, counting the receive', async () => {
    const at = file();
    let received = 0;
    // The receive time the queue stamped on the record: the visibility timeout runs from it (a
    // clock read inside the consumer is a millisecond or so later).
    const before = queue(ControlPlaneStore.open(at), (event) => {
      received = Number(event.Records[0].attributes.ApproximateFirstReceiveTimestamp);
      return new Promise(() => undefined);
    });
    before.send('upload event');
    while (!received) await new Promise((r) => setTimeout(r, 5));

    const deliveries: { at: number; body: string; count: string; firstReceived: number }[] = [];
    const after = queue(ControlPlaneStore.open(at), async (event) => {
      for (const r of event.Records)
        deliveries.push({
          at: Date.now(),
          body: r.body,
          count: r.attributes.ApproximateReceiveCount,
          firstReceived: Number(r.attributes.ApproximateFirstReceiveTimestamp),
        });
    });
    expect(after.depth).toBe(1);
    await after.drained();
    expect(deliveries.map(({ body, count }) => [body, count])).toEqual([['upload event', '2']]);
    expect(deliveries[0].at - received).toBeGreaterThanOrEqual(300);
    // As in SQS, the first receive's time stays that of the first receive (kept across the restart).
    expect(deliveries[0].firstReceived).toBe(received);
    // Consumed: gone from the store too.
    expect(queue(ControlPlaneStore.open(at), async () => undefined).depth).toBe(0);
    await after.stop();
  });

  test('GIVEN alarm states, metric data and parameters before a restart THEN the next process has them (template parameters keep their values)', () => {
    const at = file();
    const alarm: AlarmDefinition = {
      logicalId: 'A',
      alarmName: 'failed-runs',
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensions: {},
      statistic: 'Sum',
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      actions: [],
      okActions: [],
      alarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:failed-runs',
    };
    const cloudwatch = new LocalCloudWatch([alarm], ControlPlaneStore.open(at));
    cloudwatch.putMetricData({ Namespace: 'AWS/States', MetricData: [{ MetricName: 'ExecutionsFailed', Value: 1 }] });
    expect(cloudwatch.evaluate().map((t) => t.to)).toEqual(['ALARM']);
    const parameters = new LocalParameterStore(ControlPlaneStore.open(at));
    parameters.putParameter({ Name: '/deployed', Value: '{"v":1}' });
    parameters.putParameter({ Name: '/deployed', Value: '{"v":2}', Overwrite: true });

    const after = new LocalCloudWatch([alarm], ControlPlaneStore.open(at));
    expect(after.state('failed-runs')).toBe('ALARM');
    expect(after.datapoints('AWS/States', 'ExecutionsFailed', {}).map((d) => d.value)).toEqual([1]);
    // Still breaching: no new transition to notify.
    expect(after.evaluate()).toEqual([]);
    const template = { Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/deployed', Value: '{"deployed":false}', Type: 'String' } } } };
    const restored = LocalParameterStore.fromTemplate(template as never, { region: 'us-east-1', physicalNames: {} }, ControlPlaneStore.open(at));
    expect(restored.getParameter({ Name: '/deployed' }).Parameter).toMatchObject({ Value: '{"v":2}', Version: 2 });
  });
});
