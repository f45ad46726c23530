import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { proofKeyForWorkers } from '../iam/caller-context';

/**
 * A function's handler in worker threads: up to `size` invocations run at once, each in its own
 * thread (Lambda gives each concurrent invocation its own execution environment), so CPU-bound
 * work such as a Distributed Map's children runs in parallel; further invocations wait for a free
 * worker. A worker is started on first need and kept, as a warm environment is. Run from
 * TypeScript sources (tsx, jest), a worker loads them through tsx.
 */
export class LambdaWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private readonly all: Worker[] = [];
  private nextId = 0;

  constructor(
    private readonly options: {
      /** lambdas/<handlerName>/handler */
      readonly handlerName: string;
      readonly size: number;
      /** The function's environment (the template's variables and the local endpoints). */
      readonly environment: Record<string, string>;
      /** The caller value its requests carry (runAsRole's). */
      readonly role: string;
    },
  ) {
    if (!(options.size >= 1)) throw new Error(`LambdaWorkerPool: size must be at least 1, got ${options.size}`);
  }

  async invoke(event: unknown): Promise<unknown> {
    const worker = await this.acquire();
    const id = this.nextId++;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const onMessage = (message: { id: number; result?: unknown; error?: { name: string; message: string; stack?: string } }) => {
          if (message.id !== id) return;
          worker.off('message', onMessage);
          worker.off('error', onError);
          if (message.error) reject(Object.assign(new Error(message.error.message), { name: message.error.name, stack: message.error.stack }));
          else resolve(message.result);
        };
        const onError = (err: Error) => {
          worker.off('message', onMessage);
          reject(err);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ id, event });
      });
    } finally {
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }

  private acquire(): Promise<Worker> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.all.length < this.options.size) return Promise.resolve(this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
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
