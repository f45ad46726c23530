import { runStateMachine } from '../../../lib/local/services/stepfunctions/state-machine-runner';
import { LocalStepFunctions } from '../../../lib/local/services/stepfunctions/step-functions';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
const definition = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } };

function machine(work: (input: unknown) => Promise<unknown>) {
  const ended: string[] = [];
  const sfn = new LocalStepFunctions({
    stateMachineArn: ARN,
    definition: definition as never,
    handlers: { Work: work },
    onExecutionEnded: (e) => ended.push(`${e.name}:${e.status}`),
  });
  return { sfn, ended };
}

describe('local Step Functions API', () => {
  test('GIVEN a started execution THEN it is listed RUNNING, then SUCCEEDED with its output', async () => {
    let release!: () => void;
    const { sfn, ended } = machine(() => new Promise((resolve) => (release = () => resolve({ ok: true }))));
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"a":1}' });
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:m:run-1');
    await new Promise((r) => setTimeout(r, 10));
    expect(sfn.listExecutions({ stateMachineArn: ARN, statusFilter: 'RUNNING' }).executions.map((e) => e.name)).toEqual(['run-1']);
    release();
    await sfn.idle();
    expect(sfn.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    expect(sfn.listExecutions({ stateMachineArn: ARN, statusFilter: 'RUNNING' }).executions).toEqual([]);
    expect(ended).toEqual(['run-1:SUCCEEDED']);
  });

  test('GIVEN a name already used THEN a new start is ExecutionAlreadyExists (a running twin with the same input is idempotent)', async () => {
    let release!: () => void;
    const { sfn } = machine(() => new Promise((resolve) => (release = () => resolve({}))));
    const first = sfn.startExecution({ stateMachineArn: ARN, name: 'same', input: '{}' });
    expect(sfn.startExecution({ stateMachineArn: ARN, name: 'same', input: '{}' }).executionArn).toBe(first.executionArn);
    expect(() => sfn.startExecution({ stateMachineArn: ARN, name: 'same', input: '{"other":1}' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    await new Promise((r) => setTimeout(r, 10));
    release();
    await sfn.idle();
    expect(() => sfn.startExecution({ stateMachineArn: ARN, name: 'same', input: '{}' })).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
  });

  test('GIVEN a name of 81 characters or with a space THEN StartExecution is InvalidName, as Step Functions refuses it (80 is the limit)', () => {
    const { sfn } = machine(async () => ({}));
    const start = (name: string) => {
      try {
        sfn.startExecution({ stateMachineArn: ARN, name, input: '{}' });
        return 'started';
      } catch (err) {
        return (err as Error).name;
      }
    };
    expect(start('r'.repeat(81))).toBe('InvalidName');
    expect(start('a run')).toBe('InvalidName');
    expect(start('r'.repeat(80))).toBe('started');
  });

  test('GIVEN a failing task THEN the execution FAILED with the error', async () => {
    const { sfn } = machine(async () => {
      throw Object.assign(new Error('boom'), { name: 'Custom.Error' });
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, name: 'bad' });
    await sfn.idle();
    expect(sfn.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'Custom.Error', cause: 'boom' });
  });

  test('GIVEN StopExecution THEN a running execution is ABORTED with the stop of its running Task made; an ended one is left as it is; an unknown one does not exist', async () => {
    // The Task's call ends when its stop is made, as a stopped training job ends its .sync wait.
    const stopped: unknown[] = [];
    let fail!: (err: Error) => void;
    const sfn = new LocalStepFunctions({
      stateMachineArn: ARN,
      definition: definition as never,
      handlers: { Work: () => new Promise((_, reject) => (fail = reject)) },
      taskStops: { Work: async (input) => void (stopped.push(input), fail(new Error('stopped'))) },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, name: 'long', input: '{"job":"j-1"}' });
    await new Promise((r) => setTimeout(r, 10));
    const { stopDate } = await sfn.stopExecution({ executionArn, error: 'E', cause: 'C' });
    expect(sfn.describeExecution({ executionArn })).toMatchObject({ status: 'ABORTED', error: 'E', cause: 'C', stopDate });
    expect(stopped).toEqual([{ job: 'j-1' }]);
    expect(sfn.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 1 }).events[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'E', cause: 'C' },
    });
    expect((await sfn.stopExecution({ executionArn, error: 'again' })).stopDate).toEqual(stopDate);
    expect(sfn.describeExecution({ executionArn }).error).toBe('E');
    await expect(sfn.stopExecution({ executionArn: `${executionArn}-x` })).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  test('GIVEN bad requests THEN the errors are those of the real API', () => {
    const { sfn } = machine(async () => ({}));
    expect(() => sfn.startExecution({ stateMachineArn: `${ARN}-x`, name: 'a' })).toThrow(expect.objectContaining({ name: 'StateMachineDoesNotExist' }));
    expect(() => sfn.startExecution({ stateMachineArn: ARN, name: 'has space' })).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    expect(() => sfn.startExecution({ stateMachineArn: ARN, name: 'a', input: '{' })).toThrow(expect.objectContaining({ name: 'InvalidExecutionInput' }));
    expect(() => sfn.describeExecution({ executionArn: 'nope' })).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
  });
});

describe('Task timeouts as Step Functions applies them', () => {
  const timed = (timeout?: number) =>
    ({
      StartAt: 'Train',
      States: {
        Train: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', ...(timeout ? { TimeoutSeconds: timeout } : {}), End: true },
      },
    }) as never;
  const ninetySeconds = async () => {
    await new Promise((resolve) => setTimeout(resolve, 90_000));
    return { TrainingJobStatus: 'Completed' };
  };
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('GIVEN a Task without TimeoutSeconds that runs 90 s THEN it completes (Step Functions sets no default; the States Language default of 60 s is not AWS)', async () => {
    const run = runStateMachine(
      timed(),
      {},
      { Train: ninetySeconds },
      { executionName: 'long', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m' },
    );
    await jest.advanceTimersByTimeAsync(91_000);
    expect(await run).toMatchObject({ status: 'SUCCEEDED', output: { TrainingJobStatus: 'Completed' } });
  });

  test('GIVEN TimeoutSeconds 30 THEN the same Task fails with States.Timeout (the control)', async () => {
    const run = runStateMachine(
      timed(30),
      {},
      { Train: ninetySeconds },
      { executionName: 'short', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m' },
    );
    await jest.advanceTimersByTimeAsync(91_000);
    expect(await run).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });
});
