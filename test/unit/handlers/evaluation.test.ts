import { DescribeModelPackageCommand, DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, type EvaluationEvent } from '../../../lambdas/evaluation/handler';

const sagemaker = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
const PARAMETER = '/stack/churn-endpoint/deployed-model';
const event: EvaluationEvent = {
  trainingJobName: 'churn-abc',
  rules: { metric: 'validation:auc', direction: 'maximize', minimumValue: 0.7, minimumImprovement: 0.005 },
};
const PROD_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/3';

function trainingJob(metrics: Record<string, number>, status: 'Completed' | 'Failed' = 'Completed') {
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: 'churn-abc' }).resolves({
    TrainingJobStatus: status,
    FinalMetricDataList: Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: new Date() })),
  } as never);
}

/** The deployed-model parameter as the deployment publishes it (or as the stack creates it, before any deployment). */
function serving(modelPackageArn?: string) {
  const value = modelPackageArn
    ? { endpointName: 'churn-endpoint', variantName: 'AllTraffic', modelPackageArn, featureSpecUri: 's3://data/features/run/feature-spec.json' }
    : { endpointName: 'churn-endpoint', deployed: false };
  ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: JSON.stringify(value) } });
}

beforeEach(() => {
  sagemaker.reset();
  ssm.reset();
  process.env.DEPLOYED_MODEL_PARAMETER = PARAMETER;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

describe('evaluation handler', () => {
  test('GIVEN nothing deployed yet WHEN evaluated THEN the model is promoted on the minimum alone', async () => {
    trainingJob({ 'train:auc': 0.97, 'validation:auc': 0.91 });
    serving(undefined);
    const decision = await handler(event);
    expect(decision).toMatchObject({ promote: true, candidateValue: 0.91, productionValue: null, productionModelPackageArn: null });
    expect(sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(0);
  });

  test('GIVEN a package that was approved but never served (its deployment rolled back) THEN production is the package the parameter names', async () => {
    trainingJob({ 'validation:auc': 0.92 });
    serving(PROD_ARN);
    sagemaker
      .on(DescribeModelPackageCommand, { ModelPackageName: PROD_ARN })
      .resolves({ CustomerMetadataProperties: { 'metric:validation:auc': '0.91' } } as never);
    expect(await handler(event)).toMatchObject({ promote: true, productionModelPackageArn: PROD_ARN });
    // The registry is not asked for its latest Approved package at all.
    expect(sagemaker.commandCalls(DescribeModelPackageCommand).map((c) => c.args[0].input)).toEqual([{ ModelPackageName: PROD_ARN }]);
  });

  test('GIVEN no DEPLOYED_MODEL_PARAMETER THEN the gate refuses to guess', async () => {
    trainingJob({ 'validation:auc': 0.92 });
    delete process.env.DEPLOYED_MODEL_PARAMETER;
    await expect(handler(event)).rejects.toThrow('DEPLOYED_MODEL_PARAMETER is not set');
  });

  test('GIVEN a production model WHEN the new one is better by the margin THEN it is promoted against that model', async () => {
    trainingJob({ 'validation:auc': 0.92 });
    serving(PROD_ARN);
    sagemaker
      .on(DescribeModelPackageCommand, { ModelPackageName: PROD_ARN })
      .resolves({ CustomerMetadataProperties: { 'metric:validation:auc': '0.91' } } as never);
    expect(await handler(event)).toMatchObject({ promote: true, productionValue: 0.91, productionModelPackageArn: PROD_ARN });
  });

  test('GIVEN a production model WHEN the new one improves less than the margin THEN it is rejected with the reason', async () => {
    trainingJob({ 'validation:auc': 0.912 });
    serving(PROD_ARN);
    sagemaker.on(DescribeModelPackageCommand).resolves({ CustomerMetadataProperties: { 'metric:validation:auc': '0.91' } } as never);
    expect(await handler(event)).toMatchObject({
      promote: false,
      reason: 'validation:auc 0.912 beats production 0.91 by 0.002, less than the required 0.005 (evaluation.minimumImprovement)',
    });
  });

  test('GIVEN the job lacks the metric THEN the error names it and what was reported', async () => {
    trainingJob({ 'validation:rmse': 3 });
    serving(undefined);
    await expect(handler(event)).rejects.toThrow('the training job reported no "validation:auc" metric (it reported: validation:rmse)');
  });

  test('GIVEN a job that did not complete THEN evaluation refuses it', async () => {
    trainingJob({}, 'Failed');
    await expect(handler(event)).rejects.toThrow('training job churn-abc is Failed, not Completed');
  });

  test('GIVEN a malformed input THEN the error names the field', async () => {
    await expect(handler({ ...event, rules: { ...event.rules, direction: 'up' } })).rejects.toThrow('invalid evaluation input: rules.direction');
  });
});
