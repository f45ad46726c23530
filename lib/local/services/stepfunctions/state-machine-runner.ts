import './polyfills';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import type { RunnerEvent } from './execution-history';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../../template/cfn-template';
import { distributedMapProblems, isDistributedMap, runDistributedMap, type DistributedMapIo, type DistributedMapState } from './distributed-map';

/** A local implementation of one Task state: receives the input after Parameters, returns the raw service result. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** An ASL state, as much of it as the runner needs to walk the definition. */
interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Branches?: readonly AslDefinition[];
  readonly Iterator?: AslDefinition;
  readonly ItemProcessor?: AslDefinition;
}
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

/** The one state machine of a synthesized template, rendered to plain ASL with local physical ids. */
export function renderStateMachine(template: CfnTemplate, options: RenderOptions): AslDefinition {
  const ids = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  if (ids.length !== 1) throw new Error(`expected one state machine in the template, found ${ids.length}`);
  const definition = template.Resources[ids[0]].Properties?.DefinitionString;
  const text = resolveIntrinsics(template, definition, options);
  if (typeof text !== 'string') throw new Error('the state machine definition did not render to a string');
  return JSON.parse(text) as AslDefinition;
}

/** Names of the top-level states of one type. */
function statesOfType(definition: AslDefinition, type: string): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === type)
    .map(([name]) => name);
}

/** Every Task state (including those inside Parallel and Map) with its resource. */
export function taskStates(definition: AslDefinition): { name: string; resource: string }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [{ name, resource: state.Resource ?? '' }] : []),
    ...(state.Branches ?? []).flatMap(taskStates),
    ...[state.Iterator, state.ItemProcessor].filter((d): d is AslDefinition => d !== undefined).flatMap(taskStates),
  ]);
}

/** Every Distributed Map state (at any depth) by name. */
export function distributedMapStates(definition: AslDefinition): { name: string; state: DistributedMapState }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    ...(isDistributedMap(state as never) ? [{ name, state: state as unknown as DistributedMapState }] : []),
    ...(state.Branches ?? []).flatMap(distributedMapStates),
    ...[state.Iterator, state.ItemProcessor].filter((d): d is AslDefinition => d !== undefined).flatMap(distributedMapStates),
  ]);
}

/** The Task a Distributed Map state becomes for the runner (its handler runs the Map Run): what the runner does after the state's own work is the same. */
const DISTRIBUTED_MAP_TASK = 'arn:aws:states:::local:distributed-map';
const KEPT_BY_TASK = ['Type', 'Comment', 'InputPath', 'OutputPath', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'Next', 'End'];

/** The definition with each top-level Distributed Map as such a Task (nested definitions are run as children). */
function withDistributedMapsAsTasks(definition: AslDefinition): AslDefinition {
  const States = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (!isDistributedMap(state as never)) return [name, state];
      const kept = Object.fromEntries(Object.entries(state).filter(([field]) => KEPT_BY_TASK.includes(field)));
      return [name, { ...kept, Type: 'Task', Resource: DISTRIBUTED_MAP_TASK }];
    }),
  );
  return { ...definition, States };
}

/** A Task state whose handler had not answered yet. */
export interface InFlightTask {
  readonly state: string;
  readonly input: unknown;
}

export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** State names in the order they were entered. */
  readonly statesEntered: readonly string[];
  /** ABORTED: the Tasks that were running when the execution was stopped. */
  readonly inFlight?: readonly InFlightTask[];
}

/**
 * The longest timer Node keeps (2^31 - 1 ms, about 24.8 days): AWS's "no timeout" locally.
 */
export const LOCAL_NO_TIMEOUT_SECONDS = Math.floor(2 ** 31 / 1000) - 1;

/**
 * The definition with AWS's Task timeout made explicit. aws-local-stepfunctions follows the
 * States Language spec (a Task without TimeoutSeconds times out after 60 s), but Step Functions
 * sets no timeout then (its docs: such a Task waits until it answers), so an 85 s training job
 * failed locally with States.Timeout. A Task without one gets the longest timer Node keeps.
 */
export function withAwsTaskTimeouts(definition: AslDefinition): AslDefinition {
  const States = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      const raw = state as AslState & { TimeoutSeconds?: number; TimeoutSecondsPath?: string };
      const nested = {
        ...(raw.Branches ? { Branches: raw.Branches.map(withAwsTaskTimeouts) } : {}),
        ...(raw.Iterator ? { Iterator: withAwsTaskTimeouts(raw.Iterator) } : {}),
        ...(raw.ItemProcessor ? { ItemProcessor: withAwsTaskTimeouts(raw.ItemProcessor) } : {}),
      };
      const timeout =
        raw.Type === 'Task' && raw.TimeoutSeconds === undefined && raw.TimeoutSecondsPath === undefined ? { TimeoutSeconds: LOCAL_NO_TIMEOUT_SECONDS } : {};
      return [name, { ...raw, ...nested, ...timeout }];
    }),
  );
  return { ...definition, States };
}

const machines = new WeakMap<AslDefinition, StateMachine>();

/** The runner's machine for a definition, validated once (a Map Run starts many children of one processor). */
function machineOf(definition: AslDefinition): StateMachine {
  let machine = machines.get(definition);
  if (!machine)
    machines.set(
      definition,
      (machine = new StateMachine(withAwsTaskTimeouts(withDistributedMapsAsTasks(definition)) as never, { validationOptions: { checkArn: false } })),
    );
  return machine;
}

/**
 * Runs the synthesized definition with aws-local-stepfunctions. Every Task must have a local
 * handler: a Task without one would call real AWS, so the run is refused instead.
 */
export async function runStateMachine(
  definition: AslDefinition,
  input: unknown,
  handlers: Readonly<Record<string, TaskHandler>>,
  options: {
    executionName: string;
    stateMachineArn: string;
    onStateEntered?: (name: string) => void;
    /** Every event of the run, as the runner reports it (the execution history is made of them). */
    onEvent?: (event: RunnerEvent) => void;
    /** The execution's start time. @default now */
    startTime?: Date;
    /** How long every Wait state waits locally, in ms (the local services settle at once). @default 0 */
    waitMs?: number;
    /** Stops the execution (StopExecution): the result is ABORTED with the Tasks still running. */
    signal?: AbortSignal;
    /** The S3 and IAM a Distributed Map state uses (required when the definition has one). */
    distributedMap?: DistributedMapIo;
  },
): Promise<LocalExecution> {
  const missing = taskStates(definition).filter((t) => !handlers[t.name]);
  if (missing.length > 0) throw new Error(`no local handler for Task state(s): ${missing.map((t) => `${t.name} (${t.resource})`).join(', ')}`);
  const maps = Object.entries(definition.States).filter(([, state]) => isDistributedMap(state as never));
  const problems = distributedMapStates(definition).flatMap(({ name, state }) => distributedMapProblems(name, state));
  if (problems.length > 0) throw new Error(`the definition breaks Distributed Map rules: ${problems.join('; ')}`);
  const io = options.distributedMap;
  if (maps.length > 0 && !io)
    throw new Error(`Distributed Map state(s) ${maps.map(([name]) => name).join(', ')} need the local S3 and IAM (options.distributedMap)`);
  // Each Map Run's children run the ItemProcessor with the same handlers and options, as executions of their own.
  const mapRuns = Object.fromEntries(
    maps.map(([name, raw]) => {
      const state = raw as unknown as DistributedMapState;
      // A child runs the processor as a state machine of its own (ProcessorConfig is the Map's, not a definition field).
      const processor: AslDefinition = { StartAt: state.ItemProcessor.StartAt, States: state.ItemProcessor.States };
      const run: TaskHandler = (input) =>
        runDistributedMap(name, state, input, {
          io: io!,
          stateMachineArn: options.stateMachineArn,
          runChild: (childInput, childName, signal) =>
            runStateMachine(processor, childInput, handlers, {
              ...options,
              executionName: childName,
              signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal,
              onStateEntered: undefined,
              onEvent: undefined,
              startTime: undefined,
            }),
        });
      return [name, run];
    }),
  );
  // The Tasks whose calls are out, so that a stop can end what they started (as a .sync integration does).
  const inFlight = new Set<InFlightTask>();
  const tracked = Object.fromEntries(
    Object.entries({ ...handlers, ...mapRuns }).map(([state, handler]) => [
      state,
      async (input: unknown) => {
        const task = { state, input };
        inFlight.add(task);
        try {
          return await handler(input);
        } finally {
          inFlight.delete(task);
        }
      },
    ]),
  );

  const machine = machineOf(definition);
  const execution = machine.run(input as never, {
    // Retries still happen, without the real backoff waits.
    overrides: {
      taskResourceLocalHandlers: tracked as never,
      retryIntervalOverrides: Object.fromEntries([...taskStates(definition).map((t) => t.name), ...maps.map(([name]) => name)].map((name) => [name, 0])),
      waitTimeOverrides: Object.fromEntries(statesOfType(definition, 'Wait').map((name) => [name, options.waitMs ?? 0])),
    },
    context: {
      Execution: {
        Id: `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${options.executionName}`,
        Name: options.executionName,
        Input: input as never,
        StartTime: (options.startTime ?? new Date()).toISOString(),
      },
    },
  });
  const abort = () => execution.abort();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const statesEntered: string[] = [];
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      options.onEvent?.(event as RunnerEvent);
      const entered = event as { type: string; state?: { name: string } };
      if (entered.type === 'StateEntered' && entered.state) {
        statesEntered.push(entered.state.name);
        options.onStateEntered?.(entered.state.name);
      }
    }
  })();
  try {
    const output = await execution.result;
    await logs;
    return { status: 'SUCCEEDED', output, statesEntered };
  } catch (err) {
    await logs.catch(() => undefined);
    if (err instanceof ExecutionAbortedError) return { status: 'ABORTED', statesEntered, inFlight: [...inFlight] };
    // ExecutionError wraps what ended the run (a Fail state's Error/Cause, or an uncaught task error).
    const failure = ((err as { cause?: unknown }).cause ?? err) as { name?: string; message?: string };
    return { status: 'FAILED', error: failure.name, cause: failure.message, statesEntered };
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
