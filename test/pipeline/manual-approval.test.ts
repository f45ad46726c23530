import { PipelineStates as S } from '../../lambdas/contracts/states';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, scriptedTrainer, useHarness } from '../helpers/pipeline';

const harness = new PipelineHarness(makeConfig({ deployment: { approval: 'manual' } }), (h) => scriptedTrainer(() => h.s3, [0.9]));

useHarness(harness);

describe('retraining pipeline with manual approval', () => {
  test('GIVEN manual approval WHEN a model passes the gate THEN it waits for approval, and the approval event deploys it', async () => {
    // WHEN the retraining run executes
    const input = await harness.snapshot({ 'raw/manual.csv': SAMPLE });
    const first = await harness.run(input);

    // THEN it stops at the registry, notifies, and deploys nothing
    expect(first.execution.status).toBe('SUCCEEDED');
    expect(first.execution.statesEntered).toEqual(expect.arrayContaining([S.REGISTER, S.NOTIFY_PENDING_APPROVAL, S.AWAITING_APPROVAL]));
    const [pkg] = harness.sagemaker.modelPackages;
    expect(pkg.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(first.notifications[0].message).toMatchObject({ outcome: 'PENDING_APPROVAL', modelPackageArn: pkg.ModelPackageArn });
    expect(harness.endpoint()).toBeUndefined();

    // WHEN a person approves it and the approval rule starts the state machine with the package
    harness.sagemaker.updateModelPackageApproval(pkg.ModelPackageArn, 'Approved');
    const second = await harness.run({ runId: 'approval-event-1', approvedModelPackageArn: pkg.ModelPackageArn } as never);

    // THEN the approved package is deployed, without retraining
    expect(second.execution.status).toBe('SUCCEEDED');
    expect(second.execution.statesEntered[0]).toBe(S.ROUTE_RUN);
    expect(second.execution.statesEntered).toEqual(expect.arrayContaining([S.DESCRIBE_APPROVED_PACKAGE, S.CREATE_MODEL, S.CREATE_ENDPOINT, S.DEPLOYED]));
    expect(second.execution.statesEntered).not.toContain(S.TRAIN);
    expect(harness.endpoint()?.status).toBe('InService');
    expect(harness.deployedModel()).toMatchObject({
      modelPackageArn: pkg.ModelPackageArn,
      baselineUri: pkg.CustomerMetadataProperties!.baselineUri,
      runId: 'approval-event-1',
    });
    expect(second.notifications[0].message).toMatchObject({
      outcome: 'DEPLOYED',
      decision: 'approved in the model registry',
      metrics: expect.objectContaining({ 'metric:validation:auc': '0.9' }),
    });
  });
});
