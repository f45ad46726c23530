import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import { parseS3Uri } from '../../../lambdas/contracts/layout';
import type { Trainer } from '../services/sagemaker/sagemaker';
import { tarGz } from './tar';
import { TrainingCsvParser } from './training-data';
import type { Dataset, TrainingParams } from './gbt-trainer';
import { trainInWorker } from './train-in-worker';
import { stringifyXgboostJson, toXgboostJson } from './xgboost-json';

/** The file inside model.tar.gz that holds the model, as the built-in XGBoost container names it. */
export const MODEL_FILE = 'xgboost-model';

/**
 * Every object under an S3Prefix channel (SageMaker's File mode reads every file; all pages), in
 * key order, streamed into the parser, which writes each feature's values to a file in `spill`.
 */
async function readChannel(s3: S3Client, uri: string, name: string, spill: string): Promise<Dataset> {
  const { bucket, key } = parseS3Uri(uri);
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: key })) keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  if (keys.length === 0) throw new Error(`channel ${uri} has no objects`);
  const parser = new TrainingCsvParser(`${name} channel`, mkdtempSync(path.join(spill, `${name}-`)));
  for (const k of keys.sort()) {
    parser.begin(`s3://${bucket}/${k}`);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) parser.push(chunk);
  }
  return parser.end();
}

/**
 * XGBoost's default base_score for an image version: 0.5 in 1.x (the configured SageMaker image,
 * 1.7-1); 2.x estimates it from the labels (undefined here: the trainer does the same).
 */
export function defaultBaseScore(imageTag: string | undefined): number | undefined {
  const major = Number(/^(\d+)\./.exec(imageTag ?? '')?.[1]);
  if (!Number.isFinite(major)) throw new Error(`cannot tell the XGBoost version from the training image tag "${imageTag}"`);
  return major < 2 ? 0.5 : undefined;
}

/** XGBoost's default eval_metric per objective. */
const DEFAULT_EVAL_METRIC = { 'binary:logistic': 'logloss', 'reg:squarederror': 'rmse', 'multi:softprob': 'mlogloss' } as const;

/** XGBoost hyperparameters (strings, XGBoost's names) to the trainer's parameters; base_score defaults to the image version's. */
export function paramsFromHyperparameters(hp: Record<string, string>, versionBaseScore?: number): TrainingParams {
  const number = (name: string, fallback: number) => {
    const value = hp[name] === undefined ? fallback : Number(hp[name]);
    if (!Number.isFinite(value)) throw new Error(`hyperparameter ${name} "${hp[name]}" is not a number`);
    return value;
  };
  const objective = hp.objective ?? 'reg:squarederror';
  if (objective !== 'binary:logistic' && objective !== 'reg:squarederror' && objective !== 'multi:softprob')
    throw new Error(`objective "${objective}" is not supported locally`);
  if (hp.num_round === undefined) throw new Error('hyperparameter num_round is required');
  // The SageMaker XGBoost image's own hyperparameter checks (hyperparameter_validation.py).
  const multi = objective === 'multi:softprob';
  if (multi && hp.num_class === undefined) throw new Error("Require input for parameter 'num_class' for multi-classification");
  if (!multi && hp.num_class !== undefined) throw new Error("Do not need to setup parameter 'num_class' for learning task other than multi-classification.");
  if (hp.eval_metric?.includes('auc') && !objective.startsWith('binary:'))
    throw new Error("Metric 'auc' can only be applied for classification and ranking problems.");
  const numClass = multi ? number('num_class', 0) : undefined;
  if (numClass !== undefined && !(Number.isInteger(numClass) && numClass >= 2))
    throw new Error(`hyperparameter num_class "${hp.num_class}" must be an integer of at least 2`);
  return {
    objective,
    ...(numClass === undefined ? {} : { numClass }),
    numRound: number('num_round', 0),
    maxDepth: number('max_depth', 6),
    eta: number('eta', 0.3),
    subsample: number('subsample', 1),
    minChildWeight: number('min_child_weight', 1),
    lambda: number('lambda', 1),
    evalMetric: (hp.eval_metric ?? DEFAULT_EVAL_METRIC[objective]) as TrainingParams['evalMetric'],
    earlyStoppingRounds: hp.early_stopping_rounds === undefined ? undefined : number('early_stopping_rounds', 0),
    baseScore: hp.base_score === undefined ? versionBaseScore : number('base_score', 0.5),
  };
}

/**
 * A Trainer for the local SageMaker: reads the train and validation channels from S3, trains,
 * writes <output>/<job>/output/model.tar.gz and reports the final metrics as the built-in
 * algorithm names them (train:<metric>, validation:<metric>).
 */
export function localXgboostTrainer(s3: S3Client, onRound?: (job: string, round: number, validation: number) => void): Trainer {
  return async (request: CreateTrainingJobCommandInput, signal?: AbortSignal) => {
    const channel = (name: string) => {
      const found = request.InputDataConfig?.find((c) => c.ChannelName === name);
      if (!found?.DataSource?.S3DataSource?.S3Uri) throw new Error(`the job has no "${name}" channel`);
      return found.DataSource.S3DataSource.S3Uri;
    };
    const imageTag = request.AlgorithmSpecification?.TrainingImage?.split(':').pop();
    const params = paramsFromHyperparameters(request.HyperParameters ?? {}, defaultBaseScore(imageTag));
    const job = request.TrainingJobName!;
    // The job's scratch space (its channels column by column), removed when the job ends however
    // it ends; in `mlops up` it is under the state directory's tmp/, swept at start after a kill.
    const spill = mkdtempSync(path.join(tmpdir(), `mlops-training-${job}-`));
    let model;
    try {
      const trainSet = await readChannel(s3, channel('train'), 'train', spill);
      const validation = await readChannel(s3, channel('validation'), 'validation', spill);
      // Off the main thread: the endpoint and the control API answer while the job trains.
      model = await trainInWorker(trainSet, validation, params, {
        onRound: (round, v) => onRound?.(job, round, v),
        signal,
        // The labels move to the worker: one copy in memory, not two (the features are on disk).
        transfer: true,
      });
    } finally {
      rmSync(spill, { recursive: true, force: true });
    }
    const { bucket, key } = parseS3Uri(request.OutputDataConfig!.S3OutputPath!);
    const artifact = tarGz({ [MODEL_FILE]: Buffer.from(stringifyXgboostJson(toXgboostJson(model))) });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key.replace(/\/?$/, '/')}${job}/output/model.tar.gz`, Body: artifact }));
    const best = model.history[model.bestRound];
    return {
      metrics: [
        { MetricName: `train:${params.evalMetric}`, Value: best.train ?? Number.NaN },
        { MetricName: `validation:${params.evalMetric}`, Value: best.validation },
      ],
    };
  };
}
