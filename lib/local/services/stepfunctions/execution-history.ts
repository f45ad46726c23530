import type { HistoryEvent } from '../../state/control-plane-store';
import type { AslDefinition } from './state-machine-runner';

/** An event of aws-local-stepfunctions' `eventLogs`, as much of it as the history needs. */
export interface RunnerEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly index?: number;
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown };
  readonly parentState?: { readonly name: string; readonly type: string };
}

const json = (value: unknown) => JSON.stringify(value ?? null);
const text = (value: unknown) => (typeof value === 'string' ? value : json(value));

/** A Task's resource as GetExecutionHistory names it: "arn:aws:states:::sagemaker:createTrainingJob.sync" → sagemaker, createTrainingJob.sync. */
function taskResource(resource: string): { resourceType: string; resource: string } {
  const [, , , , , service = '', ...rest] = resource.split(':');
  return { resourceType: service, resource: rest.join(':') };
}

/** Every state of a definition (including those of Parallel branches and Map iterators) by name. */
function statesByName(definition: AslDefinition): Map<string, { Type: string; Resource?: string }> {
  const states = new Map<string, { Type: string; Resource?: string }>();
  const walk = (d: AslDefinition) => {
    for (const [name, state] of Object.entries(d.States)) {
      states.set(name, state);
      for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) if (nested) walk(nested);
    }
  };
  walk(definition);
  return states;
}

/**
 * Maps the local runner's events to the events of Step Functions' GetExecutionHistory (types from
 * its HistoryEventType, details named as its HistoryEvent members); events Step Functions does not
 * record (retries, catches and branch starts are visible through the states' own events) give none.
 */
export function historyEventsOf(definition: AslDefinition, roleArn: string): (event: RunnerEvent) => Omit<HistoryEvent, 'id'> | undefined {
  const states = statesByName(definition);
  return (event) => {
    const at = (type: string, details: Record<string, unknown>) => ({ timestamp: event.timestamp, type, details });
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
        return at('ExecutionStarted', { executionStartedEventDetails: { input: json(event.input), roleArn } });
      case 'ExecutionSucceeded':
        return at('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output) } });
      case 'ExecutionFailed':
        return at('ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) } });
      // ExecutionAborted is recorded by StopExecution, with the error and cause it was given.
      case 'StateEntered':
        return state && at(`${state.type}StateEntered`, { stateEnteredEventDetails: { name: state.name, input: json(state.input) } });
      case 'StateExited':
        // A Fail state ends the execution: Step Functions records no FailStateExited.
        return state && state.type !== 'Fail'
          ? at(`${state.type}StateExited`, { stateExitedEventDetails: { name: state.name, output: json(state.output) } })
          : undefined;
      case 'StateFailed': {
        if (!state) return undefined;
        const failure = { error: event.Error, cause: text(event.Cause) };
        if (state.type === 'Task') return at('TaskFailed', { taskFailedEventDetails: { ...taskResource(states.get(state.name)?.Resource ?? ''), ...failure } });
        return state.type === 'Map' || state.type === 'Parallel' ? at(`${state.type}StateFailed`, {}) : undefined;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
        return at(event.type, { [`${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`]: { name: event.parentState?.name, index: event.index } });
      case 'MapIterationFailed':
        return at(event.type, { mapIterationFailedEventDetails: { name: event.parentState?.name, index: event.index } });
      default:
        return undefined;
    }
  };
}
