import { parentPort, workerData } from 'node:worker_threads';
import { train, type Dataset, type TrainingParams } from './gbt-trainer';

/** The worker side of trainInWorker: trains on the datasets it was given and posts rounds and the model. */
const { trainSet, validation, params } = workerData as { trainSet: Dataset; validation: Dataset; params: TrainingParams };
const model = train(trainSet, validation, params, (round, value) => parentPort!.postMessage({ type: 'round', round, value }));
parentPort!.postMessage({ type: 'done', model });
