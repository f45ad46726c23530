import { PipelineStates as S } from '../../lambdas/contracts/states';
import { makeConfig } from '../helpers/config';
import { PipelineHarness, SAMPLE, scriptedTrainer, useHarness } from '../helpers/pipeline';

/**
 * A serverless deployment run through the synthesized state machine with IAM and SageMaker's
 * serverless exclusions enforced locally: it deploys, twice (create, then blue/green all-at-once).
 * Before the templates dropped network isolation and data capture on serverless, CreateEndpointConfig refused it.
 */
const aucScript: number[] = [];
const serverless = { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 };
const harness = new PipelineHarness(makeConfig({ deployment: { compute: serverless, strategy: 'all-at-once' } }), (h) =>
  scriptedTrainer(() => h.s3, aucScript),
);
useHarness(harness);

describe('serverless deployment with the AWS rules enforced', () => {
  test('GIVEN two runs that pass the gate, each first missing its new config (eventual consistency) THEN the endpoint is created and then updated, serverless, without capture or isolation', async () => {
    for (const [i, auc] of [0.9, 0.95].entries()) {
      aucScript.push(auc);
      // SageMaker's eventually consistent read of the new config: the first try misses it, the retry finds it.
      harness.sagemaker.staleConfigReads(1);
      const { execution } = await harness.run(await harness.snapshot({ [`raw/serverless-${i}.csv`]: SAMPLE }));
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.statesEntered).toContain(i === 0 ? S.CREATE_ENDPOINT : S.UPDATE_ENDPOINT);
    }
    expect(harness.sagemaker.calls.filter((c) => c === 'CreateEndpoint')).toHaveLength(2);
    expect(harness.sagemaker.calls.filter((c) => c === 'UpdateEndpoint')).toHaveLength(2);
    const endpoint = harness.endpoint()!;
    expect(endpoint.status).toBe('InService');
    const config = harness.sagemaker.endpointConfigs.get(endpoint.configName)!;
    expect(config.DataCaptureConfig).toBeUndefined();
    expect(config.ProductionVariants![0].ServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 5 });
    expect(harness.sagemaker.models.get(config.ProductionVariants![0].ModelName!)!.EnableNetworkIsolation).toBeUndefined();
    expect(harness.iam.decisions.every((d) => d.allowed)).toBe(true);
  });
});
