import { PipelineStates as S } from '../../lambdas/contracts/states';
import { taskStates } from '../../lib/local/services/stepfunctions/state-machine-runner';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, scriptedTrainer, useHarness } from '../helpers/pipeline';

/**
 * The synthesized retraining state machine, executed locally: the Lambda tasks run the real
 * handlers against a local S3 and SageMaker; training is a scripted double that checks its inputs.
 */
const aucScript: (number | Error)[] = [];
const harness = new PipelineHarness(makeConfig({ evaluation: { minimumValue: 0.7, minimumImprovement: 0.005 } }), (h) =>
  scriptedTrainer(() => h.s3, aucScript),
);
let upload = 0;
const newSnapshot = (body = SAMPLE) => harness.snapshot({ [`raw/upload-${++upload}.csv`]: body });

useHarness(harness);

describe('retraining pipeline (auto approval), run after run', () => {
  test('GIVEN the synthesized definition THEN every Task state has a local implementation', () => {
    expect(
      taskStates(harness.definition)
        .map((t) => t.name)
        .sort(),
    ).toEqual(
      [
        S.PROCESS_FEATURES,
        S.PLAN_SHARDS,
        S.GATHER_SHARD_BATCH,
        S.MERGE_SHARDS,
        S.ENCODE_SHARD_BATCH,
        S.FINISH_FEATURES,
        S.TRAIN,
        S.EVALUATE,
        S.NOTIFY_REJECTED,
        S.REGISTER,
        S.DESCRIBE_APPROVED_PACKAGE,
        S.CREATE_MODEL,
        S.CREATE_ENDPOINT_CONFIG,
        S.FIND_ENDPOINT,
        S.CREATE_ENDPOINT,
        S.UPDATE_ENDPOINT,
        S.DESCRIBE_ENDPOINT,
        S.PUBLISH_DEPLOYED_MODEL,
        S.REJECT_UNDEPLOYED_PACKAGE,
        S.NOTIFY_DEPLOYED,
        S.NOTIFY_FAILURE,
      ].sort(),
    );
  });

  test('GIVEN no endpoint yet WHEN the first run passes the gate THEN it registers, creates the endpoint and publishes the model', async () => {
    aucScript.push(0.9);
    const input = await newSnapshot();
    const { execution, notifications } = await harness.run(input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(
      expect.arrayContaining([
        S.PROCESS_FEATURES,
        S.TRAIN,
        S.EVALUATE,
        S.REGISTER,
        S.CREATE_MODEL,
        S.CREATE_ENDPOINT_CONFIG,
        S.FIND_ENDPOINT,
        S.CREATE_ENDPOINT,
        S.DESCRIBE_ENDPOINT,
        S.PUBLISH_DEPLOYED_MODEL,
        S.DEPLOYED,
      ]),
    );
    expect(execution.statesEntered).not.toContain(S.UPDATE_ENDPOINT);

    const [pkg] = harness.sagemaker.modelPackages;
    expect(pkg).toMatchObject({ ModelPackageGroupName: expect.stringMatching(/^churn-models-[0-9a-f]{8}$/), ModelApprovalStatus: 'Approved' });
    expect(pkg.CustomerMetadataProperties).toMatchObject({
      runId: input.runId,
      'metric:validation:auc': '0.9',
      manifest: `s3://data/features/${input.runId}/manifest.json`,
      featureSpecUri: `s3://data/features/${input.runId}/feature-spec.json`,
      baselineUri: `s3://data/features/${input.runId}/baseline.json`,
    });
    const endpoint = harness.endpoint()!;
    expect(endpoint.status).toBe('InService');
    const config = harness.sagemaker.endpointConfigs.get(endpoint.configName)!;
    expect(config.DataCaptureConfig).toMatchObject({
      EnableCapture: true,
      InitialSamplingPercentage: 100,
      DestinationS3Uri: 's3://capture/capture',
      CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
    });
    expect(config.ProductionVariants![0]).toMatchObject({ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 });
    // Every call the run made was evaluated against the state machine role in the template, and allowed.
    expect(harness.iam.decisions.map((d) => d.action)).toEqual(
      expect.arrayContaining(['sagemaker:AddTags', 'iam:PassRole', 'sagemaker:CreateEndpoint', 'ssm:PutParameter']),
    );
    // And the handlers' own calls, under their functions' roles.
    const by = (role: string, action: string) => harness.iam.decisions.some((d) => d.principal.includes(role) && d.action === action);
    expect(by('RetrainingPipelineFeatureProcessingRole', 's3:GetObject')).toBe(true);
    expect(by('RetrainingPipelineFeatureProcessingRole', 's3:PutObject')).toBe(true);
    expect(by('RetrainingPipelineEvaluationRole', 'ssm:GetParameter')).toBe(true);
    expect(harness.iam.decisions.every((d) => d.allowed)).toBe(true);
    expect(harness.deployedModel()).toMatchObject({
      endpointName: 'churn-endpoint',
      modelPackageArn: pkg.ModelPackageArn,
      baselineUri: `s3://data/features/${input.runId}/baseline.json`,
      endpointConfigName: endpoint.configName,
    });
    expect(notifications).toEqual([
      {
        subject: '[churn] new model deployed',
        message: expect.objectContaining({
          outcome: 'DEPLOYED',
          modelPackageArn: pkg.ModelPackageArn,
          decision: 'no model in production; validation:auc 0.9 passes the minimum',
          metrics: { 'train:auc': expect.closeTo(0.95, 9), 'validation:auc': 0.9 },
          execution: expect.stringContaining(input.runId),
        }),
      },
    ]);
  });

  test('GIVEN a deployed model WHEN a better one arrives THEN the endpoint is updated and keeps its name', async () => {
    aucScript.push(0.92);
    const before = harness.endpoint()!.configName;
    const { execution } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toContain(S.UPDATE_ENDPOINT);
    expect(execution.statesEntered).not.toContain(S.CREATE_ENDPOINT);
    expect(harness.endpoint()!.configName).not.toBe(before);
    expect(harness.sagemaker.modelPackages).toHaveLength(2);
    expect(harness.deployedModel()?.modelPackageArn).toBe(harness.sagemaker.modelPackages[1].ModelPackageArn);
  });

  test('GIVEN a model that is not better by the margin WHEN evaluated THEN nothing deploys and the notification gives the reason', async () => {
    aucScript.push(0.921);
    const served = harness.endpoint()!.configName;
    const { execution, notifications } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toContain(S.REJECTED);
    expect(execution.statesEntered).not.toContain(S.REGISTER);
    expect(harness.sagemaker.modelPackages).toHaveLength(2);
    expect(harness.endpoint()!.configName).toBe(served);
    expect(notifications[0].message).toMatchObject({
      outcome: 'REJECTED',
      reason: 'validation:auc 0.921 beats production 0.92 by 0.001, less than the required 0.005 (evaluation.minimumImprovement)',
    });
  });

  test('GIVEN training fails WHEN the run executes THEN the failure is notified and the endpoint is untouched', async () => {
    aucScript.push(new Error('out of memory'));
    const served = harness.endpoint()!.configName;
    const { execution, notifications } = await harness.run(await newSnapshot());
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RetrainingFailed' });
    expect(notifications[0].message).toMatchObject({
      outcome: 'FAILED',
      error: 'States.TaskFailed',
      cause: expect.stringContaining('AlgorithmError: out of memory'),
      endpoint: 'churn-endpoint: unchanged, it keeps serving the previous model',
    });
    expect(harness.endpoint()!.configName).toBe(served);
  });

  test('GIVEN an update whose alarms trip WHEN it rolls back THEN the rollback is reported and the previous model keeps serving', async () => {
    aucScript.push(0.95);
    harness.sagemaker.setNextUpdateOutcome('rollback');
    const served = harness.endpoint()!.configName;
    const published = harness.deployedModel();
    const { execution, notifications } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('FAILED');
    expect(execution.statesEntered).toEqual(expect.arrayContaining([S.UPDATE_ENDPOINT, S.ROLLED_BACK, S.NOTIFY_FAILURE]));
    expect(notifications[0].message).toMatchObject({
      outcome: 'FAILED',
      error: 'DeploymentRolledBack',
      cause: expect.stringContaining(`rolled back to ${served}`),
    });
    expect(harness.endpoint()).toMatchObject({ status: 'InService', configName: served });
    expect(harness.deployedModel()).toEqual(published);
    // The package that never served is marked so in the registry, with why.
    const [rejected] = harness.sagemaker.listModelPackages({
      ModelPackageGroupName: (published!.modelPackageArn as string).split('/')[1],
      SortOrder: 'Descending',
    }).ModelPackageSummaryList;
    expect(harness.sagemaker.describeModelPackage({ ModelPackageName: rejected.ModelPackageArn })).toMatchObject({
      ModelApprovalStatus: 'Rejected',
      ApprovalDescription: expect.stringMatching(/^Run snapshot-\w+ did not deploy it \(DeploymentRolledBack\); it never served$/),
    });
  });

  test('GIVEN a rolled-back model (0.95) WHEN the next model beats the one that serves THEN the gate compares with what serves', async () => {
    const serving = harness.deployedModel()!.modelPackageArn as string;
    const servingAuc = Number(harness.sagemaker.describeModelPackage({ ModelPackageName: serving }).CustomerMetadataProperties?.['metric:validation:auc']);
    expect(servingAuc).toBeLessThan(0.94);
    // The rolled-back package (0.95) is Rejected now; the gate would have compared with it when it
    // counted the latest Approved package as production.
    // Better than what serves by the margin, worse than the Approved package that never served.
    aucScript.push(servingAuc + 0.01);
    const { execution, notifications } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('SUCCEEDED');
    expect(notifications[0].message).toMatchObject({ outcome: 'DEPLOYED' });
    expect(execution.output).toMatchObject({ evaluation: { promote: true, productionModelPackageArn: serving, productionValue: servingAuc } });
  });

  test('GIVEN SageMaker throttles WHEN the run executes THEN the calls are retried and the run succeeds', async () => {
    aucScript.push(0.97);
    harness.sagemaker.throttle('CreateModel', 2);
    harness.sagemaker.throttle('CreateModelPackage', 1);
    const callsBefore = harness.sagemaker.calls.length;
    const { execution } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('SUCCEEDED');
    const calls = harness.sagemaker.calls.slice(callsBefore);
    expect(calls.filter((c) => c === 'CreateModel')).toHaveLength(3);
    expect(calls.filter((c) => c === 'CreateModelPackage')).toHaveLength(2);
  });

  test('GIVEN an endpoint that fails to update WHEN polled THEN the failure reason is notified', async () => {
    aucScript.push(0.99);
    harness.sagemaker.setNextUpdateOutcome('fail');
    const { execution, notifications } = await harness.run(await newSnapshot());
    expect(execution.status).toBe('FAILED');
    expect(notifications[0].message).toMatchObject({ error: 'EndpointFailed', cause: expect.stringContaining('did not pass the ping health check') });
  });

  test("GIVEN the training request THEN it is the built-in XGBoost job on the run's channels with the configured hyperparameters", () => {
    const trainer = harness.sagemaker.trainingJobs.values().next().value!.request;
    expect(trainer).toMatchObject({
      AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      HyperParameters: { objective: 'binary:logistic', num_round: '200', max_depth: '5', eta: '0.2', eval_metric: 'auc', early_stopping_rounds: '20' },
      OutputDataConfig: { S3OutputPath: 's3://models/models/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    });
    expect(trainer.TrainingJobName).toMatch(/^churn-[0-9a-f-]{36}$/);
    expect(trainer.InputDataConfig!.map((c) => c.ChannelName)).toEqual(['train', 'validation']);
  });
});
