import type { ServiceAuth } from '../../auth/request-auth';
import { randomUUID } from 'node:crypto';
import { ServiceError, startJsonRpcServer, type RequestAuthorizer, type RunningServer } from '../json-rpc-server';
import { runStateMachine, type AslDefinition, type LocalExecution, type TaskHandler } from './state-machine-runner';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

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
}

/**
 * The local stand-in for the Step Functions API of one state machine: StartExecution runs the
 * synthesized definition with the local runner in the background; ListExecutions and
 * DescribeExecution report on it. Names are unique per state machine as in AWS: the same name
 * with the same input while running returns the running execution, otherwise ExecutionAlreadyExists.
 */
export class LocalStepFunctions {
  readonly executions: ExecutionRecord[] = [];

  constructor(private readonly machine: LocalStateMachine) {}

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
    const done = runStateMachine(this.machine.definition, parsed, this.machine.handlers, {
      executionName: name,
      stateMachineArn: this.machine.stateMachineArn,
      onStateEntered: (state) => this.machine.onStateEntered?.(record, state),
    }).then((result) => {
      Object.assign(record, { status: result.status, stopDate: new Date(), result });
      this.machine.onExecutionEnded?.(record);
      return result;
    });
    Object.assign(record, { done });
    this.executions.push(record);
    return { executionArn, startDate: record.startDate };
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

  /** Serves StartExecution, ListExecutions and DescribeExecution (AWS JSON 1.0) via AWS_ENDPOINT_URL_SFN. */
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
        },
      },
      port,
      authorize,
      auth,
    );
  }
}
