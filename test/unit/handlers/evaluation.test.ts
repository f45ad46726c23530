import { DescribeModelPackageCommand, DescribeTrainingJobCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, type EvaluationEvent } from '../../../lambdas/evaluation/handler';

const sagemaker = mockClient(SageMakerClient);
const event: EvaluationEvent = {
  trainingJobName: 'churn-abc',
  modelPackageGroupName: 'churn-models',
  rules: { metric: 'validation:auc', direction: 'maximize', minimumValue: 0.7, minimumImprovement: 0.005 },
};
const PROD_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/3';

function trainingJob(metrics: Record<string, number>, status: 'Completed' | 'Failed' = 'Completed') {
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: 'churn-abc' }).resolves({
    TrainingJobStatus: status,
    FinalMetricDataList: Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: new Date() })),
  } as never);
}

beforeEach(() => {
  sagemaker.reset();
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

describe('evaluation handler', () => {
  test('GIVEN no approved package yet WHEN evaluated THEN the model is promoted on the minimum alone', async () => {
    trainingJob({ 'train:auc': 0.97, 'validation:auc': 0.91 });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    const decision = await handler(event);
    expect(decision).toMatchObject({ promote: true, candidateValue: 0.91, productionValue: null, productionModelPackageArn: null });
    expect(sagemaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toEqual({
      ModelPackageGroupName: 'churn-models',
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    });
  });

  test('GIVEN a production model WHEN the new one is better by the margin THEN it is promoted against that model', async () => {
    trainingJob({ 'validation:auc': 0.92 });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: PROD_ARN } as never] });
    sagemaker
      .on(DescribeModelPackageCommand, { ModelPackageName: PROD_ARN })
      .resolves({ CustomerMetadataProperties: { 'metric:validation:auc': '0.91' } } as never);
    expect(await handler(event)).toMatchObject({ promote: true, productionValue: 0.91, productionModelPackageArn: PROD_ARN });
  });

  test('GIVEN a production model WHEN the new one improves less than the margin THEN it is rejected with the reason', async () => {
    trainingJob({ 'validation:auc': 0.912 });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: PROD_ARN } as never] });
    sagemaker.on(DescribeModelPackageCommand).resolves({ CustomerMetadataProperties: { 'metric:validation:auc': '0.91' } } as never);
    expect(await handler(event)).toMatchObject({
      promote: false,
      reason: 'validation:auc 0.912 beats production 0.91 by 0.002, less than the required 0.005 (evaluation.minimumImprovement)',
    });
  });

  test('GIVEN the job lacks the metric THEN the error names it and what was reported', async () => {
    trainingJob({ 'validation:rmse': 3 });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
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
