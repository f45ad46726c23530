import { formatRunReport } from '../../../lib/local/cli/run-report';
import { runOutcome, runReport } from '../../../lib/local/runtime/run-report';
import type { HistoryEvent } from '../../../lib/local/state/control-plane-store';

/** A run's report from its GetExecutionHistory events: outcome, timings, data, gate, the error that failed it. */
let id = 0;
const event = (timestamp: number, type: string, details: Record<string, unknown> = {}): HistoryEvent => ({ id: ++id, timestamp, type, details });
const entered = (t: number, name: string, type = 'Task') => event(t, `${type}StateEntered`, { stateEnteredEventDetails: { name, input: '{}' } });
const exited = (t: number, name: string, output: unknown = {}, type = 'Task') =>
  event(t, `${type}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } });
const taskFailed = (t: number, error: string, cause: string) =>
  event(t, 'TaskFailed', { taskFailedEventDetails: { resource: 'invoke', resourceType: 'lambda', error, cause } });

const summary = { rowsRead: 10, accepted: 9, rejected: 1, rejectedByReason: { 'age: not a number': 1 }, train: 7, validation: 2, skippedObjects: 1 };

test.each([
  ['SUCCEEDED', 'Deployed', 'DEPLOYED'],
  ['SUCCEEDED', 'Rejected', 'REJECTED'],
  ['SUCCEEDED', 'AwaitingApproval', 'PENDING APPROVAL'],
  ['FAILED', 'RunFailed', 'FAILED'],
  ['RUNNING', 'Train', 'RUNNING'],
  ['ABORTED', 'Train', 'STOPPED'],
  ['TIMED_OUT', 'Train', 'FAILED'],
])('GIVEN status %s ending in %s THEN the outcome is %s', (status, last, outcome) => {
  expect(runOutcome(status, last)).toBe(outcome);
});

test('GIVEN a deployed run whose FindEndpoint error was caught THEN it is DEPLOYED with no error, the caught error marked as such, and data and gate read from the states', () => {
  const history = [
    event(1000, 'ExecutionStarted'),
    entered(1000, 'ProcessFeatures'),
    exited(1300, 'ProcessFeatures', { features: { summary } }),
    entered(1300, 'Evaluate'),
    exited(1400, 'Evaluate', { evaluation: { promote: true, reason: 'validation:auc 0.9 beats production 0.8' } }),
    entered(1400, 'FindEndpoint'),
    taskFailed(1450, 'SageMaker.ValidationException', 'Could not find endpoint'),
    entered(1450, 'CreateEndpoint'),
    exited(1500, 'CreateEndpoint'),
    entered(1500, 'Deployed', 'Succeed'),
    exited(1500, 'Deployed', {}, 'Succeed'),
    event(1500, 'ExecutionSucceeded'),
  ];
  const report = runReport('snapshot-a', 'SUCCEEDED', history);
  expect(report).toMatchObject({ outcome: 'DEPLOYED', durationMs: 500, data: summary, gate: { promote: true } });
  expect(report.error).toBeUndefined();
  expect(report.states.find((s) => s.name === 'FindEndpoint')).toMatchObject({ failed: 'SageMaker.ValidationException', caught: true, durationMs: 50 });
  const printed = formatRunReport(report);
  expect(printed).toContain('snapshot-a: DEPLOYED in 0.5 s');
  expect(printed).toContain('gate: promote: validation:auc 0.9 beats production 0.8');
  expect(printed).toContain('quarantined 1: age: not a number');
  expect(printed).toContain("objects skipped (not data; listed in the run's summary.json): 1");
  expect(printed).toMatch(/FindEndpoint +0\.1 s {2}\(caught: SageMaker\.ValidationException\)/);
  expect(printed).not.toContain('FAILED');
  // `mlops runs`: the same report without its states.
  expect(formatRunReport(report, { states: false })).toBe(printed.split('\n  states:')[0]);
});

test("GIVEN a run that failed in ProcessFeatures THEN the error is that task's (the Lambda's message), not the Fail state's, and its state is marked FAILED", () => {
  const history = [
    event(0, 'ExecutionStarted'),
    entered(0, 'ProcessFeatures'),
    taskFailed(100, 'DataValidationError', JSON.stringify({ errorType: 'DataValidationError', errorMessage: 'raw/a.csv: the file is empty', trace: [] })),
    entered(100, 'NotifyFailure'),
    exited(120, 'NotifyFailure'),
    entered(120, 'RunFailed', 'Fail'),
    event(130, 'ExecutionFailed', { executionFailedEventDetails: { error: 'RetrainingFailed', cause: 'See the failure notification' } }),
  ];
  const report = runReport('snapshot-b', 'FAILED', history);
  expect(report).toMatchObject({ outcome: 'FAILED', error: 'DataValidationError', cause: 'raw/a.csv: the file is empty' });
  const printed = formatRunReport(report);
  expect(printed).toContain('error: DataValidationError: raw/a.csv: the file is empty');
  expect(printed).toMatch(/ProcessFeatures +0\.1 s {2}FAILED \(DataValidationError\)/);
  // The Fail state lasts until the execution ends (it has no exit event).
  expect(printed).toMatch(/RunFailed +0\.0 s$/m);
});
