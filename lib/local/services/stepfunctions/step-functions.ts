import type { ServiceAuth } from '../../auth/request-auth';
import { randomUUID } from 'node:crypto';
import { ServiceError, startJsonRpcServer, type RequestAuthorizer, type RunningServer } from '../json-rpc-server';
import { runStateMachine, type AslDefinition, type LocalExecution, type TaskHandler } from './state-machine-runner';
import type { DistributedMapIo } from './distributed-map';
import { historyEventsOf } from './execution-history';
import { ControlPlaneStore, parseStored, type StoredExecution } from '../../state/control-plane-store';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  result?: LocalExecution;
  readonly done: Promise<LocalExecution>;
}

export interface LocalStateMachine {
  readonly stateMachineArn: string;
  readonly definition: AslDefinition;
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  readonly onStateEntered?: (execution: ExecutionRecord, state: string) => void;
  readonly onExecutionEnded?: (execution: ExecutionRecord) => void;
  /** The state machine's role (ExecutionStarted's roleArn). */
  readonly roleArn?: string;
  /** Where executions and their history are kept. @default in memory */
  readonly store?: ControlPlaneStore;
  /**
   * What an integration calls when the execution is stopped while its Task runs, by state (a
   * `.sync` job is stopped: StopTrainingJob for createTrainingJob.sync), given the Task's input.
   */
  readonly taskStops?: Readonly<Record<string, TaskHandler>>;
  /** The S3 and IAM of the definition's Distributed Map states (asked once the services run). */
  readonly distributedMap?: () => DistributedMapIo;
  /** A stop call that failed (Step Functions stops the execution all the same; the job runs on). */
  readonly onTaskStopFailed?: (execution: ExecutionRecord, state: string, err: Error) => void;
}

/**
 * The local stand-in for the Step Functions API of one state machine: StartExecution runs the
 * synthesized definition with the local runner in the background; ListExecutions,
 * DescribeExecution and GetExecutionHistory report on it. Names are unique per state machine as in
 * AWS: the same name with the same input while running returns the running execution, otherwise
 * ExecutionAlreadyExists. Executions and their history are kept in the control-plane store, so
 * they outlive the process; one that was running when it died is failed by `failLostExecutions`.
 */
export class LocalStepFunctions {
  readonly executions: ExecutionRecord[];
  private readonly store: ControlPlaneStore;
  /** The running executions' stops, with the error and cause StopExecution was given. */
  private readonly stops = new Map<string, { controller: AbortController; error?: string; cause?: string }>();
  private readonly historyEvent: ReturnType<typeof historyEventsOf>;

  constructor(private readonly machine: LocalStateMachine) {
    this.store = machine.store ?? ControlPlaneStore.inMemory();
    this.historyEvent = historyEventsOf(machine.definition, machine.roleArn ?? '');
    this.executions = this.store.executions().map((stored) => {
      const result = stored.result === undefined ? undefined : parseStored<LocalExecution>(stored.result);
      return {
        executionArn: stored.executionArn,
        name: stored.name,
        input: stored.input,
        startDate: new Date(stored.startDate),
        status: stored.status as ExecutionStatus,
        stopDate: stored.stopDate === undefined ? undefined : new Date(stored.stopDate),
        result,
        done: Promise.resolve(result as LocalExecution),
      };
    });
  }

  private save(e: ExecutionRecord): void {
    const stored: StoredExecution = {
      executionArn: e.executionArn,
      name: e.name,
      input: e.input,
      status: e.status,
      startDate: e.startDate.getTime(),
      stopDate: e.stopDate?.getTime(),
      result: e.result && JSON.stringify(e.result),
    };
    this.store.saveExecution(stored);
  }

  /**
   * Executions a previous process left RUNNING (it stopped or died while they ran): each is
   * failed now with `error` and `cause`, recorded in its history as Step Functions records a
   * failed execution, and reported to onExecutionEnded.
   */
  failLostExecutions(error: string, cause: (e: ExecutionRecord) => string): ExecutionRecord[] {
    const lost = this.executions.filter((e) => e.status === 'RUNNING');
    for (const e of lost) {
      const failure = { error, cause: cause(e) };
      const statesEntered = this.statesEntered(e.executionArn);
      Object.assign(e, { status: 'FAILED', stopDate: new Date(), result: { status: 'FAILED', ...failure, statesEntered } });
      Object.assign(e, { done: Promise.resolve(e.result) });
      this.store.transaction(() => {
        this.store.appendHistoryEvent(e.executionArn, { timestamp: Date.now(), type: 'ExecutionFailed', details: { executionFailedEventDetails: failure } });
        this.save(e);
      });
      this.machine.onExecutionEnded?.(e);
    }
    return lost;
  }

  private checkArn(stateMachineArn: string | undefined): void {
    if (stateMachineArn !== this.machine.stateMachineArn)
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  startExecution(request: { stateMachineArn?: string; name?: string; input?: string }): { executionArn: string; startDate: Date } {
    this.checkArn(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (err) {
      throw new ServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: ${(err as Error).message}`);
    }
    const existing = this.executions.find((e) => e.name === name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: existing.executionArn, startDate: existing.startDate };
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const executionArn = `${this.machine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const started: Omit<ExecutionRecord, 'done'> = { executionArn, name, input, startDate: new Date(), status: 'RUNNING' };
    const record = started as ExecutionRecord;
    const stop = { controller: new AbortController() } as { controller: AbortController; error?: string; cause?: string };
    this.stops.set(executionArn, stop);
    const done = runStateMachine(this.machine.definition, parsed, this.machine.handlers, {
      executionName: name,
      stateMachineArn: this.machine.stateMachineArn,
      startTime: record.startDate,
      onStateEntered: (state) => this.machine.onStateEntered?.(record, state),
      onEvent: (event) => {
        const history = this.historyEvent(event);
        if (history) this.store.appendHistoryEvent(executionArn, history);
      },
      signal: stop.controller.signal,
      distributedMap: this.machine.distributedMap?.(),
    }).then(async (raw) => {
      this.stops.delete(executionArn);
      let result = raw;
      if (raw.status === 'ABORTED') {
        const { inFlight, ...aborted } = raw;
        result = { ...aborted, error: stop.error, cause: stop.cause };
        this.store.appendHistoryEvent(executionArn, {
          timestamp: Date.now(),
          type: 'ExecutionAborted',
          details: { executionAbortedEventDetails: { error: stop.error, cause: stop.cause } },
        });
        await this.stopTasks(record, inFlight ?? []);
      }
      Object.assign(record, { status: result.status, stopDate: new Date(), result });
      this.save(record);
      this.machine.onExecutionEnded?.(record);
      return result;
    });
    Object.assign(record, { done });
    this.executions.push(record);
    this.save(record);
    return { executionArn, startDate: record.startDate };
  }

  /** The calls the stopped execution's running Tasks make on a stop (each failure reported, none fatal). */
  private async stopTasks(record: ExecutionRecord, inFlight: readonly { state: string; input: unknown }[]): Promise<void> {
    for (const task of inFlight) {
      const stopTask = this.machine.taskStops?.[task.state];
      try {
        await stopTask?.(task.input);
      } catch (err) {
        this.machine.onTaskStopFailed?.(record, task.state, err as Error);
      }
    }
  }

  /**
   * StopExecution: a running execution is aborted (ABORTED, with the error and cause given) and
   * the Tasks it was running are stopped as their integrations stop them; an execution that has
   * ended is left as it is (StopExecution has no error for it).
   */
  async stopExecution(request: { executionArn?: string; error?: string; cause?: string }): Promise<{ stopDate: Date }> {
    const e = this.executions.find((x) => x.executionArn === request.executionArn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    const stop = this.stops.get(e.executionArn);
    if (e.status === 'RUNNING' && stop) {
      Object.assign(stop, { error: request.error, cause: request.cause });
      stop.controller.abort();
      await e.done;
    }
    return { stopDate: e.stopDate ?? new Date() };
  }

  listExecutions(request: { stateMachineArn?: string; statusFilter?: ExecutionStatus; maxResults?: number }) {
    this.checkArn(request.stateMachineArn);
    const matching = this.executions.filter((e) => !request.statusFilter || e.status === request.statusFilter).reverse();
    const limit = request.maxResults && request.maxResults > 0 ? request.maxResults : 100;
    return {
      executions: matching.slice(0, limit).map((e) => this.summaryOf(e)),
    };
  }

  /** The fields ListExecutions and DescribeExecution share. */
  private summaryOf(e: ExecutionRecord) {
    return {
      executionArn: e.executionArn,
      stateMachineArn: this.machine.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
    };
  }

  describeExecution(request: { executionArn?: string }) {
    const e = this.executions.find((x) => x.executionArn === request.executionArn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    const output = e.result?.status === 'SUCCEEDED' ? JSON.stringify(e.result.output) : undefined;
    return {
      ...this.summaryOf(e),
      input: e.input,
      output,
      error: e.result?.error,
      cause: e.result?.cause,
    };
  }

  /** The states an execution entered, in order, from its history. */
  private statesEntered(executionArn: string): string[] {
    return this.store.history(executionArn).flatMap((h) => {
      const entered = h.details.stateEnteredEventDetails as { name?: string } | undefined;
      return entered?.name ? [entered.name] : [];
    });
  }

  /** The last state an execution entered, from its history. */
  lastStateEntered(executionArn: string): string | undefined {
    return this.statesEntered(executionArn).at(-1);
  }

  /** GetExecutionHistory: the events in order (or reversed), at most maxResults (default 100, up to 1000) a page. */
  getExecutionHistory(request: { executionArn?: string; maxResults?: number; reverseOrder?: boolean; nextToken?: string; includeExecutionData?: boolean }) {
    const e = this.executions.find((x) => x.executionArn === request.executionArn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    const events = this.store.history(e.executionArn);
    if (request.reverseOrder) events.reverse();
    const reverse = request.reverseOrder === true;
    const start = request.nextToken === undefined ? 0 : pageOffset(request.nextToken, e.executionArn, reverse);
    const limit = request.maxResults && request.maxResults > 0 ? request.maxResults : 100;
    const page = events.slice(start, start + limit);
    const withoutData = (details: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(details).map(([key, value]) => [
          key,
          Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([member]) => member !== 'input' && member !== 'output')),
        ]),
      );
    return {
      events: page.map((h) => ({
        timestamp: new Date(h.timestamp),
        type: h.type,
        id: h.id,
        previousEventId: h.id - 1,
        ...(request.includeExecutionData === false ? withoutData(h.details) : h.details),
      })),
      nextToken:
        start + limit < events.length ? Buffer.from(JSON.stringify({ arn: e.executionArn, reverse, offset: start + limit })).toString('base64') : undefined,
    };
  }

  /** Resolves when no execution is running. */
  async idle(): Promise<void> {
    for (
      let running = this.executions.filter((e) => e.status === 'RUNNING');
      running.length > 0;
      running = this.executions.filter((e) => e.status === 'RUNNING')
    ) {
      await Promise.all(running.map((e) => e.done));
    }
  }

  /** Serves StartExecution, StopExecution, ListExecutions, DescribeExecution and GetExecutionHistory (AWS JSON 1.0) via AWS_ENDPOINT_URL_SFN. */
  start(port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
    return startJsonRpcServer(
      {
        title: 'local Step Functions',
        targetPrefix: 'AWSStepFunctions',
        signingName: 'states',
        protocol: '1.0',
        operations: {
          StartExecution: (input) => this.startExecution(input),
          ListExecutions: (input) => this.listExecutions(input),
          DescribeExecution: (input) => this.describeExecution(input),
          GetExecutionHistory: (input) => this.getExecutionHistory(input),
          StopExecution: (input) => this.stopExecution(input),
        },
      },
      port,
      authorize,
      auth,
    );
  }
}

/** The offset a GetExecutionHistory nextToken carries, refused as Step Functions refuses a token of another request. */
function pageOffset(token: string, executionArn: string, reverse: boolean): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { arn?: string; reverse?: boolean; offset?: number };
    if (parsed.arn === executionArn && parsed.reverse === reverse && Number.isInteger(parsed.offset) && parsed.offset! >= 0) return parsed.offset!;
  } catch {
    // refused below
  }
  throw new ServiceError('InvalidToken', `Invalid Token: '${token}'`);
}
