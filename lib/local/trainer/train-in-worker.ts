import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Dataset, TrainedModel, TrainingParams } from './gbt-trainer';

/** Why a training worker ended before its model: the signal's reason. */
export class TrainingStopped extends Error {
  override readonly name = 'TrainingStopped';
}

/**
 * Trains in a worker thread, so the process's servers (the endpoint, the control API, the local
 * services) keep answering while a job runs; aborting `signal` terminates the worker at once
 * (SageMaker's StopTrainingJob and MaxRuntimeInSeconds). Run from TypeScript sources (tsx, jest),
 * the worker loads them through tsx.
 */
export function trainInWorker(
  trainSet: Dataset,
  validation: Dataset,
  params: TrainingParams,
  options: {
    onRound?: (round: number, value: number) => void;
    signal?: AbortSignal;
    /** Move the datasets' buffers to the worker instead of copying them (the caller's arrays are then unusable). */
    transfer?: boolean;
  } = {},
): Promise<TrainedModel> {
  const file = path.join(__dirname, `train-worker${path.extname(__filename)}`);
  // From TypeScript sources the worker registers tsx's require hook first (Worker takes no loader flags).
  const workerData = { trainSet, validation, params };
  const transferList = options.transfer
    ? [...new Set([trainSet, validation].flatMap((d) => [d.features?.buffer as ArrayBuffer | undefined, d.labels.buffer as ArrayBuffer]))].filter(
        (b): b is ArrayBuffer => b !== undefined,
      )
    : [];
  const worker =
    path.extname(__filename) === '.ts'
      ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData, transferList })
      : new Worker(file, { workerData, transferList });
  return new Promise<TrainedModel>((resolve, reject) => {
    const stop = () => {
      void worker.terminate();
      reject(new TrainingStopped(String(options.signal?.reason ?? 'stopped')));
    };
    if (options.signal?.aborted) return stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (message: { type: 'round'; round: number; value: number } | { type: 'done'; model: TrainedModel }) => {
      if (message.type === 'round') options.onRound?.(message.round, message.value);
      else {
        options.signal?.removeEventListener('abort', stop);
        resolve(message.model);
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      options.signal?.removeEventListener('abort', stop);
      reject(err);
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !options.signal?.aborted) reject(new Error(`the training worker exited with code ${code}`));
    });
  });
}
