import { PipelineStates } from '../../../lambdas/contracts/states';
import type { HistoryEvent } from '../state/control-plane-store';

/**
 * What happened in one retraining run, read from its execution history (as GetExecutionHistory
 * serves it): the states it went through with their timings, the data counts, the gate's
 * decision and the outcome. What `mlops run`, `mlops runs` and `mlops upload` print.
 */

/** A run's result as a person asks for it: a rejected model is not "SUCCEEDED". */
export type RunOutcome = 'RUNNING' | 'DEPLOYED' | 'REJECTED' | 'PENDING APPROVAL' | 'STOPPED' | 'FAILED';

const OUTCOME_OF_FINAL_STATE: Record<string, RunOutcome> = {
  [PipelineStates.DEPLOYED]: 'DEPLOYED',
  [PipelineStates.REJECTED]: 'REJECTED',
  [PipelineStates.AWAITING_APPROVAL]: 'PENDING APPROVAL',
};

export function runOutcome(status: string, lastState: string | undefined): RunOutcome {
  if (status === 'RUNNING') return 'RUNNING';
  if (status === 'ABORTED') return 'STOPPED';
  if (status === 'SUCCEEDED' && lastState !== undefined && OUTCOME_OF_FINAL_STATE[lastState]) return OUTCOME_OF_FINAL_STATE[lastState];
  return 'FAILED';
}

export interface StateTiming {
  readonly name: string;
  /** Milliseconds from the run's start. */
  readonly at: number;
  /** Undefined while the state runs. */
  readonly durationMs?: number;
  /** The error the state's task failed with. */
  readonly failed?: string;
  /** Whether a Catch handled that error (the run went on), rather than it failing the run. */
  readonly caught?: boolean;
}

export interface DataCounts {
  readonly rowsRead: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly train: number;
  readonly validation: number;
  readonly skippedObjects?: number;
}

export interface RunReport {
  readonly name: string;
  readonly status: string;
  readonly outcome: RunOutcome;
  readonly durationMs?: number;
  readonly states: readonly StateTiming[];
  readonly data?: DataCounts;
  readonly gate?: { readonly promote: boolean; readonly reason: string };
  readonly error?: string;
  readonly cause?: string;
}

function parse(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function runReport(name: string, status: string, history: readonly HistoryEvent[]): RunReport {
  const start = history[0]?.timestamp ?? 0;
  const states: { name: string; at: number; durationMs?: number; failed?: string }[] = [];
  const open = new Map<string, number>();
  let data: DataCounts | undefined;
  let gate: RunReport['gate'];
  let taskError: { error?: string; cause?: string } | undefined;
  let executionError: { error?: string; cause?: string } | undefined;
  let failedState: number | undefined;
  let end: number | undefined;
  for (const event of history) {
    const entered = event.details.stateEnteredEventDetails as { name: string } | undefined;
    const exited = event.details.stateExitedEventDetails as { name: string; output?: string } | undefined;
    const taskFailed = event.details.taskFailedEventDetails as { error?: string; cause?: string } | undefined;
    const failed = (event.details.executionFailedEventDetails ?? event.details.executionAbortedEventDetails) as { error?: string; cause?: string } | undefined;
    if (entered) {
      open.set(entered.name, states.length);
      states.push({ name: entered.name, at: event.timestamp - start });
    } else if (exited) {
      const i = open.get(exited.name);
      if (i !== undefined) states[i].durationMs = event.timestamp - start - states[i].at;
      const output = parse(exited.output);
      // Either feature path ends with the same output: ProcessFeatures, or FinishFeatures after the Distributed Map.
      if (exited.name === PipelineStates.PROCESS_FEATURES || exited.name === PipelineStates.FINISH_FEATURES)
        data = (output?.features as { summary?: DataCounts } | undefined)?.summary;
      if (exited.name === PipelineStates.EVALUATE) gate = output?.evaluation as RunReport['gate'];
    } else if (taskFailed) {
      const last = states.at(-1);
      if (last) {
        last.failed = taskFailed.error;
        last.durationMs = event.timestamp - start - last.at;
      }
      // The last task failure is what failed a run (earlier ones were caught and handled, e.g.
      // FindEndpoint before the first CreateEndpoint); the run's own Fail state only points at it.
      failedState = states.length - 1;
      taskError = { error: taskFailed.error, cause: messageOf(taskFailed.cause) };
    } else if (failed) {
      executionError = { error: failed.error, cause: failed.cause };
    }
    if (event.type.startsWith('Execution') && event.type !== 'ExecutionStarted') end = event.timestamp;
  }
  // A Fail state has no exit event: it lasts until the execution ends.
  for (const state of states) if (state.durationMs === undefined && end !== undefined) state.durationMs = end - start - state.at;
  const outcome = runOutcome(status, states.at(-1)?.name);
  const reason = outcome === 'FAILED' ? (taskError ?? executionError) : outcome === 'STOPPED' ? executionError : undefined;
  return {
    name,
    status,
    outcome,
    durationMs: end === undefined ? undefined : end - start,
    states: states.map((state, i) => (state.failed === undefined ? state : { ...state, caught: !(outcome === 'FAILED' && i === failedState) })),
    data,
    gate,
    error: reason?.error,
    cause: reason?.cause,
  };
}

/** A Lambda error's cause is its JSON ({errorType, errorMessage, trace}): the message is what a person reads. */
function messageOf(cause: string | undefined): string | undefined {
  const parsed = parse(cause);
  return typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : cause;
}
