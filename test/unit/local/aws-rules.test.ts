import type { CreateEndpointConfigCommandInput } from '@aws-sdk/client-sagemaker';
import { LocalSageMaker, ModelStartError } from '../../../lib/local/services/sagemaker/sagemaker';
import { LocalNotifier } from '../../../lib/local/services/sns';

/** The local stand-ins refuse what AWS documents it refuses, in the service's error shape. */
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';
const model = (name: string, extra: Record<string, unknown> = {}) => ({
  ModelName: name,
  ExecutionRoleArn: ROLE,
  PrimaryContainer: { Image: 'image', ModelDataUrl: 's3://models/model.tar.gz' },
  ...extra,
});
const serverless = { VariantName: 'AllTraffic', ModelName: 'm', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } };
const errorOf = (call: () => unknown) => {
  try {
    call();
    return 'accepted';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
};

describe('SageMaker rules in the local stand-in', () => {
  const sagemaker = () => new LocalSageMaker({ region: 'us-east-1', trainer: async () => ({ metrics: [] }) });

  test.each<[string, Record<string, unknown>, Partial<CreateEndpointConfigCommandInput>, string]>([
    ['network isolation', { EnableNetworkIsolation: true }, {}, 'ValidationException: Network isolation (model "m") is not supported for Serverless Inference'],
    ['a VPC', { VpcConfig: { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] } }, {}, 'VPC configuration (model "m") is not supported'],
    [
      'data capture',
      {},
      { DataCaptureConfig: { InitialSamplingPercentage: 100, DestinationS3Uri: 's3://capture/c', CaptureOptions: [{ CaptureMode: 'Input' }] } },
      'Data capture is not supported for Serverless Inference',
    ],
    ['two variants', {}, { ProductionVariants: [serverless, { ...serverless, VariantName: 'B' }] }, 'More than one production variant'],
  ])('GIVEN a serverless endpoint config with %s THEN CreateEndpointConfig is refused', (_what, modelExtra, configExtra, expected) => {
    const local = sagemaker();
    local.createModel(model('m', modelExtra));
    expect(errorOf(() => local.createEndpointConfig({ EndpointConfigName: 'c', ProductionVariants: [serverless], ...configExtra }))).toContain(expected);
    // The control: the same config without the excluded feature is accepted.
    const plain = sagemaker();
    plain.createModel(model('m'));
    expect(errorOf(() => plain.createEndpointConfig({ EndpointConfigName: 'c', ProductionVariants: [serverless] }))).toBe('accepted');
  });

  test('GIVEN a blue/green update THEN the new config must keep the variant names, and serverless takes all-at-once only', async () => {
    const local = sagemaker();
    local.createModel(model('m'));
    local.createEndpointConfig({ EndpointConfigName: 'c1', ProductionVariants: [serverless] });
    local.createEndpointConfig({ EndpointConfigName: 'c2', ProductionVariants: [{ ...serverless, VariantName: 'Renamed' }] });
    local.createEndpointConfig({ EndpointConfigName: 'c3', ProductionVariants: [serverless] });
    local.createEndpoint({ EndpointName: 'e', EndpointConfigName: 'c1' });
    await local.describeEndpoint({ EndpointName: 'e' });
    const blueGreen = (type: 'ALL_AT_ONCE' | 'CANARY') => ({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: type,
          WaitIntervalInSeconds: 60,
          ...(type === 'CANARY' ? { CanarySize: { Type: 'CAPACITY_PERCENT' as const, Value: 10 } } : {}),
        },
      },
    });
    expect(errorOf(() => local.updateEndpoint({ EndpointName: 'e', EndpointConfigName: 'c2', DeploymentConfig: blueGreen('ALL_AT_ONCE') }))).toContain(
      'same variant names',
    );
    expect(errorOf(() => local.updateEndpoint({ EndpointName: 'e', EndpointConfigName: 'c3', DeploymentConfig: blueGreen('CANARY') }))).toContain(
      'ALL_AT_ONCE only',
    );
    expect(errorOf(() => local.updateEndpoint({ EndpointName: 'e', EndpointConfigName: 'c3', DeploymentConfig: blueGreen('ALL_AT_ONCE') }))).toBe('accepted');
    // While Updating, another update is refused.
    expect(errorOf(() => local.updateEndpoint({ EndpointName: 'e', EndpointConfigName: 'c1' }))).toContain('Cannot update in-progress endpoint');
  });

  test("GIVEN an update whose model cannot start THEN the endpoint fails with the reason and keeps the config that served; another error is the stand-in's bug and propagates", async () => {
    const serving: { failure?: Error } = {};
    const local = new LocalSageMaker({
      region: 'us-east-1',
      trainer: async () => ({ metrics: [] }),
      onEndpointServing: () => {
        if (serving.failure) throw serving.failure;
      },
    });
    local.createModel(model('m'));
    local.createEndpointConfig({ EndpointConfigName: 'c1', ProductionVariants: [serverless] });
    local.createEndpointConfig({ EndpointConfigName: 'c2', ProductionVariants: [serverless] });
    local.createEndpoint({ EndpointName: 'e', EndpointConfigName: 'c1' });
    expect((await local.describeEndpoint({ EndpointName: 'e' })).EndpointStatus).toBe('InService');
    serving.failure = new ModelStartError('Could not access model data at s3://models/model.tar.gz.');
    local.updateEndpoint({ EndpointName: 'e', EndpointConfigName: 'c2' });
    expect(await local.describeEndpoint({ EndpointName: 'e' })).toMatchObject({
      EndpointStatus: 'Failed',
      EndpointConfigName: 'c1',
      FailureReason: 'Could not access model data at s3://models/model.tar.gz.',
    });
    const failing = new LocalSageMaker({
      region: 'us-east-1',
      trainer: async () => ({ metrics: [] }),
      onEndpointServing: () => {
        throw new TypeError('bug');
      },
    });
    failing.createModel(model('m'));
    failing.createEndpointConfig({ EndpointConfigName: 'c1', ProductionVariants: [serverless] });
    failing.createEndpoint({ EndpointName: 'e', EndpointConfigName: 'c1' });
    await expect(failing.describeEndpoint({ EndpointName: 'e' })).rejects.toThrow('bug');
  });

  test('GIVEN names past 63 characters THEN models are refused', () => {
    expect(errorOf(() => sagemaker().createModel(model('m'.repeat(64))))).toContain('ValidationException: CreateModel: ModelName');
  });
});

describe('SNS rules in the local stand-in', () => {
  test.each([
    ['100 characters', 'x'.repeat(100)],
    ['a line break', 'run\nfailed'],
    ['non-ASCII text', 'run failed ✗'],
  ])('GIVEN a subject with %s THEN Publish is refused as SNS refuses it', (_what, subject) => {
    expect(errorOf(() => new LocalNotifier().publish('arn:aws:sns:us-east-1:000000000000:t', 'm', subject))).toMatch(
      /^SNS.InvalidParameterException: Invalid parameter: Subject/,
    );
    expect(errorOf(() => new LocalNotifier().publish('arn:aws:sns:us-east-1:000000000000:t', 'm', 'x'.repeat(99)))).toBe('accepted');
  });
});
