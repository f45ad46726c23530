import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DataLake,
  DriftMonitor,
  InvalidPropError,
  MonitoringDashboard,
  Notifications,
  RetrainingPipeline,
  RetrainingTrigger,
  type RetrainingPipelineProps,
  type TrainingAlgorithm,
} from '../../../lib';
import { newApp } from '../../helpers/app';
import { makeConfig } from '../../helpers/config';

const LANDING = 'landing/';

/** A user's own stack, not MlopsStack: uploads land under landing/, logs are disposable, no dashboard text of ours. */
function composeOwnStack(overrides: Partial<RetrainingPipelineProps> = {}) {
  const stack = new Stack(newApp(), 'TeamModels');
  const config = makeConfig({ dataset: { name: 'subscriptions' }, deployment: { endpointName: 'subscriptions-live' } });
  const lake = new DataLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY, captureRetentionDays: 7 });
  lake.allowServiceToUseKey('cloudwatch.amazonaws.com');
  const notifications = new Notifications(stack, 'Alerts', { key: lake.key });
  const pipeline = new RetrainingPipeline(stack, 'Training', {
    dataLake: lake,
    notifications,
    dataset: config.dataset,
    features: config.features,
    training: config.training,
    evaluation: config.evaluation,
    deployment: config.deployment,
    rawPrefix: LANDING,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    ...overrides,
  });
  const trigger = new RetrainingTrigger(stack, 'OnUpload', {
    dataLake: lake,
    stateMachine: pipeline.stateMachine,
    rawPrefix: LANDING,
    debounce: Duration.seconds(30),
  });
  const drift = new DriftMonitor(stack, 'Drift', {
    endpointName: pipeline.endpointName,
    monitoring: config.monitoring,
    dataLake: lake,
    notifications,
    deployedModelParameter: pipeline.deployedModelParameter,
    retrainingQueue: trigger.queue,
  });
  new MonitoringDashboard(stack, 'Board', {
    title: 'Subscriptions',
    pipeline,
    driftMonitor: drift,
    notifications,
    featureNames: ['tenure'],
    latestReportUri: 's3://reports/latest.html',
  });
  return { stack, lake, pipeline, trigger, template: Template.fromStack(stack) };
}

const id = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

/** A serverless deployment section as the config resolves it (no isolation, no capture). */
const SERVERLESS_DEPLOYMENT = makeConfig({
  deployment: {
    compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 },
    strategy: 'all-at-once',
  },
}).deployment;

describe('the constructs composed in a stack of their own', () => {
  test('GIVEN a stack that is not MlopsStack, with uploads under landing/ THEN cdk-nag AwsSolutions finds no unacknowledged violation', () => {
    const { stack } = composeOwnStack();
    const report = new AwsSolutionsChecks(stack.node.scope).validateScope(stack);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  test('GIVEN uploads under landing/ THEN the trigger listens there and the feature function reads only landing/ of the raw data', () => {
    const { stack, lake, pipeline, template } = composeOwnStack();
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { object: { key: [{ prefix: LANDING }] } } } });
    const policy = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(stack, pipeline.featureProcessing.role) }] } }),
    )[0];
    const reads = (policy.Properties.PolicyDocument.Statement as { Action: string[] | string; Resource: unknown }[]).filter((s) =>
      [s.Action].flat().includes('s3:GetObjectVersion'),
    );
    expect(reads).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack, lake.dataBucket), 'Arn'] }, `/${LANDING}*`]] },
      },
    ]);
  });

  test('GIVEN the pipeline THEN its alarms and the dashboard read the metric methods (endpoint 5XX and latency of the named endpoint)', () => {
    const { template } = composeOwnStack();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Period: 60,
      Dimensions: [
        { Name: 'EndpointName', Value: 'subscriptions-live' },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ],
    });
    const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(dashboard).toContain('Invocation4XXErrors');
    expect(dashboard).toContain('subscriptions-live');
  });

  test('GIVEN another training algorithm as a value THEN the training job, the registry and the SageMaker role use its image and hyperparameters', () => {
    const repositoryArn = 'arn:aws:ecr:eu-west-1:123456789012:repository/my-algorithm';
    const algorithm: TrainingAlgorithm = {
      name: 'MyAlgorithm',
      image: () => ({ uri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-algorithm:1', repositoryArn }),
      hyperparameters: (training) => ({ epochs: String(training.hyperparameters.numRound) }),
    };
    const { stack, pipeline, template } = composeOwnStack({ algorithm });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('my-algorithm:1');
    expect(definition).toMatch(/\\"HyperParameters\\":\{\\"epochs\\":\\"\d+\\"\}/);
    expect(definition).not.toContain('sagemaker-xgboost');
    const rolePolicy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(stack, pipeline.sagemakerRole) }] } }))[0];
    expect(JSON.stringify(rolePolicy)).toContain(repositoryArn);
  });

  test.each<[string, Partial<RetrainingPipelineProps>, RegExp]>([
    ['a raw prefix that starts with "/"', { rawPrefix: '/landing/' }, /TeamModels\/Training: rawPrefix must end with "\/"/],
    ['a bad-row share above 1', { maxBadRowShare: 1.5 }, /Training: maxBadRowShare must be between 0 and 1, got 1.5/],
    ['a sampling percentage of 0', { samplingPercent: 0 }, /Training: samplingPercent must be a whole number from 1 to 100, got 0/],
    ['a fractional latency threshold', { latencyP99Ms: 0.5 }, /Training: latencyP99Ms must be a whole number/],
    [
      'network isolation on a serverless endpoint',
      { deployment: { ...SERVERLESS_DEPLOYMENT, networkIsolation: true } },
      /Training: deployment.networkIsolation SageMaker Serverless Inference excludes it/,
    ],
    [
      'data capture on a serverless endpoint',
      { deployment: { ...SERVERLESS_DEPLOYMENT, dataCapture: true } },
      /Training: deployment.dataCapture SageMaker Serverless Inference excludes it/,
    ],
  ])('GIVEN %s THEN the pipeline refuses it, naming the construct and the prop', (_case, overrides, message) => {
    expect(() => composeOwnStack(overrides)).toThrow(InvalidPropError);
    expect(() => composeOwnStack(overrides)).toThrow(message);
  });

  test('GIVEN drift retraining on and no queue THEN the drift monitor refuses it, naming retrainingQueue', () => {
    const stack = new Stack(newApp(), 'NoQueue');
    const config = makeConfig({ monitoring: { retrainOnDrift: { enabled: true } } });
    const lake = new DataLake(stack, 'Lake');
    const notifications = new Notifications(stack, 'Alerts', { key: lake.key });
    const parameter = new ssm.StringParameter(stack, 'Pointer', { stringValue: '{}' });
    expect(
      () =>
        new DriftMonitor(stack, 'Drift', {
          endpointName: 'e',
          monitoring: config.monitoring,
          dataLake: lake,
          notifications,
          deployedModelParameter: parameter,
        }),
    ).toThrow('NoQueue/Drift: retrainingQueue is required when monitoring.retrainOnDrift is enabled');
  });
});

describe('DataLake grants', () => {
  test.each<[string, (lake: DataLake, role: iam.IGrantable) => iam.Grant, string, string[]]>([
    ['grantReadCapture', (lake, role) => lake.grantReadCapture(role), 'CaptureBucket', ['s3:GetObject']],
    ['grantWriteCapture', (lake, role) => lake.grantWriteCapture(role), 'CaptureBucket', ['s3:PutObject']],
    ['grantReadWriteModels', (lake, role) => lake.grantReadWriteModels(role), 'ModelsBucket', ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']],
    ['grantWriteFeatures', (lake, role) => lake.grantWriteFeatures(role), 'DataBucket', ['s3:AbortMultipartUpload', 's3:PutObject']],
  ])(
    'GIVEN %s on a role THEN it returns a successful grant of the objects under its prefix and of the key, nothing wider',
    (_name, grant, bucketId, actions) => {
      const stack = new Stack(newApp(), 'Grants');
      const lake = new DataLake(stack, 'Lake');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const result = grant(lake, role);
      expect(result.success).toBe(true);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[];
      const bucket = lake.node.findChild(bucketId) as unknown as { node: { defaultChild?: unknown } };
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: actions.length === 1 ? actions[0] : actions,
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack, bucket), 'Arn'] }, expect.stringMatching(/^\/[a-z]+\/\*$/)]] },
          }),
        ]),
      );
      expect(statements).toEqual(
        expect.arrayContaining([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [id(stack, lake.key), 'Arn'] } }]),
      );
      expect(JSON.stringify(statements)).not.toMatch(/"s3:\*"|"kms:\*"|"Resource":"\*"/);
    },
  );
});
