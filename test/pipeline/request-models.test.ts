import { PipelineStates as S } from '../../lambdas/contracts/states';
import { uncheckedPatterns } from '../../lib/local/aws-models/request-validation';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, scriptedTrainer, useHarness } from '../helpers/pipeline';

/**
 * The synthesized state machine with every request checked against AWS's model of its API. The
 * negative control changes one rendered field past what the config schema allows (an instance type
 * SageMaker does not have): the run fails at Train with SageMaker's ValidationException.
 */
const aucScript: number[] = [];
const harness = new PipelineHarness(makeConfig(), (h) => scriptedTrainer(() => h.s3, aucScript));
useHarness(harness);

type TrainState = { Parameters: { ResourceConfig: { InstanceType: string } } };
const trainState = () => harness.definition.States[S.TRAIN] as unknown as TrainState;

describe("requests against AWS's service models", () => {
  test('GIVEN the synthesized requests THEN every call of the run passes its model (the control), meeting no pattern left unchecked', async () => {
    aucScript.push(0.9);
    const { execution } = await harness.run(await harness.snapshot({ 'raw/models-1.csv': SAMPLE }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toContain(S.NOTIFY_DEPLOYED);
    expect([...uncheckedPatterns]).toEqual([]);
  });

  test("GIVEN a training instance type SageMaker does not have THEN the run fails at Train with the model's enum, and the job never starts", async () => {
    const configured = trainState().Parameters.ResourceConfig.InstanceType;
    trainState().Parameters.ResourceConfig.InstanceType = 'ml.m5.huge';
    try {
      const jobsBefore = harness.sagemaker.trainingJobs.size;
      const { execution, notifications } = await harness.run(await harness.snapshot({ 'raw/models-2.csv': SAMPLE }));
      expect(execution.status).toBe('FAILED');
      expect(execution.statesEntered).toEqual(expect.arrayContaining([S.TRAIN, S.NOTIFY_FAILURE]));
      expect(execution.statesEntered).not.toContain(S.EVALUATE);
      expect(notifications[0].message).toMatchObject({
        error: 'SageMaker.ValidationException',
        cause: expect.stringContaining(
          "Value 'ml.m5.huge' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [",
        ),
      });
      expect(harness.sagemaker.trainingJobs.size).toBe(jobsBefore);
    } finally {
      trainState().Parameters.ResourceConfig.InstanceType = configured;
    }
  });
});
