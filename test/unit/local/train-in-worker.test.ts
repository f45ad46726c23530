import { SageMakerRuntimeClient, InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import { train, type Dataset } from '../../../lib/local/trainer/gbt-trainer';
import { paramsFromHyperparameters } from '../../../lib/local/trainer/sagemaker-trainer';
import { trainInWorker, TrainingStopped } from '../../../lib/local/trainer/train-in-worker';
import { toXgboostJson } from '../../../lib/local/trainer/xgboost-json';
import { XgboostModel } from '../../../lib/local/trainer/xgboost-model';
import { LocalEndpoints } from '../../../lib/local/services/sagemaker/endpoint';
import { LocalSageMaker } from '../../../lib/local/services/sagemaker/sagemaker';
import { seededRandom } from '../../../lib/local/trainer/random';

/** Training runs off the main thread: the process answers while a job trains, and a stop ends it at once. */
function dataset(rows: number, columns: number, seed: number): Dataset {
  const random = seededRandom(seed);
  const features = new Float32Array(rows * columns).map(() => random());
  const labels = new Float32Array(rows).map((_, i) => (features[i * columns] + 0.3 * features[i * columns + 1] > 0.65 ? 1 : 0));
  return { features, labels, rows, columns };
}
const params = (rounds: number) =>
  paramsFromHyperparameters({ objective: 'binary:logistic', num_round: String(rounds), eval_metric: 'auc', max_depth: '6' }, 0.5);

describe('training in a worker thread', () => {
  test('GIVEN the same data THEN the worker trains the model the main thread trains (same trees), reporting every round', async () => {
    const set = dataset(2000, 4, 7);
    const rounds: number[] = [];
    const inWorker = await trainInWorker(set, set, params(8), { onRound: (round) => rounds.push(round) });
    expect(rounds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(JSON.stringify(toXgboostJson(inWorker))).toBe(JSON.stringify(toXgboostJson(train(set, set, params(8)))));
  });

  test('GIVEN a long training THEN the local endpoint answers a request before the training ends', async () => {
    const small = dataset(500, 4, 1);
    const endpoints = new LocalEndpoints();
    const url = await endpoints.start();
    endpoints.deploy('e', new XgboostModel(toXgboostJson(train(small, small, params(3)))));
    const runtime = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    const order: string[] = [];
    const big = dataset(300_000, 8, 2);
    const check = dataset(1000, 8, 9);
    const training = trainInWorker(big, check, params(40), { transfer: true }).then(() => order.push('trained'));
    // Wait for the worker to be busy, then ask the endpoint.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runtime.send(new InvokeEndpointCommand({ EndpointName: 'e', ContentType: 'text/csv', Body: '0.5,0.5,0.5,0.5' }));
    order.push('answered');
    await training;
    expect(order).toEqual(['answered', 'trained']);
    // Transferred, not copied: the caller's arrays were moved to the worker.
    expect(big.features!.length).toBe(0);
    runtime.destroy();
    await endpoints.stop();
  }, 120_000);

  test('GIVEN an abort THEN the worker ends at once with TrainingStopped', async () => {
    const big = dataset(300_000, 8, 3);
    const stop = new AbortController();
    const training = trainInWorker(big, big, params(200), { signal: stop.signal });
    setTimeout(() => stop.abort('Stopped'), 200);
    await expect(training).rejects.toBeInstanceOf(TrainingStopped);
  });
});

describe('stopping a training job in the local SageMaker', () => {
  const request = (name: string, maxRuntime: number): CreateTrainingJobCommandInput => ({
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/TrainingRole',
    AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/features/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntime },
  });
  /** A trainer that takes 5 s unless its signal stops it. */
  const slowTrainer = (seen: AbortSignal[]) => (_: CreateTrainingJobCommandInput, signal?: AbortSignal) => {
    if (signal) seen.push(signal);
    return new Promise<{ metrics: [] }>((resolve) => setTimeout(() => resolve({ metrics: [] }), 5000));
  };

  test('GIVEN a job past MaxRuntimeInSeconds THEN SageMaker stops it: Stopped, MaxRuntimeExceeded, and the trainer is signalled', async () => {
    const seen: AbortSignal[] = [];
    const sagemaker = new LocalSageMaker({ region: 'us-east-1', trainer: slowTrainer(seen) });
    await sagemaker.createTrainingJob(request('limited', 1));
    expect(sagemaker.describeTrainingJob({ TrainingJobName: 'limited' })).toMatchObject({
      TrainingJobStatus: 'Stopped',
      SecondaryStatus: 'MaxRuntimeExceeded',
    });
    expect(seen[0].aborted).toBe(true);
  });

  test('GIVEN StopTrainingJob on a running job THEN it is Stopped; on a finished one SageMaker refuses it', async () => {
    const sagemaker = new LocalSageMaker({ region: 'us-east-1', trainer: slowTrainer([]) });
    const running = sagemaker.createTrainingJob(request('stopped', 3600));
    sagemaker.stopTrainingJob({ TrainingJobName: 'stopped' });
    expect(sagemaker.describeTrainingJob({ TrainingJobName: 'stopped' }).TrainingJobStatus).toBe('Stopping');
    await running;
    expect(sagemaker.describeTrainingJob({ TrainingJobName: 'stopped' })).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    expect(() => sagemaker.stopTrainingJob({ TrainingJobName: 'stopped' })).toThrow('is not in progress');
  });
});
