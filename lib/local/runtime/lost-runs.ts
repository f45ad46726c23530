import { PipelineStates } from '../../../lambdas/contracts/states';
import type { ExecutionRecord, LocalStepFunctions } from '../services/stepfunctions/step-functions';
import { runStateMachine, type AslDefinition, type TaskHandler } from '../services/stepfunctions/state-machine-runner';

/** The error a run lost with its process fails with (a task whose worker is gone, as Step Functions names it). */
export const LOST_RUN_ERROR = 'States.TaskFailed';

/**
 * Fails the runs a previous process left running, and notifies each as the pipeline notifies a
 * failure: the definition's own NotifyFailure state runs, under the same task handlers (so the
 * same role and request checks), with the run's input and the failure, as its catch would give it.
 */
export async function failLostRuns(
  stepFunctions: LocalStepFunctions,
  options: { definition: AslDefinition; handlers: Readonly<Record<string, TaskHandler>>; stateMachineArn: string },
): Promise<ExecutionRecord[]> {
  const lost = stepFunctions.failLostExecutions(LOST_RUN_ERROR, (e) => {
    const state = stepFunctions.lastStateEntered(e.executionArn);
    return (
      `The local environment stopped while this run was ${state ? `in state ${state}` : 'starting'} (its process exited); ` +
      'the work of that state is lost. Step Functions keeps execution names, so this snapshot does not run again: upload new data to start a new run.'
    );
  });
  const notify = options.definition.States[PipelineStates.NOTIFY_FAILURE];
  if (!notify) return lost;
  // The state alone: where it would go next (the Fail state) is the run's end here.
  const alone = { ...notify, End: true } as typeof notify & { Next?: string };
  delete alone.Next;
  const definition: AslDefinition = { StartAt: PipelineStates.NOTIFY_FAILURE, States: { [PipelineStates.NOTIFY_FAILURE]: alone } };
  for (const e of lost) {
    const input = { ...(JSON.parse(e.input) as Record<string, unknown>), failure: { Error: e.result?.error, Cause: e.result?.cause } };
    const sent = await runStateMachine(
      definition,
      input,
      { [PipelineStates.NOTIFY_FAILURE]: options.handlers[PipelineStates.NOTIFY_FAILURE] },
      {
        executionName: e.name,
        stateMachineArn: options.stateMachineArn,
      },
    );
    if (sent.status !== 'SUCCEEDED') throw new Error(`could not notify the lost run ${e.name}: ${sent.error}: ${sent.cause}`);
  }
  return lost;
}
