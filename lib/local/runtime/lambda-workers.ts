import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { proofKeyForWorkers } from '../iam/caller-context';
import { withFunctionTimeout } from './function-timeout';

/**
 * A function's handler in worker threads: up to `size` invocations run at once, each in its own
 * thread (Lambda gives each concurrent invocation its own execution environment), so CPU-bound
 * work such as a Distributed Map's children runs in parallel; further invocations wait for a free
 * worker. A worker is started on first need and kept, as a warm environment is. Run from
 * TypeScript sources (tsx, jest), a worker loads them through tsx.
 */
export class LambdaWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: { resolve: (worker: Worker) => void; reject: (err: Error) => void }[] = [];
  private readonly all: Worker[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly options: {
      /** lambdas/<handlerName>/handler */
      readonly handlerName: string;
      readonly size: number;
      /** The function's environment (the template's variables and the local endpoints). */
      readonly environment: Record<string, string>;
      /** The caller value its requests carry (runAsRole's). */
      readonly role: string;
      /** The function's Timeout: an invocation past it fails and its worker is terminated (a new one starts on need). */
      readonly timeout?: { readonly functionName: string; readonly seconds: number };
    },
  ) {
    if (!(options.size >= 1)) throw new Error(`LambdaWorkerPool: size must be at least 1, got ${options.size}`);
  }

  async invoke(event: unknown): Promise<unknown> {
    const worker = await this.acquire();
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      const settle = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (message: { id: number; result?: unknown; error?: { name: string; message: string; stack?: string } }) => {
        if (message.id !== id) return;
        settle();
        if (message.error) reject(Object.assign(new Error(message.error.message), { name: message.error.name, stack: message.error.stack }));
        else resolve(message.result);
      };
      const onError = (err: Error) => {
        settle();
        reject(err);
      };
      // Terminated by close() (the environment stopped) or crashed: the invocation ends with an error, never hangs.
      const onExit = (code: number) => {
        settle();
        reject(
          Object.assign(new Error(`the ${this.options.handlerName} worker exited (code ${code}) during the invocation`), { name: 'Lambda.ServiceException' }),
        );
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, event });
    });
    const { timeout } = this.options;
    try {
      if (!timeout) return await answer;
      // Past the timeout Lambda ends the environment: the worker goes, with whatever it was doing.
      return await withFunctionTimeout(answer, { functionName: timeout.functionName, timeoutSeconds: timeout.seconds, onTimeout: () => this.discard(worker) });
    } finally {
      this.release(worker);
    }
  }

  /** Ends every invocation: those waiting for a worker and those running fail (as an environment's shutdown does). */
  async close(): Promise<void> {
    this.closed = true;
    for (const { reject } of this.waiting.splice(0)) reject(this.closedError());
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }

  private acquire(): Promise<Worker> {
    if (this.closed) return Promise.reject(this.closedError());
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.all.length < this.options.size) return Promise.resolve(this.start());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** A discarded (timed-out) worker is not handed on: the next waiting invocation gets a new one. */
  private release(worker: Worker): void {
    if (this.closed) return;
    const live = this.all.includes(worker);
    const next = this.waiting.shift();
    if (next) next.resolve(live ? worker : this.start());
    else if (live) this.idle.push(worker);
  }

  private discard(worker: Worker): void {
    this.all.splice(this.all.indexOf(worker), 1);
    void worker.terminate();
  }

  private closedError(): Error {
    return Object.assign(new Error(`the ${this.options.handlerName} workers were closed (the local environment stopped)`), { name: 'Lambda.ServiceException' });
  }

  private start(): Worker {
    const extension = path.extname(__filename);
    const file = path.join(__dirname, `lambda-worker${extension}`);
    const modulePath = path.join(__dirname, '..', '..', '..', 'lambdas', this.options.handlerName, `handler${extension === '.ts' ? '.ts' : '.js'}`);
    const workerData = { modulePath, environment: this.options.environment, role: this.options.role, proofKey: proofKeyForWorkers() };
    const worker =
      extension === '.ts'
        ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData })
        : new Worker(file, { workerData });
    this.all.push(worker);
    return worker;
  }
}
